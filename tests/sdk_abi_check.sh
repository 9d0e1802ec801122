#!/usr/bin/env bash
# The SDK/ABI check fails on a header change without a version bump, and passes once bumped and recorded.
set -euo pipefail
src="$1"
work="$2"
rm -rf "$work" && mkdir -p "$work/scripts"
cp -r "$src/sdk" "$work/sdk"
cp "$src/scripts/check_sdk_abi.sh" "$work/scripts/"
check() { bash "$work/scripts/check_sdk_abi.sh" "$@" "$work"; }
check > /dev/null
echo "/// a new comment" >> "$work/sdk/include/alchain/sdk/policy.hpp"
if out=$(check 2>&1); then echo "FAIL: a changed header passed the check"; exit 1; fi
grep -q "sdk/include changed but the ABI version is still" <<< "$out" || { echo "FAIL: message: $out"; exit 1; }
if check --record > /dev/null 2>&1; then echo "FAIL: --record overwrote a released version's hash"; exit 1; fi
minor=$(sed -n 's/^#define ALCHAIN_ABI_MINOR \([0-9]*\).*/\1/p' "$work/sdk/include/alchain/sdk/abi.h")
sed -i "s/^#define ALCHAIN_ABI_MINOR $minor/#define ALCHAIN_ABI_MINOR $((minor + 1))/" "$work/sdk/include/alchain/sdk/abi.h"
if out=$(check 2>&1); then echo "FAIL: an unrecorded version passed"; exit 1; fi
grep -q "has no recorded hash" <<< "$out" || { echo "FAIL: message: $out"; exit 1; }
check --record > /dev/null
check > /dev/null
echo "sdk_abi_check: ok"
