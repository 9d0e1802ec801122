#!/usr/bin/python3
"""Figures and an HTML/Markdown report for one alchain result file.

Run by `alchain report RESULTS -o DIR`, which first writes DIR/summary.json (`alchain summary
--format json`) and DIR/analysis.json (`alchain analyze --format json`): the statistics come from
alchain's C++ library; this script reads them, reads learning-curve points from the HDF5 file with
h5py, and draws with matplotlib (PNG and SVG of every figure), then writes report.html (every
figure embedded as a file next to it) and report.md.

    /usr/bin/python3 tools/report.py RESULTS DIR
"""
import html
import json
import math
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def save(fig, out_dir, name, figures, title, caption):
    for ext in ("png", "svg"):
        fig.savefig(os.path.join(out_dir, f"{name}.{ext}"), dpi=120, bbox_inches="tight")
    plt.close(fig)
    figures.append({"name": name, "title": title, "caption": caption})


def finite(v):
    return [x for x in v if x is not None and not (isinstance(x, float) and math.isnan(x))]


def matrix_heatmap(summary, out_dir, figures):
    """The paper's table: rows = deployments, columns = picks; coloured per row by the difference
    to random; each cell shows mean accuracy, the difference in p.p. and a mark when p < 0.05."""
    rows, cols = summary["rows"], summary["columns"]
    cells = {(c["row"], c["column"]): c for c in summary["cells"]}
    pick_cols = [c for c in cols if c != "random"]
    if not rows or not pick_cols:
        return
    diff = np.full((len(rows), len(pick_cols)), np.nan)
    for i, r in enumerate(rows):
        for j, c in enumerate(pick_cols):
            d = cells.get((r, c), {}).get("diff_mean")
            if d is not None:
                diff[i, j] = 100.0 * d
    fig, ax = plt.subplots(figsize=(1.6 + 1.5 * len(pick_cols), 1.0 + 0.7 * len(rows)))
    # Coloured per row, as the paper does: each row's own scale, centred on 0 (= random).
    norm_rows = np.zeros_like(diff)
    for i in range(len(rows)):
        span = np.nanmax(np.abs(diff[i])) if np.isfinite(diff[i]).any() else 1.0
        norm_rows[i] = diff[i] / (span if span > 0 else 1.0)
    ax.imshow(np.nan_to_num(norm_rows), cmap="RdBu", vmin=-1, vmax=1, aspect="auto")
    for i, r in enumerate(rows):
        for j, c in enumerate(pick_cols):
            cell = cells.get((r, c))
            if not cell:
                ax.text(j, i, "missing", ha="center", va="center", fontsize=8)
                continue
            vals = finite(cell.get("values", []))
            mean = np.mean(vals) if vals else float("nan")
            mark = ""
            p = cell.get("t_p")
            if p is not None and p < 0.05:
                mark = "*"
            hp = cell.get("holm_p")
            if hp is not None and hp < 0.05:
                mark = "**"
            d = diff[i, j]
            own = "" if cell.get("off_diagonal", True) else " (own)"
            text = f"{mean:.3f}{own}\n{d:+.2f} p.p.{mark}" if np.isfinite(d) else f"{mean:.3f}"
            dark = np.isfinite(norm_rows[i, j]) and abs(norm_rows[i, j]) > 0.6
            ax.text(j, i, text, ha="center", va="center", fontsize=8, color="white" if dark else "black")
    ax.set_xticks(range(len(pick_cols)), pick_cols)
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("picks of (surrogate)")
    ax.set_ylabel("deployment")
    rnd = [finite(cells.get((r, "random"), {}).get("values", [])) for r in rows]
    metric = "mIoU" if summary.get("metric") == "miou" else "accuracy"
    ax.set_title(f"{summary['pipeline']}: {metric} and difference to random "
                 f"({summary['repeats']} repeats)", fontsize=9)
    for i, v in enumerate(rnd):
        if v:
            ax.text(len(pick_cols) - 0.45, i, f" random {np.mean(v):.3f}", va="center", fontsize=8)
    save(fig, out_dir, "matrix", figures, "Surrogate × deployment matrix",
         f"Cells: mean test {metric} over repeats and the paired difference to random picks in "
         "percentage points, coloured per row (blue above random, red below). * paired t-test "
         "p < 0.05, ** also after Holm's adjustment over the off-diagonal cells.")


def learning_curves(results, summary, out_dir, figures):
    """Accuracy against labeled-set size per row (deployment), one line per column with a mean ± sd
    band over repeats. Points come from every round that fills the row: select trials' rounds of
    that model and train trials' sizes."""
    points = {}  # (row model, column) -> size -> [metric per repeat]
    with h5py.File(results, "r") as f:
        kind = f.attrs["plan_kind"]
        if isinstance(kind, bytes):
            kind = kind.decode()
        metric = f.attrs.get("metric", "accuracy")
        metric = metric.decode() if isinstance(metric, bytes) else metric
        for tid, t in f["trials"].items():
            column = t.attrs["column"]
            column = column.decode() if isinstance(column, bytes) else column
            for name, r in t.items():
                if not name.startswith("round_"):
                    continue
                model = r.attrs["model"]
                model = model.decode() if isinstance(model, bytes) else model
                key = (model, column)  # a chain's columns: "chain" and "random"
                points.setdefault(key, {}).setdefault(int(r.attrs["num_labeled"]), []).append(float(r.attrs[metric]))
    rows = summary["rows"] if kind == "matrix" else sorted({m for m, _ in points})
    if not rows:
        return
    # One colour per column in every panel; random in black.
    columns = [c for c in summary["columns"] if c != "random"] + sorted({c for _, c in points} - set(summary["columns"]))
    colour = {c: f"C{i}" for i, c in enumerate(columns)}
    colour["random"] = "black"
    fig, axes = plt.subplots(1, len(rows), figsize=(4.2 * len(rows), 3.4), squeeze=False)
    for ax, row in zip(axes[0], rows):
        for (model, column), by_size in sorted(points.items()):
            if model != row:
                continue
            sizes = sorted(by_size)
            mean = np.array([np.mean(by_size[s]) for s in sizes])
            sd = np.array([np.std(by_size[s], ddof=1) if len(by_size[s]) > 1 else 0.0 for s in sizes])
            style = "--" if column == "random" else "-"
            c = colour.get(column, "grey")
            ax.plot(sizes, mean, style, marker="o", markersize=3, label=column, color=c)
            ax.fill_between(sizes, mean - sd, mean + sd, alpha=0.2, color=c)
        ax.set_title(row, fontsize=9)
        ax.set_xlabel("labeled samples")
        ax.set_ylabel("test mIoU" if metric == "miou" else "test accuracy")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    save(fig, out_dir, "learning_curves", figures, "Learning curves",
         "Test accuracy against labeled-set size, mean ± sd over repeats, per model: its own "
         "selection rounds on its picks, and its trainings on other surrogates' picks and on random "
         "picks (dashed). Set experiment.learning_curves = true for points at every cycle.")


def spread_histograms(analysis, out_dir, figures):
    spread, edges = analysis.get("spread", []), analysis.get("hist_edges", [])
    if not spread or len(edges) < 2:
        return
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    centers = 0.5 * (np.array(edges[1:]) + np.array(edges[:-1]))
    width = (edges[1] - edges[0]) / (len(spread) + 0.5)
    for k, s in enumerate(spread):
        ax.bar(centers - 0.5 * (edges[1] - edges[0]) + (k + 0.75) * width, s["hist"], width=width, label=s["column"])
        top = finite(s["top10"])
        if top:
            ax.axvline(np.mean(top), color=f"C{k}", linestyle=":", linewidth=1.2)
    ax.set_xlabel("first-round score (entropy)")
    ax.set_ylabel("fraction of the pool")
    ax.legend(fontsize=8)
    ax.set_title("score spread: same initial set, scores of the rest of the pool", fontsize=9)
    save(fig, out_dir, "score_spread", figures, "Score spread (entropy histograms)",
         "Each surrogate trained on the same initial set scores the rest of the pool; all repeats "
         "pooled. Dotted lines: the mean top-10 % threshold (scores right of it are the top 10 %).")


def transfer_heatmaps(analysis, out_dir, figures):
    pairs = analysis.get("pairs", [])
    if not pairs:
        return
    cols = []
    for p in pairs:
        for c in (p["a"], p["b"]):
            if c not in cols:
                cols.append(c)
    n = len(cols)
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 3.8))
    fig.subplots_adjust(wspace=0.45)
    for ax, (key, label) in zip(axes, (("spearman", "Spearman rho of scores"), ("jaccard", "Jaccard of picks"))):
        m = np.full((n, n), np.nan)
        for i in range(n):
            m[i, i] = 1.0
        for p in pairs:
            v = finite(p[key])
            i, j = cols.index(p["a"]), cols.index(p["b"])
            m[i, j] = m[j, i] = np.mean(v) if v else np.nan
        im = ax.imshow(m, cmap="viridis", vmin=0, vmax=1)
        for i in range(n):
            for j in range(n):
                if np.isfinite(m[i, j]):
                    ax.text(j, i, f"{m[i, j]:.2f}", ha="center", va="center", fontsize=8,
                            color="white" if m[i, j] < 0.6 else "black")
        ax.set_xticks(range(n), cols, rotation=30)
        ax.set_yticks(range(n), cols)
        ax.set_title(label, fontsize=9)
        fig.colorbar(im, ax=ax, fraction=0.046)
    save(fig, out_dir, "transfer", figures, "Transferability between surrogates",
         "First selection round of each surrogate in each repeat (same pool, same initial set): "
         "rank correlation of the whole-pool scores and overlap of the picks, mean over repeats.")


def write_reports(summary, analysis, results, out_dir, figures):
    problems = []
    if summary.get("status") != "complete":
        problems.append(f"run status: {summary.get('status')}")
    if summary.get("missing_trials"):
        problems.append(f"{len(summary['missing_trials'])} of {summary['trials_planned']} trials missing: "
                        + ", ".join(summary["missing_trials"][:10]) + (" …" if len(summary["missing_trials"]) > 10 else ""))
    c = summary.get("counts", {})
    counts = (f"{c.get('better', 0)} of {c.get('cells', 0)} cells above random; {c.get('significant', 0)} at "
              f"p < 0.05, {c.get('holm', 0)} after Holm; worse at p < 0.05: {c.get('significant_worse', 0)}; "
              "sign test p = " + (f"{c['sign_test_p']:.3g}" if c.get("sign_test_p") is not None else "-"))
    title = f"alchain report: {summary['pipeline']}"
    with open(os.path.join(out_dir, "report.html"), "w", encoding="utf-8") as h:
        h.write("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{html.escape(title)}</title>\n<style>body{{font-family:sans-serif;max-width:1100px;"
                "margin:2em auto;padding:0 1em;color:#222}}figure{{margin:2em 0}}img{{max-width:100%}}"
                "figcaption{{color:#555;font-size:0.9em}}.warn{{background:#fff3cd;padding:0.6em}}</style>"
                "</head><body>\n")
        h.write(f"<h1>{html.escape(title)}</h1>\n<p>{html.escape(os.path.basename(results))}: "
                f"{summary['plan_kind']}, {summary['repeats']} repeats, {summary['trials_done']} of "
                f"{summary['trials_planned']} trials.</p>\n")
        for p in problems:
            h.write(f"<p class=\"warn\">{html.escape(p)}; what is complete is drawn.</p>\n")
        h.write(f"<p>{html.escape(counts)}</p>\n")
        for fig in figures:
            h.write(f"<figure><h2>{html.escape(fig['title'])}</h2><img src=\"{fig['name']}.svg\" "
                    f"alt=\"{html.escape(fig['title'])}\"><figcaption>{html.escape(fig['caption'])} "
                    f"(<a href=\"{fig['name']}.png\">PNG</a>)</figcaption></figure>\n")
        h.write("</body></html>\n")
    with open(os.path.join(out_dir, "report.md"), "w", encoding="utf-8") as m:
        m.write(f"# {title}\n\n{os.path.basename(results)}: {summary['plan_kind']}, {summary['repeats']} repeats, "
                f"{summary['trials_done']} of {summary['trials_planned']} trials.\n\n")
        for p in problems:
            m.write(f"> {p}; what is complete is drawn.\n\n")
        m.write(counts + "\n\n")
        for fig in figures:
            m.write(f"## {fig['title']}\n\n![{fig['title']}]({fig['name']}.png)\n\n{fig['caption']}\n\n")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    results, out_dir = sys.argv[1], sys.argv[2]
    with open(os.path.join(out_dir, "summary.json"), encoding="utf-8") as f:
        summary = json.load(f)
    with open(os.path.join(out_dir, "analysis.json"), encoding="utf-8") as f:
        analysis = json.load(f)
    figures = []
    if summary["plan_kind"] == "matrix":
        matrix_heatmap(summary, out_dir, figures)
    learning_curves(results, summary, out_dir, figures)
    spread_histograms(analysis, out_dir, figures)
    transfer_heatmaps(analysis, out_dir, figures)
    write_reports(summary, analysis, results, out_dir, figures)
    print(os.path.join(out_dir, "report.html"))


if __name__ == "__main__":
    main()
