#!/usr/bin/env bash
# Smoke test of slurm_cluster.sh: brings a throw-away cluster up and checks the sbatch
# features the test suite relies on (throttled arrays, aftercorr, kill_invalid_depend,
# sbatch --wait). Exit 0: pass; 77: skipped (not root); anything else: failure.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=slurm_cluster.sh
source "$here/slurm_cluster.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/slurm_smoke.XXXXXX")
out=$work/out
finish() {
  local rc=$?
  if ((rc != 0 && rc != 77)); then
    echo "FAILED (exit $rc); job states:" >&2
    slurm_job_states >&2 || true
    echo "work dir kept: $work" >&2
  fi
  slurm_down
  if ((rc == 0 || rc == 77)); then rm -rf "$work"; fi
}
trap finish EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
state_of() { squeue -t all -h -j "$1" -o %T; }   # a job id or an array task id J_i

rc=0
slurm_up "$work/cluster" || rc=$?
if ((rc == 2)); then echo "SKIP: the Slurm test cluster needs root"; exit 77; fi
((rc == 0)) || fail "slurm_up returned $rc"
echo "cluster up on node $ALCHAIN_SLURM_NODE after ${SECONDS} s (SLURM_CONF=$SLURM_CONF)"
mkdir -p "$out/a" "$out/b" "$out/logs"

# Array A: each task sleeps 1 s, then writes the file named by its task id (atomically,
# so the file exists only once the task is done); the content is "start end" times.
cat > "$work/a.sh" <<'EOF'
#!/bin/bash
set -eu
out=$1 i=$SLURM_ARRAY_TASK_ID
start=$(date +%s.%N)
sleep 1
echo "$start $(date +%s.%N)" > "$out/a/.$i"
mv "$out/a/.$i" "$out/a/$i"
EOF
# Array B (aftercorr on A): task i must find A's file i already there.
cat > "$work/b.sh" <<'EOF'
#!/bin/bash
set -eu
out=$1 i=$SLURM_ARRAY_TASK_ID
[[ -e $out/a/$i ]] || { echo "a/$i missing when b/$i started"; exit 1; }
echo ok > "$out/b/$i"
EOF
# Array C: task 1 fails.
cat > "$work/c.sh" <<'EOF'
#!/bin/bash
[[ $SLURM_ARRAY_TASK_ID != 1 ]] || exit 1
EOF

# (d) first, in the background: sbatch --wait polls at 2 s, 10 s, 42 s... after submission
# (its back-off grows while below MinJobAge/2), so these jobs go first to be done by 2 s.
sbatch --wait -J wait0 -o "$out/logs/wait0.out" --wrap 'exit 0' >/dev/null &
wait0=$!
sbatch --wait -J wait3 -o "$out/logs/wait3.out" --wrap 'exit 3' >/dev/null &
wait3=$!
for ((i = 0; i < 50; i++)); do      # both submitted before the arrays, so they run first
  [[ $(squeue -t all -h -n wait0,wait3 -o %i | wc -l) -ge 2 ]] && break
  sleep 0.1
done

sb() { sbatch --parsable -o "$out/logs/%x-%A_%a.out" "$@"; }
a=$(sb -J a --array=0-3%2 --cpus-per-task=1 --mem=64M --time=5 "$work/a.sh" "$out")
b=$(sb -J b --array=0-3 --cpus-per-task=1 --dependency="aftercorr:$a" "$work/b.sh" "$out")
c=$(sb -J c --array=0-1 "$work/c.sh")
d=$(sb -J d --dependency="afterok:$c" --wrap "touch '$out/d.ran'")
echo "submitted: array a=$a, array b=$b (aftercorr:$a), array c=$c, job d=$d (afterok:$c)"

echo "check (d): sbatch --wait returns the job's exit status"
rc=0
wait "$wait0" || rc=$?
((rc == 0)) || fail "sbatch --wait on 'exit 0' returned $rc"
rc=0
wait "$wait3" || rc=$?
((rc == 3)) || fail "sbatch --wait on 'exit 3' returned $rc, expected 3"
echo "  ok: 0 and 3 (after ${SECONDS} s)"

echo "check (c): job d (afterok on array c whose task 1 fails) is cancelled, not left pending"
st=
for ((i = 0; i < 60; i++)); do
  st=$(state_of "$d") || st=
  [[ $st == CANCELLED ]] && break
  sleep 0.5
done
[[ $st == CANCELLED ]] || fail "job d is '$st' (reason: $(squeue -t all -h -j "$d" -o %r || true))"
[[ ! -e $out/d.ran ]] || fail "job d ran although its dependency failed"
[[ $(state_of "${c}_1") == FAILED ]] || fail "c_1 is $(state_of "${c}_1"), expected FAILED"
echo "  ok: d is CANCELLED ($(squeue -t all -h -j "$d" -o %r)), c_1 FAILED"

slurm_wait_all 60 || fail "jobs did not finish"

echo "check (a): array a (--array=0-3%2) wrote files 0..3, at most 2 tasks at a time"
for i in 0 1 2 3; do
  [[ -s $out/a/$i ]] || fail "a/$i missing"
  [[ $(state_of "${a}_$i") == COMPLETED ]] || fail "a_$i is $(state_of "${a}_$i")"
done
# Largest number of tasks running at once, from the start/end times.
conc=$(cat "$out"/a/[0-3] | awk '{s[NR] = $1; e[NR] = $2}
  END {for (i in s) {n = 0; for (j in s) if (s[j] <= s[i] && s[i] < e[j]) n++; if (n > m) m = n}; print m}')
((conc <= 2)) || fail "$conc tasks of array a ran at once despite %2"
if (($(nproc) >= 2)); then   # CR_CPU: two 1-cpu tasks share the node
  ((conc == 2)) || fail "array a never ran 2 tasks at once on $(nproc) cpus"
fi
echo "  ok: 4 files, at most $conc tasks at once"

echo "check (b): array b (aftercorr) task i ran only after a's task i"
for i in 0 1 2 3; do
  [[ $(state_of "${b}_$i") == COMPLETED ]] || fail "b_$i is $(state_of "${b}_$i"): $(cat "$out"/logs/b-*_"$i".out 2>/dev/null || true)"
  [[ -e $out/b/$i ]] || fail "b/$i missing"
done
echo "  ok: 4 tasks COMPLETED, each saw its a file"

echo "PASS in ${SECONDS} s"
