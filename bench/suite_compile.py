"""Compile latency, ufuncforge next to Numba, in one process.

For the seed kernels (leaky_relu, huber_loss, parametric_relu, selu):

  eager        vectorize(signatures)(func) until the ufunc is ready, with
               1, 2 and 4 signatures (f8, f4, then i8 and i4 inputs with
               an f8 result): medians over N distinct kernels
  lazy         vectorize(func) (no signatures), then the first call on f8
               arrays of 1,000 elements, which compiles the loop
  first        the first kernel of a new process (1 signature): it also
               pays for loading the extension, LLVM and the JIT
  guvectorize  the three gufunc kernels of kernels.py, one signature each

Each kernel is made distinct by a different constant in its source, and
lives in its own generated module file (the front end reads the source
with inspect).  Goal: <= 10 ms per signature.
"""

import atexit
import importlib
import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

import common as C
import kernels as K

GOAL_MS_PER_SIG = 10.0

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
        self.write_source(modname, template.format(c=repr(const(i))))

    def write_source(self, modname, source):
        with open(os.path.join(self.dir, modname + ".py"), "w") as f:
            f.write(source)

    def load(self, modname, name):
        importlib.invalidate_caches()
        return getattr(importlib.import_module(modname), name)

    def fresh(self, kernel):
        self.count += 1
        modname = f"k{self.count}_{kernel}"
        self.write(modname, kernel, self.count)
        return self.load(modname, kernel)

    def fresh_gufunc(self, name):
        """A new copy of kernels.py's gufunc body |name|."""
        self.count += 1
        modname = f"g{self.count}_{name}"
        self.write_source(modname,
                          inspect.getsource(K.GUFUNCS[name][0]))
        return self.load(modname, name)


def since_ms(t0):
    return (time.perf_counter() - t0) * 1e3


def summary(samples):
    return {"median_ms": C.median(samples), "min_ms": min(samples),
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
                samples.append(since_ms(t0))
            per_sig += [t / k for t in samples]
            s = summary(samples)
            s.update(kernel=kernel, signatures=k,
                     median_ms_per_signature=s["median_ms"] / k)
            rows.append(s)
    return rows, C.median(per_sig)


def bench_lazy(vectorize, mods, n):
    rows = []
    for kernel, (arity, _, _) in KERNELS.items():
        args = [np.linspace(-2.0, 2.0, 1000)] * arity
        decorate, first = [], []
        for _ in range(n):
            func = mods.fresh(kernel)
            t0 = time.perf_counter()
            ufunc = vectorize(func)
            decorate.append(since_ms(t0))
            t0 = time.perf_counter()
            ufunc(*args)
            first.append(since_ms(t0))
        rows.append({"kernel": kernel, "decorate_ms": C.median(decorate),
                     "first_call_ms": C.median(first)})
    return rows


def bench_guvectorize(module, mods, n):
    gu = getattr(module, "guvectorize", None)
    if gu is None:
        return {"absent": C.NOT_YET}
    rows = []
    for name, (_, layout, sig, _, _) in K.GUFUNCS.items():
        samples = []
        for _ in range(n):
            func = mods.fresh_gufunc(name)
            t0 = time.perf_counter()
            gu([sig], layout)(func)
            samples.append(since_ms(t0))
        rows.append(dict(summary(samples), kernel=name, layout=layout))
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
    """The first kernel of a new process, medians of |n| processes."""
    mods.write("fresh_kernel", "leaky_relu", 0)
    code = FRESH.format(tool=tool, dir=mods.dir)
    runs = [json.loads(subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True,
        text=True, cwd=mods.dir).stdout) for _ in range(n)]
    return {k: C.median(r[k] for r in runs) for k in runs[0]}


def run_tool(name, module, mods, n):
    C.log(f"compile: timing {name} ...")
    vectorize = module.vectorize
    warm = mods.fresh("leaky_relu")  # one-time costs are in `first`
    vectorize(signatures(1, 1))(warm)
    eager, per_sig = bench_eager(vectorize, mods, n)
    return {"eager": eager, "eager_median_ms_per_signature": per_sig,
            "lazy": bench_lazy(vectorize, mods, n),
            "fresh_process": bench_fresh(name, mods, max(3, n // 2)),
            "guvectorize": bench_guvectorize(module, mods, n)}


def run(cfg):
    n = cfg.get("n") or (2 if cfg["quick"] else 15)
    mods = Modules()
    res = {"n": n, "signature_types": SIG_TYPES,
           "goal_ms_per_signature": GOAL_MS_PER_SIG, "tools": {}}
    for name in ("ufuncforge", "numba"):
        module = C.optional_import(name)
        res["tools"][name] = {"absent": C.absent(name)} if module is None \
            else run_tool(name, module, mods, n)
    return res


# ---- report ------------------------------------------------------------

def report(res):
    """One row per case, ufuncforge next to Numba."""
    tools = [res["tools"]["ufuncforge"], res["tools"]["numba"]]

    def row(case, get, goal=""):
        cells = ("n/a" if "absent" in t else get(t) for t in tools)
        return [case, *cells, goal]

    def verdict(x):
        return f"<= {GOAL_MS_PER_SIG:.0f} ms/sig: " + \
            ("met" if x <= GOAL_MS_PER_SIG else "MISSED")

    uf, body = tools[0], []
    for i, e in enumerate(uf["eager"]):
        body.append(row(
            f"`{e['kernel']}`, {e['signatures']} sig",
            lambda t: f"{t['eager'][i]['median_ms']:.1f} "
                      f"({t['eager'][i]['median_ms_per_signature']:.1f}"
                      "/sig)",
            verdict(e["median_ms_per_signature"])))
    body.append(row("**all eager compiles, per signature**",
                    lambda t: f"**{t['eager_median_ms_per_signature']:.1f}**",
                    verdict(uf["eager_median_ms_per_signature"])))
    for i, lz in enumerate(uf["lazy"]):
        body.append(row(f"`{lz['kernel']}`, lazy: decorate + first call",
                        lambda t: f"{t['lazy'][i]['decorate_ms']:.1f} + "
                                  f"{t['lazy'][i]['first_call_ms']:.1f}"))
    for case, key in [
            ("first kernel in a fresh process", "first_kernel_ms"),
            ("import numpy + package + first kernel",
             "numpy_import_tool_first_kernel_ms")]:
        body.append(row(case, lambda t: f"{t['fresh_process'][key]:.1f}"))
    for i, name in enumerate(K.GUFUNCS):
        body.append(row(f"`{name}`, guvectorize, 1 sig", lambda t: (
            "n/a" if "absent" in t["guvectorize"]
            else f"{t['guvectorize'][i]['median_ms']:.1f}")))
    lines = [C.table(["case (ms, medians)", "ufuncforge", "Numba", "goal"],
                     body, "lrrl"), ""]
    if "absent" in uf["guvectorize"]:
        lines.append(f"- n/a: ufuncforge guvectorize: {C.NOT_YET}")
    if "absent" in tools[1]:
        lines.append(f"- n/a: Numba: {tools[1]['absent']}")
    return "\n".join(lines)


if __name__ == "__main__":
    C.suite_main(run, report, __doc__)
