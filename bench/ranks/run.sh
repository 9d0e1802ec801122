#!/usr/bin/env bash
# Pool scoring throughput on ranks against threads, on this machine (issue 25's benchmark):
# 1 rank x 1 thread, 1 rank x 2 threads, 2 ranks x 1 thread (torchrun), alternating, REPS times.
# Prints the score_s of the selection round and images per second; training is not split.
#   bash bench/ranks/run.sh [BUILD_DIR] [REPS] [PIPELINE]
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build} reps=${2:-2} pipeline=${3:-$src/bench/ranks/scoring.toml}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
score_s() {
  /usr/bin/python3 - "$1" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    found = []
    def visit(name, obj):
        if "score_s" in obj.attrs: found.append(float(obj.attrs["score_s"]))
    f.visititems(visit)
    print(sum(found))
PY
}
pool=$("$build/alchain" data "$pipeline" 2>/dev/null | awk '$1 == "train" { print $2; exit }')
echo "config, rep, score_s, img/s (pool after the initial set: $((pool - 100)))"
for ((i = 1; i <= reps; i++)); do
  for config in "1x1" "1x2" "2x1"; do
    out="$work/$config.$i.h5"
    case $config in
      1x1) "$build/alchain" run "$pipeline" -o "$out" -q --threads 1 > /dev/null ;;
      1x2) "$build/alchain" run "$pipeline" -o "$out" -q --threads 2 > /dev/null ;;
      2x1) torchrun --no_python --standalone --nproc_per_node=2 --redirects 2 --tee 2 \
             "$build/alchain" run "$pipeline" -o "$out" -q --threads 1 > /dev/null 2>&1 ;;
    esac
    s=$(score_s "$out")
    echo "$config, $i, $s, $(/usr/bin/python3 -c "print(round(($pool - 100) / $s))")"
  done
done
