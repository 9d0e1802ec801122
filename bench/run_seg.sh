#!/usr/bin/env bash
# Segmentation benchmark: alchain_bench_seg beside bench/ref_seg.py (plain PyTorch + torchvision), in
# one shell, alternating per run: reference as installed, reference tuned (the environment fixes of
# ../shared/bench/README.md), alchain (no variable set); N runs each, for each backbone. Prints every
# run's JSON, then a table of medians with alchain's ratio to the best reference configuration.
#   bash bench/run_seg.sh [--runs 3] [--threads 2] [--backbones resnet18,mobilenet_v3_small]
#                         [--size 128x256] [-- more options for both programs, e.g. --train-images 16]
# Needs python3-torch and python3-torchvision (Debian's, under /usr/bin/python3).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=3 threads=2 backbones=resnet18,mobilenet_v3_small size=128x256 extra=()
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --backbones) backbones=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "bench/run_seg.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x build/alchain_bench_seg && -f build/plugins/libalchain_model_deeplabv3plus.so ]] || bash scripts/build.sh
/usr/bin/python3 -c 'import torchvision' 2>/dev/null ||
  { echo "bench/run_seg.sh: /usr/bin/python3 has no torchvision (apt-get install python3-torchvision)" >&2; exit 1; }

# The reference's tuned environment: ../shared/bench/README.md.
tuned=(MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=1000000000 OPENBLAS_NUM_THREADS=1)
grep -qw avx512f /proc/cpuinfo && tuned+=(OPENBLAS_CORETYPE=SkylakeX)
out=$(mktemp -d)
run() {  # run <file> <label> <command...>: one JSON line appended to <file>, stderr kept in $out/log
  local file=$1 label=$2
  shift 2
  echo "[$label] $*" >>"$out/log"
  if ! "$@" 2>>"$out/log" | tee -a "$file"; then
    echo "bench/run_seg.sh: $label failed; its output:" >&2
    tail -n 20 "$out/log" >&2
    exit 1
  fi
}
common=(--threads "$threads" --size "$size" "${extra[@]}")
IFS=, read -r -a list <<<"$backbones"
for b in "${list[@]}"; do
  for ((i = 1; i <= runs; i++)); do
    echo "$b run $i/$runs: reference as installed" >&2
    run "$out/$b.installed.jsonl" "$b reference as installed" /usr/bin/python3 bench/ref_seg.py --backbone "$b" "${common[@]}"
    echo "$b run $i/$runs: reference tuned" >&2
    run "$out/$b.tuned.jsonl" "$b reference tuned" env "${tuned[@]}" /usr/bin/python3 bench/ref_seg.py --backbone "$b" "${common[@]}"
    echo "$b run $i/$runs: alchain" >&2
    run "$out/$b.alchain.jsonl" "$b alchain" ./build/alchain_bench_seg --backbone "$b" "${common[@]}"
  done
done
/usr/bin/python3 - "$out" "$backbones" "${tuned[*]}" <<'PY'
import json, os, statistics, sys
d, backbones, tuned = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
load = lambda f: [json.loads(l) for l in open(os.path.join(d, f)) if l.strip()]
goals = {"train_img_per_s": 1.1, "score_img_per_s": 1.2}
for b in backbones:
    cfg = {"as installed": load(f"{b}.installed.jsonl"), "tuned": load(f"{b}.tuned.jsonl")}
    al = load(f"{b}.alchain.jsonl")
    med = lambda rows, k: statistics.median(r[k] for r in rows)
    a0 = al[0]
    print(f"\n{b} at {a0['size']}, {a0['threads']} threads, train {a0['train_images']} images (batch {a0['batch_train']}), "
          f"score {a0['score_images']} (batch {a0['batch_score']}); median of {len(al)}")
    print(f"{'':14} {'ref installed':>14} {'ref tuned':>14} {'alchain':>14} {'vs best ref':>12} {'goal':>6}")
    for key, label in [("train_img_per_s", "train img/s"), ("score_img_per_s", "score img/s")]:
        r = {c: med(rows, key) for c, rows in cfg.items()}
        best = max(r, key=r.get)
        a = med(al, key)
        ratio = a / r[best]
        ok = "met" if ratio >= goals[key] else "not met"
        print(f"{label:14} {r['as installed']:14.3f} {r['tuned']:14.3f} {a:14.3f} {ratio:10.2f}x  {goals[key]}x {ok}"
              f"  (best reference: {best})")
    ref0 = cfg["as installed"][0]
    same = "same" if (ref0["params"], ref0["macs_per_img"]) == (a0["params"], a0["macs_per_img"]) else "DIFFERENT"
    print(f"params {a0['params']} / {ref0['params']}, MACs per image {a0['macs_per_img']:.4g} / {ref0['macs_per_img']:.4g}"
          f" (alchain / reference: {same}); train loss {med(al, 'train_loss'):.4f} / {med(cfg['tuned'], 'train_loss'):.4f}")
print(f"\nreference as installed: environment {cfg['as installed'][0]['env_vars']}, {cfg['as installed'][0]['tuning']}")
print(f"reference tuned: + {tuned}, {cfg['tuned'][0]['tuning']}")
print(f"alchain: {al[0]['tuning']}")
PY
rm -rf "$out"
