#!/usr/bin/python3
"""Summarise an alchain result file (layout 2, docs/hdf5.md) with h5py.

    /usr/bin/python3 tools/read_results.py results/quickstart.h5
    /usr/bin/python3 tools/read_results.py results/quickstart.h5 --check   # also verify the structure

Prints one line per trial: kind, column, rounds, labeled-set sizes, picks and the summary
cells it fills. --check exits 1 unless the file has layout 2's structure: format and layout
attributes, every planned trial present and complete, each round's `labeled` as long as its
`num_labeled`, picks distinct and disjoint from the labeled set, as many scores as score IDs,
and the labeled sets consistent (each select round trains on the previous round's set plus its
picks, train trials on prefixes of their source's order, every trial of a repeat from the same
initial set).
"""
import argparse
import signal
import sys

import h5py
import numpy as np

LAYOUT = 2


def text(v):
    """An attribute as str (h5py gives str; older files or builds may give bytes)."""
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.ndarray) and v.shape == ():
        return text(v[()])
    return str(v)


def texts(v):
    return [text(x) for x in np.asarray(v).ravel()]


class Checker:
    def __init__(self):
        self.problems = []

    def __call__(self, where, message):
        self.problems.append(f"{where}: {message}")

    def attr(self, obj, name, where):
        if name not in obj.attrs:
            self(where, f"attribute '{name}' is missing")
            return None
        return obj.attrs[name]


def check_round(r, where, problem, num_classes):
    num_labeled = problem.attr(r, "num_labeled", where)
    if "labeled" not in r:
        problem(where, "dataset 'labeled' is missing")
        return None
    labeled = r["labeled"][()]
    if num_labeled is not None and len(labeled) != int(num_labeled):
        problem(where, f"'labeled' has {len(labeled)} IDs, num_labeled says {int(num_labeled)}")
    if len(np.unique(labeled)) != len(labeled):
        problem(where, "'labeled' holds an ID twice")
    if "per_class_accuracy" not in r:
        problem(where, "dataset 'per_class_accuracy' is missing")
    elif num_classes is not None and len(r["per_class_accuracy"]) != num_classes:
        problem(where, f"'per_class_accuracy' has {len(r['per_class_accuracy'])} values for {num_classes} classes")
    for name in ("per_class_iou",):
        if name in r and num_classes is not None and len(r[name]) != num_classes:
            problem(where, f"'{name}' has {len(r[name])} values for {num_classes} classes")
    if "confusion" in r:
        shape = r["confusion"].shape
        if num_classes is not None and shape != (num_classes, num_classes):
            problem(where, f"'confusion' is {shape}, expected ({num_classes}, {num_classes})")
        else:
            # accuracy is the confusion matrix's trace over its total
            m = r["confusion"][()]
            total = m.sum()
            acc = problem.attr(r, "accuracy", where)
            if total > 0 and acc is not None and abs(float(np.trace(m)) / total - float(acc)) > 1e-9:
                problem(where, f"'accuracy' {float(acc)} is not the confusion matrix's {np.trace(m) / total}")
    for name in ("accuracy", "miou", "init_seed", "data_seed", "summary_row", "model", "policy", "cycle"):
        problem.attr(r, name, where)
    if "selected" in r:
        sel = r["selected"][()]
        if "policy_seed" not in r.attrs:
            problem(where, "a selecting round without 'policy_seed'")
        if not text(r.attrs.get("policy", "")):
            problem(where, "a selecting round without 'policy'")
        if len(np.unique(sel)) != len(sel):
            problem(where, "'selected' holds an ID twice")
        both = np.intersect1d(sel, labeled)
        if len(both):
            problem(where, f"picked {len(both)} already labeled samples (first: {both[0]})")
        if ("scores" in r) != ("score_ids" in r):
            problem(where, "'scores' and 'score_ids' come together, one is missing")
        elif "scores" in r and len(r["scores"]) != len(r["score_ids"]):
            problem(where, f"{len(r['scores'])} scores for {len(r['score_ids'])} score IDs")
    else:
        for name in ("scores", "score_ids"):
            if name in r:
                problem(where, f"'{name}' in a round that does not select")
        if "policy_seed" in r.attrs:
            problem(where, "'policy_seed' in a round that does not select")
    return labeled


def read(path, f):
    problem = Checker()
    a = f.attrs
    fmt = text(a.get("format", ""))
    if fmt != "alchain-results":
        if "arms" in a or "repeat_0" in f:
            problem("/", "written by an alchain before result layout 2 (repeat_<r>/<arm>/gen_<g>/cycle_<c>); "
                         "this reader reads layout 2")
        else:
            problem("/", f"not an alchain result file (format = {fmt!r}, expected 'alchain-results')")
        return problem.problems
    layout = a.get("layout")
    if layout is None or int(layout) != LAYOUT:
        problem("/", f"layout {layout}, this reader reads layout {LAYOUT}")
        return problem.problems
    for name in ("alchain_version", "status", "pipeline_name", "pipeline_toml", "plan_kind", "plan_fingerprint",
                 "plan", "seeds", "pool_size", "initial", "per_cycle", "rows", "columns", "trial_ids",
                 "class_names", "trial_threads"):
        problem.attr(f, name, "/")
    status = text(a.get("status", "?"))
    planned = texts(a["trial_ids"]) if "trial_ids" in a else []
    classes = len(a["class_names"]) if "class_names" in a else None
    columns = texts(a["columns"]) if "columns" in a else []
    rows = texts(a["rows"]) if "rows" in a else []
    trials = f["trials"] if "trials" in f else None
    if trials is None:
        problem("/", "group '/trials' is missing")
        return problem.problems
    done = sum(1 for t in planned if t in trials)
    print(f"{path}: pipeline '{text(a.get('pipeline_name', '?'))}' ({text(a.get('plan_kind', '?'))}), "
          f"status {status}, alchain {text(a.get('alchain_version', '?'))}, {done} of {len(planned)} trials, "
          f"seeds {[int(s) for s in a.get('seeds', [])]}, {int(a.get('trial_threads', 0))} threads per trial")
    if status != "complete":
        problem("/", f"status is {status!r}, not 'complete'")
    for extra in sorted(set(trials) - set(planned)):
        problem(f"/trials/{extra}", "a trial that is not in trial_ids")
    initial = int(a["initial"]) if "initial" in a else None
    initial_sets = {}  # repeat -> (first trial, its initial set): every trial of a repeat starts there
    orders = {}  # select trial -> its final labeling order
    print(f"{'trial':34} {'kind':6} {'column':20} {'rounds':>6}  {'labeled':13} {'picked':>6}  summary cells")
    for tid in planned:
        where = f"/trials/{tid}"
        if tid not in trials:
            problem(where, "planned in trial_ids but missing")
            continue
        t = trials[tid]
        if int(t.attrs.get("complete", 0)) != 1:
            problem(where, "not marked complete = 1")
        if text(t.attrs.get("id", "")) != tid:
            problem(where, f"its id attribute is {text(t.attrs.get('id', ''))!r}")
        column = text(t.attrs.get("column", ""))
        if columns and column not in columns:
            problem(where, f"column {column!r} is not one of the file's columns")
        n_rounds = int(t.attrs.get("rounds", -1))
        groups = sorted((k for k in t if k.startswith("round_")), key=lambda k: int(k.split("_")[1]))
        if [f"round_{k}" for k in range(n_rounds)] != groups:
            problem(where, f"rounds = {n_rounds}, groups present: {len(groups)}")
        kind = text(t.attrs.get("kind", "?"))
        repeat = int(t.attrs.get("repeat", -1))
        sizes, picked, cells = [], 0, []
        prev = None  # select: the set the next round trains on; train: the previous prefix
        for g in groups:
            r = t[g]
            labeled = check_round(r, f"{where}/{g}", problem, classes)
            if labeled is None:
                continue
            sizes.append(len(labeled))
            if g == "round_0" and initial is not None:
                start = labeled[:initial]
                if repeat not in initial_sets:
                    initial_sets[repeat] = (tid, start)
                elif not np.array_equal(start, initial_sets[repeat][1]):
                    problem(f"{where}/{g}", f"does not start from the initial set of {initial_sets[repeat][0]}"
                                            f" (the same repeat)")
            if kind == "select":
                if prev is not None and not np.array_equal(labeled, prev):
                    problem(f"{where}/{g}", "its labeled set is not the previous round's plus its picks")
                prev = labeled
                if "selected" in r:
                    picked += len(r["selected"])
                    prev = np.concatenate([labeled, r["selected"][()]])
            else:
                if "selected" in r:
                    problem(f"{where}/{g}", "a train trial's round selects")
                if prev is not None and not np.array_equal(labeled[:len(prev)], prev):
                    problem(f"{where}/{g}", "its labeled set does not extend the previous round's")
                prev = labeled
            row = text(r.attrs.get("summary_row", ""))
            if row:
                if rows and row not in rows:
                    problem(f"{where}/{g}", f"summary_row {row!r} is not one of the file's rows")
                cells.append(f"{row}={float(r.attrs.get('accuracy', np.nan)):.4f}")
        if kind == "select":
            orders[tid] = prev
        elif kind == "train" and prev is not None:
            source = text(t.attrs.get("source", ""))
            if source != "random":
                if source not in orders:
                    problem(where, f"source {source!r} is not a select trial before it in trial_ids")
                elif orders[source] is not None and not np.array_equal(prev, orders[source][:len(prev)]):
                    problem(where, f"its labeled sets are not prefixes of {source}'s labeling order")
        span = "-" if not sizes else str(sizes[0]) if min(sizes) == max(sizes) else f"{min(sizes)}..{max(sizes)}"
        print(f"{tid:34} {kind:6} {column:20} {n_rounds:>6}  {span:13} {picked:>6}  "
              + " ".join(cells))
    return problem.problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--check", action="store_true", help="exit 1 unless the file has layout 2's structure")
    a = ap.parse_args()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `... | head` ends quietly
    try:
        f = h5py.File(a.file, "r")
    except OSError as e:
        print(f"{a.file}: cannot open it as HDF5: {e}", file=sys.stderr)
        sys.exit(2)
    with f:
        problems = read(a.file, f)
    for p in problems:
        print("problem:", p, file=sys.stderr)
    if a.check:
        if problems:
            print(f"check: {len(problems)} problem(s) in {a.file}", file=sys.stderr)
            sys.exit(1)
        print("check: ok")


if __name__ == "__main__":
    main()
