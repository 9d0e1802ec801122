#!/usr/bin/env bash
# The communicator over real ranks (c10d's ProcessGroupGloo on loopback): world sizes 1, 2, 3, 5
# and 8 started by hand with a FileStore, 2 ranks under torchrun (TCPStore), and a rank that
# dies: the others must stop with an error naming the failed collective within the timeout.
# Then `alchain run` on ranks: tests/dist/ranks_matrix.toml on 2, 3, 5 and 8 ranks and under
# torchrun writes the result file of one process (tools/compare_results.py), and a rank killed
# mid-run stops the others, leaving the finished trials readable.
#   ranks.sh CHECK_BINARY WORK ALCHAIN SOURCE_DIR
set -euo pipefail
check=$1 work=$2 alchain=$3 src=$4
rm -rf "$work" && mkdir -p "$work"
fail() { echo "ranks.sh: FAILED: $*" >&2; exit 1; }
export ALCHAIN_DIST_TIMEOUT=60 OMP_NUM_THREADS=1

# Starts $1 ranks of `check $2` with a FileStore; the exit codes go to $work/<tag>.rc.<rank>.
start_ranks() {
  local n=$1 mode=$2 tag=$3 r
  for ((r = 0; r < n; r++)); do
    (
      rc=0
      RANK=$r WORLD_SIZE=$n LOCAL_RANK=$r ALCHAIN_DIST_STORE="$work/$tag.store" "$check" "$mode" \
        > "$work/$tag.log.$r" 2>&1 || rc=$?
      echo "$rc" > "$work/$tag.rc.$r"
    ) &
  done
  wait
}

for n in 1 2 3 5 8; do
  start_ranks "$n" all "w$n"
  for ((r = 0; r < n; r++)); do
    [[ $(cat "$work/w$n.rc.$r") == 0 ]] || fail "world size $n, rank $r: $(cat "$work/w$n.log.$r")"
  done
  echo "ranks.sh: world size $n: collectives and exact top-k on every rank ok"
done

# torchrun (Debian's python3-torch): rank 0 serves the TCPStore at MASTER_ADDR:MASTER_PORT.
# Debian's torchrun 1.13 on Python 3.11 cannot parse its default --redirects 0 (enum.IntFlag no
# longer lists the zero member): --redirects 2 --tee 2 sends each rank's stderr through it instead.
if command -v torchrun > /dev/null; then
  torchrun --no_python --standalone --nproc_per_node=2 --redirects 2 --tee 2 "$check" all > "$work/torchrun.log" 2>&1 ||
    fail "torchrun: $(tail -n 20 "$work/torchrun.log")"
  [[ $(grep -c ': ok$' "$work/torchrun.log") -eq 2 ]] || fail "torchrun: $(cat "$work/torchrun.log")"
  echo "ranks.sh: torchrun --nproc_per_node=2: ok"
else
  fail "torchrun is not installed (python3-torch: scripts/install-deps.sh)"
fi

# Rank 2 of 3 exits without a word after the first barrier: ranks 0 and 1 fail, not hang.
export ALCHAIN_DIST_TIMEOUT=20
start=$SECONDS
start_ranks 3 die die
elapsed=$((SECONDS - start))
[[ $(cat "$work/die.rc.2") == 3 ]] || fail "the dying rank: $(cat "$work/die.log.2")"
for r in 0 1; do
  [[ $(cat "$work/die.rc.$r") == 2 ]] || fail "rank $r did not fail after rank 2 died: $(cat "$work/die.log.$r")"
  grep -q "rank $r of 3 (RANK/WORLD_SIZE): barrier failed" "$work/die.log.$r" || fail "rank $r's message: $(cat "$work/die.log.$r")"
done
((elapsed <= 40)) || fail "the surviving ranks took ${elapsed} s to fail (timeout 20 s)"
echo "ranks.sh: a dead rank: the other two failed in ${elapsed} s: $(head -c 300 "$work/die.log.0")"

# --- alchain run on ranks ---------------------------------------------------------------------
export ALCHAIN_DIST_TIMEOUT=60
pipeline="$src/tests/dist/ranks_matrix.toml"
same() { /usr/bin/python3 "$src/tools/compare_results.py" "$work/one.h5" "$1" || fail "$1 differs from one process"; }
"$alchain" run "$pipeline" -o "$work/one.h5" -q > "$work/one.log" 2>&1 || fail "one process: $(cat "$work/one.log")"
# Starts $1 ranks of `alchain run PIPELINE -o $2 ...$3-`; exit codes to $work/run$1.rc.<rank>.
run_ranks() {
  local n=$1 out=$2 r
  shift 2
  for ((r = 0; r < n; r++)); do
    (
      rc=0
      RANK=$r WORLD_SIZE=$n LOCAL_RANK=$r ALCHAIN_DIST_STORE="$work/run$n.store" "$alchain" run "$pipeline" -o "$out" -q "$@" \
        > "$work/run$n.log.$r" 2>&1 || rc=$?
      echo "$rc" > "$work/run$n.rc.$r"
    ) &
  done
  wait
}
for n in 2 3 5 8; do
  rm -f "$work/run$n.store"
  run_ranks "$n" "$work/ranks$n.h5"
  for ((r = 0; r < n; r++)); do
    [[ $(cat "$work/run$n.rc.$r") == 0 ]] || fail "alchain run, $n ranks, rank $r: $(cat "$work/run$n.log.$r")"
  done
  for ((r = 1; r < n; r++)); do
    [[ ! -s "$work/run$n.log.$r" ]] || fail "rank $r of $n printed: $(cat "$work/run$n.log.$r")"
  done
  grep -q "9 trials run, 1 threads, $n ranks" "$work/run$n.log.0" || fail "rank 0's summary: $(cat "$work/run$n.log.0")"
  same "$work/ranks$n.h5"
  echo "ranks.sh: alchain run on $n ranks: the result file of one process"
done
ls "$work"/ranks2.h5* > "$work/files.txt"
[[ $(wc -l < "$work/files.txt") == 1 ]] || fail "a run on ranks left more than its result file: $(cat "$work/files.txt")"

torchrun --no_python --standalone --nproc_per_node=2 --redirects 2 --tee 2 \
  "$alchain" run "$pipeline" -o "$work/torchrun.h5" -q > "$work/torchrun_run.log" 2>&1 ||
  fail "alchain run under torchrun: $(tail -n 20 "$work/torchrun_run.log")"
same "$work/torchrun.h5"
echo "ranks.sh: alchain run under torchrun --nproc_per_node=2: the result file of one process"

# run.data_parallel_ranks = 2: every training split over the 2 ranks (the numerics are checked
# against one process by alchain_dist_check train above); refused, at its line:column, on 1 rank.
sed 's/^inference_batch_size = 256$/&\ndata_parallel_ranks = 2/' "$pipeline" > "$work/dp.toml"
grep -q '^data_parallel_ranks = 2$' "$work/dp.toml" || fail "could not make the data-parallel pipeline"
rc=0
"$alchain" run "$work/dp.toml" -o "$work/dp_one.h5" > "$work/dp_one.log" 2>&1 || rc=$?
[[ $rc == 1 ]] && grep -q "dp.toml:13:23: run.data_parallel_ranks = 2: every training is split over 2 ranks, but this run has 1" \
  "$work/dp_one.log" || fail "data_parallel_ranks = 2 in one process (rc $rc): $(cat "$work/dp_one.log")"
[[ ! -e "$work/dp_one.h5" ]] || fail "a refused data-parallel run wrote $work/dp_one.h5"
rm -f "$work/run2.store"
pipeline_saved=$pipeline pipeline="$work/dp.toml"
run_ranks 2 "$work/dp.h5"
pipeline=$pipeline_saved
for r in 0 1; do
  [[ $(cat "$work/run2.rc.$r") == 0 ]] || fail "data-parallel run, rank $r: $(cat "$work/run2.log.$r")"
done
"$alchain" summary "$work/dp.h5" > "$work/dp_summary.log" 2>&1 || fail "the data-parallel result: $(cat "$work/dp_summary.log")"
echo "ranks.sh: run.data_parallel_ranks = 2: refused on 1 rank, ran on 2"

# Bad input: --jobs with ranks, one clear error on every rank, nothing written.
rm -f "$work/run2.store"
run_ranks 2 "$work/jobs.h5" --jobs 2
for r in 0 1; do
  [[ $(cat "$work/run2.rc.$r") != 0 ]] || fail "--jobs 2 on 2 ranks was accepted"
  grep -q "leave --jobs out" "$work/run2.log.$r" || fail "--jobs on ranks, rank $r: $(cat "$work/run2.log.$r")"
done
[[ ! -e "$work/jobs.h5" ]] || fail "--jobs on ranks wrote $work/jobs.h5"

# Rank 1 of 2 killed at its 7th epoch: rank 0 fails within the timeout naming the collective,
# and the result file keeps the trials finished before, readable.
export ALCHAIN_DIST_TIMEOUT=20
rm -f "$work/run2.store"
start=$SECONDS
for r in 0 1; do
  (
    rc=0
    fault=; [[ $r == 1 ]] && fault=epoch:7
    RANK=$r WORLD_SIZE=2 ALCHAIN_DIST_STORE="$work/run2.store" ALCHAIN_FAULT=$fault \
      "$alchain" run "$pipeline" -o "$work/killed.h5" -q > "$work/killed.log.$r" 2>&1 || rc=$?
    echo "$rc" > "$work/killed.rc.$r"
  ) &
done
wait
elapsed=$((SECONDS - start))
[[ $(cat "$work/killed.rc.1") == 137 ]] || fail "rank 1 was not killed: $(cat "$work/killed.log.1")"
[[ $(cat "$work/killed.rc.0") != 0 ]] || fail "rank 0 went on without rank 1: $(cat "$work/killed.log.0")"
grep -q "rank 0 of 2" "$work/killed.log.0" || fail "rank 0's message: $(cat "$work/killed.log.0")"
((elapsed <= 40)) || fail "rank 0 took ${elapsed} s to fail (timeout 20 s)"
"$alchain" summary "$work/killed.h5" > "$work/killed_summary.log" 2>&1 ||
  fail "the killed run's file is not readable: $(cat "$work/killed_summary.log")"
grep -q "failed" "$work/killed_summary.log" || fail "the killed run's file is not marked failed: $(cat "$work/killed_summary.log")"
echo "ranks.sh: rank 1 killed: rank 0 failed in ${elapsed} s: $(grep -m1 alchain "$work/killed.log.0" | head -c 300)"
