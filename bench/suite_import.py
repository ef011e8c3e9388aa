"""Import time: `python -c CODE` as whole processes, many repeats,
interleaved so that drift hits every case alike; medians.  What a package
adds is its process time minus that of `import numpy`.

`import ufuncforge` loads neither the C extension nor LLVM (they load on
the first vectorize), so a second case touches `ufuncforge.CompileError`,
which loads both: that is the import a first kernel pays for.  Goal: the
import adds <= 35 ms over NumPy.
"""

import subprocess
import sys
import time

import common as C

GOAL_MS = 35.0
CASES = {
    "python": "pass",
    "numpy": "import numpy",
    "ufuncforge": "import numpy, ufuncforge",
    "ufuncforge + extension": "import numpy, ufuncforge; "
                              "ufuncforge.CompileError",
    "numba": "import numpy, numba",
}


def run(cfg):
    cases = {k: c for k, c in CASES.items()
             if "numba" not in k or C.optional_import("numba")}
    n = cfg.get("n") or (3 if cfg["quick"] else 30)
    C.log(f"import: {len(cases)} cases x {n} processes")
    times = {k: [] for k in cases}
    for i in range(n + 1):  # round 0 warms the page cache: not counted
        for k, code in cases.items():
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True,
                           cwd=C.HERE)
            if i > 0:
                times[k].append(C.ms(time.perf_counter() - t0))
    med = {k: C.median(t) for k, t in times.items()}
    return {"n": n, "goal_ms": GOAL_MS, "cases": cases,
            "process_ms": med,
            "min_ms": {k: min(t) for k, t in times.items()},
            "over_numpy_ms": {k: med[k] - med["numpy"] for k in med
                              if k not in ("python", "numpy")}}


def report(res):
    body = []
    for k, code in CASES.items():
        if k not in res["process_ms"]:
            body.append([f"`{code}`", "n/a", "n/a", C.absent("numba")])
            continue
        over = res["over_numpy_ms"].get(k)
        body.append([f"`{code}`", f"{res['process_ms'][k]:.1f}",
                     "" if over is None else f"{over:+.1f}", ""])
    return C.table(["process", "ms (median)", "over NumPy", "note"], body,
                   "lrrl")


if __name__ == "__main__":
    C.suite_main(run, report, __doc__)
