#!/usr/bin/env bash
# Installs, builds, and runs every test (ctest: unit/integration tests, SDK out of tree, h5py read-back).
set -euo pipefail
cd "$(dirname "$0")/.."
# The SDK's headers match the ABI version they claim (docs/abi.md), before anything is built.
bash scripts/check_sdk_abi.sh
bash scripts/install-deps.sh
bash scripts/build.sh
cd build && ctest --output-on-failure --timeout 1200
