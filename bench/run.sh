#!/usr/bin/env bash
# Runs alchain's benchmark and the Python/PyTorch reference side by side, in one go, same threads,
# alternating, N times each; prints every run's JSON and a table of medians with the ratios.
#   bash bench/run.sh [--runs 3] [--threads 2] [--model resnet20]
# Needs the reference's packages: bash scripts/install-deps.sh (PyTorch for Python included)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=3 threads=2 model=resnet20
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
ref=bench/ref_pytorch.py
[[ -f $ref ]] || { echo "bench/run.sh: $ref not found" >&2; exit 1; }
[[ -x build/alchain_bench ]] || bash scripts/build.sh
out=$(mktemp -d)
for ((i = 1; i <= runs; i++)); do
  echo "run $i/$runs: reference" >&2
  /usr/bin/python3 "$ref" --model "$model" --threads "$threads" --no-test 2>/dev/null | tee -a "$out/ref.jsonl"
  echo "run $i/$runs: alchain" >&2
  ./build/alchain_bench --model "$model" --threads "$threads" 2>/dev/null | tee -a "$out/alchain.jsonl"
done
/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
d = sys.argv[1]
ref = [json.loads(l) for l in open(f"{d}/ref.jsonl")]
al = [json.loads(l) for l in open(f"{d}/alchain.jsonl")]
med = lambda rows, k: statistics.median(r[k] for r in rows)
print(f"\n{'median of ' + str(len(al)):24} {'reference':>12} {'alchain':>12} {'ratio':>8}")
for key, label, better in [("train_img_per_s", "train img/s", "higher"), ("score_img_per_s", "score img/s", "higher"),
                           ("coreset_s", "core-set s", "lower")]:
    r, a = med(ref, key), med(al, key)
    ratio = a / r if better == "higher" else r / a
    print(f"{label:24} {r:12.3f} {a:12.3f} {ratio:7.2f}x")
print(f"{'train with llal head':24} {'':>12} {med(al, 'train_llal_img_per_s'):12.1f}  (overhead {100 * med(al, 'llal_overhead'):.0f}%)")
print(f"reference environment: {ref[0]['env']}, alchain tuning: {al[0]['tuning']}")
PY
