#!/usr/bin/python3
"""Compares two alchain result files (or assessment files) bit for bit, except what measures
time or names the invocation: every group, dataset and attribute must exist in both with equal
type, shape and bytes.

    tools/compare_results.py A.h5 B.h5 [--ignore NAME ...]

Ignored by default: durations (`seconds`, `*_s`), `alchain_version`, `pipeline_path` and the
invocation's `threads`/`jobs` (each trial's own `threads` is compared: it fixes the numbers; so
is its `device`: pass `--ignore device` for runs whose trials ran on different GPUs).
Exits 0 when equal, 1 listing every difference (at most 50 lines).
"""
import argparse
import sys

import h5py
import numpy as np

DEFAULT_IGNORED = {"seconds", "alchain_version", "pipeline_path"}
ROOT_ONLY_IGNORED = {"threads", "jobs"}


def ignored(path, name, extra):
    if name in DEFAULT_IGNORED or name in extra or name.endswith("_s"):
        return True
    return path == "/" and name in ROOT_ONLY_IGNORED


def same_value(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    return np.array_equal(a, b)


def compare(fa, fb, extra):
    problems = []

    def attrs(path, oa, ob):
        for name in sorted(set(oa.attrs) | set(ob.attrs)):
            if ignored(path, name, extra):
                continue
            if name not in oa.attrs or name not in ob.attrs:
                problems.append(f"{path}: attribute '{name}' only in {'B' if name not in oa.attrs else 'A'}")
            elif not same_value(oa.attrs[name], ob.attrs[name]):
                problems.append(f"{path}: attribute '{name}' differs: {oa.attrs[name]!r} vs {ob.attrs[name]!r}")

    def walk(path, ga, gb):
        attrs(path, ga, gb)
        for name in sorted(set(ga) | set(gb)):
            sub = path.rstrip("/") + "/" + name
            if name not in ga or name not in gb:
                problems.append(f"{sub}: only in {'B' if name not in ga else 'A'}")
                continue
            a, b = ga[name], gb[name]
            if isinstance(a, h5py.Group) != isinstance(b, h5py.Group):
                problems.append(f"{sub}: a group in one file, a dataset in the other")
            elif isinstance(a, h5py.Group):
                walk(sub, a, b)
            elif a.dtype != b.dtype or a.shape != b.shape or not same_value(a[()], b[()]):
                problems.append(f"{sub}: dataset differs ({a.dtype}{a.shape} vs {b.dtype}{b.shape})")
            else:
                attrs(sub, a, b)

    walk("/", fa, fb)
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--ignore", nargs="*", default=[], help="more attribute names to leave out")
    args = ap.parse_args()
    with h5py.File(args.a, "r") as fa, h5py.File(args.b, "r") as fb:
        problems = compare(fa, fb, set(args.ignore))
    for p in problems[:50]:
        print(p)
    if len(problems) > 50:
        print(f"... and {len(problems) - 50} more")
    if problems:
        print(f"compare_results: {args.a} and {args.b} differ in {len(problems)} place(s)", file=sys.stderr)
        return 1
    print(f"compare_results: {args.a} and {args.b} are equal (timings and invocation left out)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
