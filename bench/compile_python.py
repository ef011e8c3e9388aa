"""Compile latency of the Python face, ufuncforge next to Numba.

Measures, for the seed kernels (leaky_relu, huber_loss, parametric_relu,
selu):

  eager      vectorize(signatures)(func) until the ufunc is ready, with 1, 2
             and 4 signatures (f8, f4, then i8 and i4 inputs with an f8
             result): the median over N distinct kernels
  lazy       vectorize(func) (no signatures), then the first call on f8
             arrays of 1,000 elements, which compiles the loop
  fresh      the first kernel of a new process (1 signature): pays for
             loading the extension, LLVM and the JIT; and the package's
             import time inside that process, after NumPy's
  import     `python -c "import numpy, ufuncforge"` minus
             `python -c "import numpy"` (medians of N processes), and the
             whole process

Each kernel is made distinct by a different constant in its source, and
lives in its own generated module file (the front end reads the source
with inspect).  Numba is timed the same way in the same run when it can be
imported.  Goals: <= 10 ms per signature; the import, NumPy included,
under 100 ms.  Writes bench/results/compile_python.json and prints a
markdown table.

    python bench/compile_python.py [--n 20] [--json PATH]
"""

import argparse
import atexit
import importlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import ufuncforge

GOAL_MS_PER_SIG = 10.0
GOAL_IMPORT_MS = 100.0
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_JSON = os.path.join(HERE, "results", "compile_python.json")

# name -> (arity, source template, the constant of variant i).  The bodies
# are the seed's; {c} is the constant that makes each variant distinct.
KERNELS = {
    "leaky_relu": (1, """
def leaky_relu(x):
    return x if x > 0.0 else {c} * x
""", lambda i: 0.01 + i * 1e-6),
    "huber_loss": (2, """
def huber_loss(prediction, target):
    diff = abs(prediction - target)
    if diff <= {c}:
        return 0.5 * diff * diff
    return diff - 0.5
""", lambda i: 1.0 + i * 1e-6),
    "parametric_relu": (3, """
def parametric_relu(x, alpha, threshold):
    if x >= threshold:
        return x
    return alpha * (x - threshold) + {c}
""", lambda i: i * 1e-9),
    "selu": (1, """
def selu(x):
    alpha = {c}
    scale = 1.0507009873554805
    if x > 0.0:
        return scale * x
    return scale * alpha * (2.718281828459045 ** x - 1.0)
""", lambda i: 1.6732632423543772 + i * 1e-12),
}

# (return, argument) types of the 1st, 2nd, ... signature.
SIG_TYPES = [("float64", "float64"), ("float32", "float32"),
             ("float64", "int64"), ("float64", "int32")]
NSIGS = (1, 2, 4)


def signatures(arity, k):
    return [f"{r}({', '.join([a] * arity)})" for r, a in SIG_TYPES[:k]]


class Modules:
    """Writes kernel variants as module files in a temp dir and imports
    them: every call gives a function never compiled before."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="uf_bench_")
        atexit.register(shutil.rmtree, self.dir, True)
        sys.path.insert(0, self.dir)
        self.count = 0

    def write(self, modname, kernel, i):
        _, template, const = KERNELS[kernel]
        path = os.path.join(self.dir, modname + ".py")
        with open(path, "w") as f:
            f.write(template.format(c=repr(const(i))))

    def fresh(self, kernel):
        self.count += 1
        modname = f"k{self.count}_{kernel}"
        self.write(modname, kernel, self.count)
        importlib.invalidate_caches()
        return getattr(importlib.import_module(modname), kernel)


def ms(t0):
    return (time.perf_counter() - t0) * 1e3


def summary(samples):
    return {"median_ms": statistics.median(samples), "min_ms": min(samples),
            "max_ms": max(samples)}


def bench_eager(vectorize, mods, n):
    """(rows, median ms per signature over every compile)."""
    rows, per_sig = [], []
    for kernel, (arity, _, _) in KERNELS.items():
        for k in NSIGS:
            sigs, samples = signatures(arity, k), []
            for _ in range(n):
                func = mods.fresh(kernel)
                t0 = time.perf_counter()
                vectorize(sigs)(func)
                samples.append(ms(t0))
            per_sig += [t / k for t in samples]
            s = summary(samples)
            s.update(kernel=kernel, signatures=k,
                     median_ms_per_signature=s["median_ms"] / k)
            rows.append(s)
    return rows, statistics.median(per_sig)


def bench_lazy(vectorize, mods, n):
    rows = []
    for kernel, (arity, _, _) in KERNELS.items():
        args = [np.linspace(-2.0, 2.0, 1000)] * arity
        decorate, first = [], []
        for _ in range(n):
            func = mods.fresh(kernel)
            t0 = time.perf_counter()
            ufunc = vectorize(func)
            decorate.append(ms(t0))
            t0 = time.perf_counter()
            ufunc(*args)
            first.append(ms(t0))
        rows.append({"kernel": kernel,
                     "decorate_ms": statistics.median(decorate),
                     "first_call_ms": statistics.median(first)})
    return rows


FRESH = """
import json, sys, time
t0 = time.perf_counter()
import numpy
t1 = time.perf_counter()
import {tool} as tool
t2 = time.perf_counter()
sys.path.insert(0, {dir!r})
from fresh_kernel import leaky_relu
t3 = time.perf_counter()
tool.vectorize(['float64(float64)'])(leaky_relu)
t4 = time.perf_counter()
print(json.dumps({{"first_kernel_ms": (t4 - t3) * 1e3,
                  "import_ms": (t2 - t1) * 1e3,
                  "numpy_import_tool_first_kernel_ms":
                      (t4 - t3 + t2 - t0) * 1e3}}))
"""


def bench_fresh(tool, mods, n):
    mods.write("fresh_kernel", "leaky_relu", 0)
    code = FRESH.format(tool=tool, dir=mods.dir)
    runs = [json.loads(subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True,
        text=True, cwd=mods.dir).stdout) for _ in range(n)]
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def bench_import(codes, cwd, n):
    """Median process wall time of `python -c CODE` for each code."""
    times = {c: [] for c in codes}
    for _ in range(n):  # interleaved, so drift hits every code alike
        for c in codes:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", c], check=True, cwd=cwd)
            times[c].append(ms(t0))
    return {c: statistics.median(t) for c, t in times.items()}


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run_tool(name, vectorize, mods, n, imports):
    print(f"timing {name} ...", file=sys.stderr)
    warm = mods.fresh("leaky_relu")  # one-time costs are in `fresh`
    vectorize(signatures(1, 1))(warm)
    base, tool = imports["import numpy"], imports[f"import numpy, {name}"]
    eager, per_sig = bench_eager(vectorize, mods, n)
    return {
        "eager": eager, "eager_median_ms_per_signature": per_sig,
        "lazy": bench_lazy(vectorize, mods, n),
        "fresh_process": bench_fresh(name, mods, max(5, n // 2)),
        "import": {"tool_ms": tool - base, "process_total_ms": tool,
                   "numpy_process_ms": base,
                   "python_startup_ms": imports["pass"]},
    }


def table(res):
    """The markdown table: one row per case, ufuncforge next to Numba."""
    tools = [res["ufuncforge"], res.get("numba")]

    def row(case, get, goal=""):
        a, b = ("n/a" if t is None else get(t) for t in tools)
        return f"| {case} | {a} | {b} | {goal} |"

    def verdict(x, goal, unit=""):
        return f"<= {goal:.0f}{unit} " + ("ok" if x <= goal else "MISSED")

    uf = tools[0]
    lines = ["| case (ms, medians) | ufuncforge | Numba | goal |",
             "| --- | ---: | ---: | --- |"]
    for i, e in enumerate(uf["eager"]):
        lines.append(row(
            f"{e['kernel']}, {e['signatures']} sig",
            lambda t: f"{t['eager'][i]['median_ms']:.1f} "
                      f"({t['eager'][i]['median_ms_per_signature']:.1f}/sig)",
            verdict(e["median_ms_per_signature"], GOAL_MS_PER_SIG, "/sig")))
    per = uf["eager_median_ms_per_signature"]
    lines.append(row("all eager compiles, per signature",
                     lambda t: f"{t['eager_median_ms_per_signature']:.1f}",
                     verdict(per, GOAL_MS_PER_SIG)))
    for i, lz in enumerate(uf["lazy"]):
        lines.append(row(f"{lz['kernel']}, lazy: decorate + first call",
                         lambda t: f"{t['lazy'][i]['decorate_ms']:.1f} + "
                                   f"{t['lazy'][i]['first_call_ms']:.1f}"))
    for case, part, key in [
            ("first kernel in a fresh process", "fresh_process",
             "first_kernel_ms"),
            ("import numpy + package + first kernel", "fresh_process",
             "numpy_import_tool_first_kernel_ms"),
            ("import of the package, in process after NumPy",
             "fresh_process", "import_ms"),
            ("import of the package: processes, minus NumPy's", "import",
             "tool_ms"),
            ("python -c 'import numpy' (whole process)", "import",
             "numpy_process_ms")]:
        lines.append(row(case, lambda t: f"{t[part][key]:.1f}"))
    total = uf["import"]["process_total_ms"]
    lines.append(row("python -c 'import numpy, <package>' (whole process)",
                     lambda t: f"{t['import']['process_total_ms']:.1f}",
                     verdict(total, GOAL_IMPORT_MS)))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=20,
                    help="kernels (and processes) per measurement")
    ap.add_argument("--json", default=DEFAULT_JSON)
    args = ap.parse_args()
    try:
        import numba
    except ImportError:
        numba = None
    mods = Modules()
    tools = {"ufuncforge": ufuncforge.vectorize}
    if numba is not None:
        tools["numba"] = numba.vectorize
    codes = ["pass", "import numpy"] + [f"import numpy, {t}" for t in tools]
    imports = bench_import(codes, mods.dir, args.n)
    res = {t: run_tool(t, v, mods, args.n, imports) for t, v in tools.items()}
    editable = "site-packages" not in ufuncforge.__file__
    doc = {
        "benchmark": "compile_python", "cpu": cpu_name(),
        "python": platform.python_version(), "numpy": np.__version__,
        "ufuncforge": ufuncforge.__version__,
        "install": "editable" if editable else "regular",
        "numba": numba.__version__ if numba else None,
        "goals": {"ms_per_signature": GOAL_MS_PER_SIG,
                  "import_process_ms": GOAL_IMPORT_MS},
        "n": args.n, "signature_types": SIG_TYPES, "results": res,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"compile_python: {doc['cpu']}, Python {doc['python']}, NumPy "
          f"{doc['numpy']}, ufuncforge {doc['ufuncforge']} "
          f"({doc['install']} install), N = {args.n}\n")
    if numba is None:
        print("Numba is absent (pip install numba to time it side by "
              "side)\n")
    else:
        print(f"Numba {numba.__version__}, timed in the same run\n")
    print(table(res))
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
