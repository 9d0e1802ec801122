#!/usr/bin/env bash
# Installs, builds, and runs every test (ctest: unit/integration tests, SDK out of tree, h5py read-back).
set -euo pipefail
cd "$(dirname "$0")/.."
# The SDK's headers match the ABI version they claim (docs/abi.md), before anything is built.
bash scripts/check_sdk_abi.sh
bash scripts/install-deps.sh --engines  # the tests drive real Slurm, Snakemake and GNU parallel
# The folder tree follows core/LAYERS (docs/architecture.md), before anything is built (ctest
# runs it again with its own failure cases: tests/layer_check.sh).
/usr/bin/python3 scripts/check_layers.py
bash scripts/build.sh
cd build && ctest --output-on-failure --timeout 1200
