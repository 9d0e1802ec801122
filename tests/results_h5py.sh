#!/usr/bin/env bash
# Runs a small chain with the real CLI and reads its HDF5 file back with h5py, as a user would.
set -euo pipefail
alchain=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
"$alchain" run "$src/tests/pipelines/small_chain.toml" -o "$work/small.h5" -q | tee "$work/table.txt"
grep -q "gen1" "$work/table.txt"
/usr/bin/python3 "$src/tools/read_results.py" "$work/small.h5" --check
