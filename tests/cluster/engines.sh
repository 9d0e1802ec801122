#!/usr/bin/env bash
# The shipped quick matrix run by real engines from alchain's exports, merged, and compared with
# a local run of the same plan at the same threads per trial (tools/compare_results.py: every
# non-timing dataset and attribute equal). docs/cluster.md shows the same commands. The slurm
# mode also runs one plan on two ranks with srun -n 2 (docs/cluster.md, "Ranks").
#   engines.sh reference|parallel|snakemake|slurm ALCHAIN SRC WORK
# `reference` makes the local run the others compare with (a ctest fixture).
set -euo pipefail
mode=$1 alchain=$2 src=$3 work=$4
pipeline="$src/pipelines/fmnist_surrogate_matrix_quick.toml"
threads=1  # per trial; two trials at a time on this 2-core machine
trials=$("$alchain" plan "$pipeline" --format lines | grep -c '^alchain run')
ref="$work/reference/q.h5"
export PATH="$(cd "$(dirname "$alchain")" && pwd):$PATH"  # the exports call alchain from PATH

say() { echo "engines.sh $mode: $*"; }
fail() { echo "engines.sh $mode: FAILED: $*" >&2; exit 1; }
shards() { find "$1" -maxdepth 1 -name '*.h5' 2>/dev/null | wc -l; }
compare() {
  /usr/bin/python3 "$src/tools/compare_results.py" "$ref" "$1" || fail "$1 differs from the local run $ref"
  say "$1 equals the local run (every non-timing dataset and attribute)"
}
fresh() { rm -rf "$work/$1" && mkdir -p "$work/$1" && cd "$work/$1"; }

reference() {
  fresh reference
  "$alchain" run "$pipeline" -o q.h5 --threads "$threads" --jobs 2 -q > /dev/null
  say "local run: $ref"
}

# GNU parallel, a dependency level at a time, from `plan --format lines` (as docs/cluster.md).
parallel_engine() {
  fresh parallel
  "$alchain" plan "$pipeline" -o q.h5 --threads "$threads" --format lines > trials.txt
  local levels n
  levels=$(grep -c '^# level' trials.txt)
  for n in $(seq 1 "$levels"); do
    awk -v RS= -v n="$n" 'NR == n' trials.txt | grep -v '^#' | parallel --will-cite --halt now,fail=1 -j 2 > "level$n.log"
  done
  # Run again, every trial says so and runs nothing.
  grep -v '^#' trials.txt | grep . | parallel --will-cite -j 2 > again.log
  [[ $(grep -c 'is done already' again.log) -eq $trials ]] || fail "a rerun of every trial ran some again (again.log)"
  "$alchain" merge "$pipeline" -o q.h5 | tee merge.log
  grep -q "merged $trials of $trials trials" merge.log || fail "merge.log"
  compare q.h5
}

# Snakemake: killed (SIGKILL, every process of it, as a lost node) once a few shards are there,
# then run again: it redoes only what is missing, and the result equals the local run.
snakemake_engine() {
  fresh snakemake
  "$alchain" export snakemake "$pipeline" -o q.h5 --threads "$threads" > Snakefile
  setsid snakemake --cores 2 --rerun-incomplete > first.log 2>&1 &
  local pid=$! waited=0
  trap 'kill -KILL -- "-$pid" 2> /dev/null || true' EXIT  # a failure below must not leave it running
  while (($(shards q.h5.trials) < 8)); do
    kill -0 "$pid" 2> /dev/null || fail "snakemake ended before it was killed (first.log: $(tail -n 3 first.log))"
    ((waited++ < 600)) || fail "no 8 shards in 5 min (first.log)"
    sleep 0.5
  done
  kill -KILL -- "-$pid"
  wait "$pid" 2> /dev/null || true
  trap - EXIT
  local before
  before=$(shards q.h5.trials)
  [[ ! -e q.h5 ]] || fail "q.h5 exists after the kill"
  say "killed with $before of $trials shards (and $(find q.h5.trials -name '*.tmp' | wc -l) unfinished .tmp files)"
  # A killed Snakemake leaves its directory lock: --unlock, as Snakemake's message says, then rerun.
  snakemake --unlock > unlock.log 2>&1
  snakemake --cores 2 --rerun-incomplete > second.log 2>&1 || fail "the second run failed (second.log: $(tail -n 5 second.log))"
  local ran
  ran=$(grep -c 'alchain: trial .* done in' second.log || true)
  # A job whose shard landed just before the kill is one Snakemake had not recorded: it reruns it.
  ((ran >= trials - before && ran <= trials - before + 2)) || fail "the second run ran $ran trials, not about $((trials - before))"
  say "the second run ran the $ran missing trials and merged"
  snakemake --cores 2 --rerun-incomplete > third.log 2>&1
  grep -q 'Nothing to be done' third.log || fail "a third run did something (third.log)"
  compare q.h5
}

# Slurm: a throw-away single-node cluster on this machine; the exported job arrays, chained by
# submit.sh, then the merge job. The first submission is cancelled midway (scancel: running tasks
# killed, as by a time limit or a lost node), which cancels the levels after it; submitted again,
# it runs only the missing trials and merges.
slurm_engine() {
  fresh slurm
  # shellcheck source=slurm_cluster.sh
  source "$src/tests/cluster/slurm_cluster.sh"
  local up=0
  # Outside the directory `fresh` wipes: a cluster left by a killed run is found and stopped.
  slurm_up "$work/slurm-cluster" || up=$?
  ((up != 2)) || exit 77  # not root: ctest reports the test as skipped
  ((up == 0)) || fail "the Slurm cluster did not start"
  trap slurm_down EXIT
  "$alchain" export slurm "$pipeline" -o q.h5 --threads "$threads" --dir jobs
  bash jobs/submit.sh | tee first.log
  local level0 waited=0
  level0=$(sed -n 's/^level0: job \([0-9]*\).*/\1/p' first.log)
  [[ -n $level0 ]] || fail "submit.sh gave no level0 job (first.log)"
  while (($(shards q.h5.trials) < 6)); do
    ((waited++ < 900)) || { slurm_job_states; fail "no 6 shards in 7.5 min"; }
    sleep 0.5
  done
  scancel "$level0"
  slurm_wait_all 300 || { slurm_job_states; fail "the jobs after the cancelled level did not end"; }
  local before
  before=$(shards q.h5.trials)
  [[ ! -e q.h5 ]] || fail "q.h5 exists after level 0 was cancelled"
  ((before < trials)) || fail "every trial finished before the cancel"
  say "level 0 cancelled with $before of $trials shards; level 1 and the merge were cancelled with it"
  bash jobs/submit.sh | tee second.log
  slurm_wait_all 900 || { slurm_job_states; fail "jobs still queued after 15 min"; }
  [[ -f q.h5 ]] || { slurm_job_states; tail -n 5 jobs/logs/*; fail "no q.h5 after the jobs ended"; }
  local again
  again=$(cat jobs/logs/*level*.out | grep -c 'is done already' || true)
  ((again == before)) || fail "$again tasks of the second submission found their shard, not $before"
  grep -q "merged $trials of $trials trials" jobs/logs/*merge*.out || fail "the merge job's log"
  say "the second submission ran the $((trials - before)) missing trials and merged"
  compare q.h5
  slurm_ranks
}

# srun -n 2: one run on two ranks (read_world from SLURM_PROCID/NTASKS inside the step, a
# TCPStore at MASTER_ADDR:MASTER_PORT served by rank 0) writes the one-process result file.
slurm_ranks() {
  local ranks_pipeline="$src/tests/dist/ranks_matrix.toml" port=$((29600 + RANDOM % 300))
  "$alchain" run "$ranks_pipeline" -o ranks_one.h5 -q > ranks_one.log 2>&1 || fail "one process: $(cat ranks_one.log)"
  srun -n 2 --cpus-per-task=1 --export="ALL,MASTER_ADDR=127.0.0.1,MASTER_PORT=$port,ALCHAIN_DIST_TIMEOUT=120" \
    "$alchain" run "$ranks_pipeline" -o ranks_srun.h5 -q --threads 1 > ranks_srun.log 2>&1 ||
    fail "srun -n 2 alchain run: $(tail -n 20 ranks_srun.log)"
  grep -q "9 trials run, 1 threads, 2 ranks" ranks_srun.log || fail "srun's output: $(cat ranks_srun.log)"
  /usr/bin/python3 "$src/tools/compare_results.py" ranks_one.h5 ranks_srun.h5 || fail "ranks_srun.h5 differs from one process"
  say "srun -n 2 alchain run: the result file of one process"
}

case $mode in
  reference) reference ;;
  parallel) parallel_engine ;;
  snakemake) snakemake_engine ;;
  slurm) slurm_engine ;;
  *) fail "unknown mode (reference, parallel, snakemake or slurm)" ;;
esac
