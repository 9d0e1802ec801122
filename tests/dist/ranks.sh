#!/usr/bin/env bash
# The communicator over real ranks (c10d's ProcessGroupGloo on loopback): world sizes 1, 2, 3, 5
# and 8 started by hand with a FileStore, 2 ranks under torchrun (TCPStore), and a rank that
# dies: the others must stop with an error naming the failed collective within the timeout.
#   ranks.sh CHECK_BINARY WORK
set -euo pipefail
check=$1 work=$2
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
