#!/usr/bin/env bash
# Installs the SDK, builds sdk/examples/energy_policy against it out of tree, and runs it in a pipeline.
set -euo pipefail
src=$1 build=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
cmake -S "$src/sdk/examples/energy_policy" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/configure.log"
cmake --build "$work/build" > "$work/build.log"
plugin_dir=$(dirname "$(find "$work/build" -name 'libalchain_policy_energy.so' | head -n 1)")
"$work/prefix/bin/alchain" plugins -P "$plugin_dir" | tee "$work/plugins.txt"
grep -q "policy   energy" "$work/plugins.txt"
# The installed alchain finds its own plugins in <prefix>/lib/alchain/plugins.
grep -q "$work/prefix/lib/alchain/plugins/libalchain_model_mlp.so" "$work/plugins.txt"
"$work/prefix/bin/alchain" run -P "$plugin_dir" "$src/sdk/examples/energy_policy/energy_chain.toml" \
  -o "$work/energy.h5" -q | tee "$work/run.txt"
grep -q "energy" "$work/run.txt"
test -s "$work/energy.h5"
echo "sdk_out_of_tree: ok"
