#!/usr/bin/env bash
# The layer check passes on the tree, and fails, naming the file and the rule, on copies of the
# tree with a deliberately added upward include, a private include of another folder, a plugin
# that includes another plugin's file, and a function over 80 lines.
#   tests/layer_check.sh SOURCE_DIR WORK_DIR
set -euo pipefail
src=$1
work=$2
check="/usr/bin/python3 $src/scripts/check_layers.py"

$check "$src"

rm -rf "$work" && mkdir -p "$work"
copy() {  # a fresh copy of the parts the check reads
  rm -rf "$work/tree" && mkdir -p "$work/tree"
  cp -r "$src/core" "$src/plugins" "$src/scripts" "$work/tree/"
}
expect_failure() {  # what: the message part that must be printed for FILE
  local what=$1 file=$2
  if out=$($check "$work/tree" 2>&1); then
    echo "FAIL: the check passed with $what in $file"; exit 1
  fi
  echo "$out" | grep -F "$file" | grep -qF "$what" || { echo "FAIL: expected '$what' for $file, got:"; echo "$out"; exit 1; }
  echo "ok: $what ($file)"
}

copy  # util is the bottom layer: including the engine is upward
sed -i '0,/^#include "alchain\/util\/digest.hpp"/s||#include "alchain/util/digest.hpp"\n#include "alchain/engine/experiment.hpp"|' \
  "$work/tree/core/src/util/digest.cpp"
expect_failure "upward include: layer 'util' includes \"alchain/engine/experiment.hpp\" of layer 'engine'" core/src/util/digest.cpp

copy
echo '#include "../results/h5_util.hpp"' >> "$work/tree/core/src/engine/executor.cpp"
expect_failure 'private include of another folder: "../results/h5_util.hpp"' core/src/engine/executor.cpp

copy
echo '#include "../entropy/entropy.hpp"' >> "$work/tree/plugins/policies/margin/margin_plugin.cpp"
expect_failure "another plugin's private file" plugins/policies/margin/margin_plugin.cpp

copy
{ echo "int too_long() {"; for i in $(seq 1 85); do echo "  int x$i = $i;"; done; echo "  return 0;"; echo "}"; } \
  >> "$work/tree/core/src/stats/rank.cpp"
expect_failure "function 'too_long' is 88 lines" core/src/stats/rank.cpp

echo "layer_check: the check passes on the tree and fails on each defect"
