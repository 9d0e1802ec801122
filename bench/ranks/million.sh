#!/usr/bin/env bash
# Peak memory of scoring a fleet-scale pool (issue 25, item 5): bench/ranks/million.toml (an MLP
# surrogate, entropy over 999,000 samples of the synthetic_pool plugin, top 1000) in one process
# and on 2 ranks (FileStore, 1 thread each). Prints each process's peak RSS and the round's
# score_s, and checks that the 2-rank file equals the one-process file.
#   bash bench/ranks/million.sh [BUILD_DIR] [TRAIN_SIZE]
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build} size=${2:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s/^train_size = .*/train_size = $size/" "$src/bench/ranks/million.toml" > "$work/million.toml"
run() { "$build/alchain" run "$work/million.toml" -P "$build/bench/plugins" -q "$@"; }
score_s() {
  /usr/bin/python3 -c "import h5py,sys; print(round(h5py.File(sys.argv[1],'r')['trials/chain:r0/round_0'].attrs['score_s'], 2))" "$1"
}
/usr/bin/time -f %M -o "$work/rss.one" bash -c "$(declare -f run); build='$build' work='$work' run -o '$work/one.h5'" > /dev/null
echo "1 process:  peak RSS $(($(cat "$work/rss.one") / 1024)) MiB, score_s $(score_s "$work/one.h5") (pool of $((size - 1000)))"
for r in 0 1; do
  RANK=$r WORLD_SIZE=2 ALCHAIN_DIST_STORE="$work/store" /usr/bin/time -f %M -o "$work/rss.$r" \
    "$build/alchain" run "$work/million.toml" -P "$build/bench/plugins" -q -o "$work/two.h5" > /dev/null &
done
wait
echo "2 ranks:    peak RSS rank 0 $(($(cat "$work/rss.0") / 1024)) MiB, rank 1 $(($(cat "$work/rss.1") / 1024)) MiB, score_s $(score_s "$work/two.h5")"
/usr/bin/python3 "$src/tools/compare_results.py" "$work/one.h5" "$work/two.h5"
