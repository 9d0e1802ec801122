#!/usr/bin/env bash
# Configures and builds alchain (Release, Ninja, ccache) into build/.
#   bash scripts/build.sh                   # everything: CLI, plugins, tests, benchmarks
#   bash scripts/build.sh alchain_runtime   # only what `alchain run` needs (the quick start)
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build ${1:+--target "$@"}
