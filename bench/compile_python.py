"""Compile latency and import time of the Python face, ufuncforge next to
Numba (`make bench-compile-python`): bench/suite_compile.py and
bench/suite_import.py in one run, with N kernels (and processes) per
measurement.  Writes bench/results/compile_python.json and prints both
tables.  `make bench` runs the same suites among the others.

    python bench/compile_python.py [--n 20] [--json PATH] [--quick]
"""

import argparse
import json
import os

import common as C
import suite_compile
import suite_import


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=20,
                    help="kernels (and processes) per measurement")
    ap.add_argument("--json", default=os.path.join(
        C.HERE, "results", "compile_python.json"))
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    cfg = {"quick": args.quick, "n": None if args.quick else args.n}
    doc = {"machine": C.machine_info(),
           "compile": suite_compile.run(cfg),
           "import": suite_import.run(cfg)}
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(doc, f, indent=1)
    m = doc["machine"]
    print(f"compile_python: {m['cpu']}, {m['cores']} cores; "
          + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
          + f"; N = {doc['compile']['n']}\n")
    print(suite_compile.report(doc["compile"]), "\n")
    print(suite_import.report(doc["import"]))
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
