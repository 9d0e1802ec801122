#!/usr/bin/env bash
# Installs, builds, and runs the quickstart chain on Fashion-MNIST (a few minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh alchain_runtime
out="results/quickstart-$(date +%Y%m%d-%H%M%S).h5"
./build/alchain run pipelines/quickstart.toml -o "$out"
echo
echo "Read the results with h5py:  /usr/bin/python3 tools/read_results.py $out"
