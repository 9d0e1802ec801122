#!/usr/bin/python3
"""Summarise an alchain result file with h5py (layout: docs/hdf5.md).

    /usr/bin/python3 tools/read_results.py results/quickstart.h5
    /usr/bin/python3 tools/read_results.py results/quickstart.h5 --check   # also verify invariants

Prints one line per repeat/arm/generation/cycle: labeled size, test accuracy, picks.
"""
import argparse
import sys

import h5py
import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--check", action="store_true", help="exit 1 unless the layout's invariants hold")
    a = ap.parse_args()
    problems = []
    with h5py.File(a.file, "r") as f:
        attrs = f.attrs
        print(f"{a.file}: alchain {attrs['alchain_version']}, pipeline '{attrs['pipeline_name']}', "
              f"status {attrs['status']}, seeds {list(attrs['seeds'])}, threads {attrs['threads']}")
        if attrs["status"] != "complete":
            problems.append(f"status is {attrs['status']}")
        for rep in sorted(k for k in f if k.startswith("repeat_")):
            initial = f[rep]["initial_labeled"][()]
            for arm in [x.decode() if isinstance(x, bytes) else x for x in attrs["arms"]]:
                gens = sorted(f[rep][arm], key=lambda g: int(g.split("_")[1]))
                prev_labeled = None
                for gen in gens:
                    g = f[rep][arm][gen]
                    cycles = sorted(g, key=lambda c: int(c.split("_")[1]))
                    for cyc in cycles:
                        c = g[cyc]
                        labeled = c["labeled"][()]
                        line = (f"{rep} {arm:6} {gen} ({g.attrs['model']:>8}) {cyc}: "
                                f"labeled {len(labeled):6}  accuracy {c.attrs['accuracy']:.4f}")
                        if "selected" in c:
                            sel = c["selected"][()]
                            line += f"  picked {len(sel)} ({g.attrs['policy']})"
                            if len(np.intersect1d(sel, labeled)):
                                problems.append(f"{rep}/{arm}/{gen}/{cyc}: picked a labeled sample")
                            if "scores" in c and len(c["scores"]) != len(c["score_ids"]):
                                problems.append(f"{rep}/{arm}/{gen}/{cyc}: scores and score_ids differ")
                        print(line)
                        if prev_labeled is not None and not np.array_equal(labeled[:len(prev_labeled)], prev_labeled):
                            problems.append(f"{rep}/{arm}/{gen}/{cyc}: labeled set does not extend the previous one")
                        prev_labeled = labeled
                first = f[rep][arm]["gen_0"]["cycle_0"]["labeled"][()]
                if not np.array_equal(first, initial):
                    problems.append(f"{rep}/{arm}: does not start from initial_labeled")
    for p in problems:
        print("problem:", p, file=sys.stderr)
    if a.check and problems:
        sys.exit(1)
    if a.check:
        print("check: ok")


if __name__ == "__main__":
    main()
