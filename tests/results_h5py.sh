#!/usr/bin/env bash
# Runs a small chain with the real CLI and reads its HDF5 file back with h5py, as a user would;
# then checks that the reader's --check catches a broken copy.
set -euo pipefail
alchain=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
"$alchain" run "$src/tests/pipelines/small_chain.toml" -o "$work/small.h5" -q | tee "$work/table.txt"
grep -q "gen1" "$work/table.txt"
grep -q "difference to random" "$work/table.txt"
test ! -e "$work/small.h5.trials"   # the shards are removed once the file is complete
/usr/bin/python3 "$src/tools/read_results.py" "$work/small.h5" --check

# alchain summary reads the same file: 2 generations x (chain, random).
"$alchain" summary "$work/small.h5" --format csv > "$work/summary.csv"
head -n 1 "$work/summary.csv" | grep -q "^row,column,n,mean,sd,"
test "$(grep -c '^gen[01],' "$work/summary.csv")" -eq 4

# A copy missing one planned trial must fail the check.
cp "$work/small.h5" "$work/broken.h5"
/usr/bin/python3 -c 'import sys, h5py
with h5py.File(sys.argv[1], "a") as f:
    del f["trials"][f.attrs["trial_ids"][-1]]' "$work/broken.h5"
if /usr/bin/python3 "$src/tools/read_results.py" "$work/broken.h5" --check > "$work/broken.txt" 2>&1; then
  echo "read_results.py --check passed a file with a missing trial" >&2
  exit 1
fi
grep -q "planned in trial_ids but missing" "$work/broken.txt"
