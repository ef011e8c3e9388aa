"""What every benchmark suite shares: the timing helper, bandwidth
arithmetic, machine information, optional imports and the command line.

A suite is a module ``suite_<name>.py`` with two functions:

    run(cfg)     -> dict   the measurements (JSON-able); cfg["quick"]
    report(res)  -> str    markdown for docs/performance.md

and ends with ``common.suite_main(run, report)``, so that
``python bench/suite_<name>.py [--quick] [--json PATH]`` runs it alone.
``bench/run.py`` runs each suite in a process of its own and merges them.
"""

import argparse
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import timeit as _timeit

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BANDWIDTH_BIN = os.path.join(ROOT, "build", "bench_bandwidth")
NOT_YET = "not available yet in ufuncforge"
THREADS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
    else os.cpu_count()


# ---- timing ------------------------------------------------------------

def timeit(stmt, repeat=11, warmup=2, min_sample_s=0.0, globals=None):
    """Times |stmt| (a callable, or a statement string run in |globals|):
    compare() of one."""
    return compare({"x": stmt}, repeat, warmup, min_sample_s, globals)["x"]


def compare(stmts, repeat=11, warmup=2, min_sample_s=0.0, globals=None):
    """Times each of {name: stmt} (callables, or statement strings run in
    |globals|), round-robin: every round takes one sample of each, so a
    burst of load elsewhere on the machine hits them alike.

    Each runs |warmup| times first; a sample is as many calls as make it
    last at least |min_sample_s| (one call when 0).  Returns {name:
    {"median_s", "min_s", "max_s", "repeat", "number"}}: seconds per
    call."""
    timers, number, samples = {}, {}, {}
    for name, stmt in stmts.items():
        timers[name] = _timeit.Timer(stmt, globals=globals)
        timers[name].timeit(max(warmup, 1))
        number[name] = 1
        while min_sample_s and \
                timers[name].timeit(number[name]) < min_sample_s:
            number[name] *= 4
        samples[name] = []
    for _ in range(repeat):
        for name, timer in timers.items():
            samples[name].append(timer.timeit(number[name]) / number[name])
    return {name: {"median_s": statistics.median(s), "min_s": min(s),
                   "max_s": max(s), "repeat": repeat,
                   "number": number[name]}
            for name, s in samples.items()}


def gbs(nbytes, seconds):
    """Bandwidth in GB/s (1e9 bytes per second)."""
    return nbytes / seconds / 1e9


def ms(seconds):
    return seconds * 1e3


def median(xs):
    return statistics.median(xs)


# ---- optional packages ---------------------------------------------------

def optional_import(name):
    """The module |name|, or None when it is not installed.  Names listed
    in the environment variable BENCH_WITHOUT (comma-separated) count as
    absent, to try the suites as a machine without them sees them."""
    if name in os.environ.get("BENCH_WITHOUT", "").split(","):
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def absent(name):
    return f"{name} not installed"


# ---- machine -------------------------------------------------------------

SIMD_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512dq",
              "avx512vl", "avx512bw", "avx512_bf16", "avx512_fp16", "amx",
              "asimd", "sve")


def cpuinfo():
    """(model name, [flags]) from /proc/cpuinfo (Linux)."""
    model, flags = None, []
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and model is None:
                    model = value.strip()
                elif key in ("flags", "Features") and not flags:
                    flags = value.split()
    except OSError:
        pass
    return model or platform.processor() or platform.machine(), flags


def llvm_version():
    """The LLVM that ufuncforge links (llvm-config-19), or None."""
    for exe in ("llvm-config-19", "/usr/lib/llvm-19/bin/llvm-config"):
        try:
            return subprocess.run([exe, "--version"], capture_output=True,
                                  text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            continue
    return None


def versions():
    out = {"python": platform.python_version()}
    for name in ("numpy", "ufuncforge", "numba", "llvmlite", "numexpr",
                 "matplotlib"):
        mod = optional_import(name)
        out[name] = getattr(mod, "__version__", None)
    out["llvm"] = llvm_version()
    return out


def git_commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, cwd=ROOT,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def machine_info():
    model, flags = cpuinfo()
    mem = None
    try:
        with open("/proc/meminfo") as f:
            mem = round(int(f.readline().split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpu": model, "cores": THREADS, "cpu_count": os.cpu_count(),
        "simd_flags": [f for f in flags if f in SIMD_FLAGS],
        "flags": flags, "memory_gib": mem, "os": platform.platform(),
        "versions": versions(), "commit": git_commit(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


# ---- the bandwidth limit -----------------------------------------------

def bandwidth(mib=256, passes=10):
    """Runs build/bench_bandwidth on 3 arrays of |mib| MiB, best of
    |passes|; its JSON (GB/s per loop, on 1 thread and on all), or None
    when it is not built."""
    if not os.access(BANDWIDTH_BIN, os.X_OK):
        return None
    out = subprocess.run([BANDWIDTH_BIN, str(mib), str(passes)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


# ---- the command line of a suite ----------------------------------------

def suite_args(argv=None, doc=""):
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="a fast smoke run: small sizes, few repeats")
    ap.add_argument("--json", help="write the results here")
    return ap.parse_args(argv)


def suite_main(run, report, doc=""):
    """The command line of a suite: runs it, prints its report, writes its
    results to --json."""
    args = suite_args(doc=doc)
    res = run({"quick": args.quick})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)
    print(report(res), flush=True)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def fmt(x, digits=2):
    """A number for a table, or its reason when it is a string."""
    if x is None:
        return "n/a"
    if isinstance(x, str):
        return x
    return f"{x:.{digits}f}"


def absent_notes(labels, results):
    """Lines that say why columns are n/a: '- n/a: Numba cpu: numba not
    installed', from {column: {"absent": reason}}."""
    notes = [f"- n/a: {labels[c]}: {r['absent']}"
             for c, r in results.items() if "absent" in r]
    return notes + [""] if notes else []


def threads(k):
    """'1 thread', '2 threads'."""
    return "1 thread" if k == 1 else f"{k} threads"


def table(header, rows, align=None):
    """A markdown table; |align| is a string of 'l'/'r' per column."""
    align = align or "l" + "r" * (len(header) - 1)
    sep = ["---" if a == "l" else "---:" for a in align]
    lines = [header, sep] + rows
    return "\n".join("| " + " | ".join(str(c) for c in r) + " |"
                     for r in lines)
