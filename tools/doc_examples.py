#!/usr/bin/python3
"""Keeps the docs' example outputs true: every fenced block that follows a marker

    <!-- example (in DIR): alchain ARGS... -->

in README.md or docs/*.md must equal what the built binary prints (stdout and stderr, in that
order) for `alchain ARGS`, run in DIR (relative to the repository; `(in DIR)` is optional).

    tools/doc_examples.py --alchain build/alchain            # check; exit 1 naming each stale block
    tools/doc_examples.py --alchain build/alchain --update   # rewrite the blocks from the binary
"""
import argparse
import glob
import os
import re
import shlex
import subprocess
import sys

MARKER = re.compile(r"^<!-- example(?: \(in ([^)]*)\))?: alchain (.*?) -->\s*$")


def run(alchain, root, cwd, args):
    proc = subprocess.run([alchain] + shlex.split(args), cwd=os.path.join(root, cwd or "."),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300,
                          env=dict(os.environ, NO_COLOR="1"))
    return (proc.stdout + proc.stderr).rstrip("\n").split("\n")


def examples(lines):
    """(marker line index, cwd, args, first line of the block's body, index of its closing fence)."""
    for i, line in enumerate(lines):
        m = MARKER.match(line)
        if not m:
            continue
        j = i + 1
        if j >= len(lines) or not lines[j].startswith("```"):
            raise SystemExit(f"line {i + 1}: an example marker must be followed by a fenced block")
        end = j + 1
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        yield i, m.group(1), m.group(2), j + 1, end


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--alchain", required=True, help="the alchain binary to run")
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    ap.add_argument("--update", action="store_true", help="rewrite stale blocks instead of failing")
    a = ap.parse_args()
    root = os.path.abspath(a.root)
    alchain = os.path.abspath(a.alchain)
    files = [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "docs", "*.md")))
    stale, checked = [], 0
    for path in files:
        with open(path) as f:
            lines = f.read().split("\n")
        changed = False
        for marker, cwd, args, body, end in reversed(list(examples(lines))):
            checked += 1
            got = run(alchain, root, cwd, args)
            if lines[body:end] != got:
                stale.append(f"{os.path.relpath(path, root)}:{marker + 1}: the output of 'alchain {args}' differs "
                             "from the block below it")
                if a.update:
                    lines[body:end] = got
                    changed = True
        if changed:
            with open(path, "w") as f:
                f.write("\n".join(lines))
    for s in stale:
        print(s)
    if stale and not a.update:
        print(f"doc_examples: {len(stale)} of {checked} example blocks are stale; regenerate them with "
              f"tools/doc_examples.py --alchain {a.alchain} --update", file=sys.stderr)
        return 1
    print(f"doc_examples: {checked} example blocks checked" + (f", {len(stale)} rewritten" if a.update else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
