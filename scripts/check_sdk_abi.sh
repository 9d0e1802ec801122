#!/usr/bin/env bash
# Fails when the SDK's public headers changed without an ABI version change (docs/abi.md).
#
#   bash scripts/check_sdk_abi.sh [ROOT]            check ROOT (default: this repository)
#   bash scripts/check_sdk_abi.sh --record [ROOT]   record the hash of a new ABI version
#
# sdk/abi-hashes.txt holds one line per released ABI version: "<major>.<minor> <sha256>", the
# hash of every file under sdk/include (sorted paths and contents). A version's hash never
# changes: editing a header means bumping ALCHAIN_ABI_MINOR (append-only changes, a new kind)
# or ALCHAIN_ABI_MAJOR (anything else) in sdk/include/alchain/sdk/abi.h, then --record.
set -euo pipefail
record=0
if [[ "${1:-}" == "--record" ]]; then record=1; shift; fi
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
abi_h="$root/sdk/include/alchain/sdk/abi.h"
table="$root/sdk/abi-hashes.txt"
major=$(sed -n 's/^#define ALCHAIN_ABI_MAJOR \([0-9]*\).*/\1/p' "$abi_h")
minor=$(sed -n 's/^#define ALCHAIN_ABI_MINOR \([0-9]*\).*/\1/p' "$abi_h")
[[ -n "$major" && -n "$minor" ]] || { echo "check_sdk_abi: cannot read the ABI version from $abi_h" >&2; exit 2; }
version="$major.$minor"
hash=$(cd "$root/sdk/include" && find . -type f -print0 | LC_ALL=C sort -z |
       while IFS= read -r -d '' f; do printf '%s\n' "$f"; sha256sum < "$f"; done | sha256sum | cut -d' ' -f1)
recorded=$(awk -v v="$version" '$1 == v { print $2 }' "$table" 2>/dev/null || true)
if [[ $record == 1 ]]; then
  if [[ -n "$recorded" && "$recorded" != "$hash" ]]; then
    echo "check_sdk_abi: ABI $version is already recorded with another hash; a released version never changes." >&2
    echo "  Bump ALCHAIN_ABI_MINOR (append-only) or ALCHAIN_ABI_MAJOR in $abi_h, then --record." >&2
    exit 1
  fi
  [[ -n "$recorded" ]] || echo "$version $hash" >> "$table"
  echo "ABI $version: $hash"
  exit 0
fi
if [[ -z "$recorded" ]]; then
  echo "check_sdk_abi: ABI $version has no recorded hash in $table." >&2
  echo "  If this is a new version, record it: bash scripts/check_sdk_abi.sh --record" >&2
  exit 1
fi
if [[ "$recorded" != "$hash" ]]; then
  echo "check_sdk_abi: sdk/include changed but the ABI version is still $version (recorded $recorded, now $hash)." >&2
  echo "  Bump ALCHAIN_ABI_MINOR for an append-only change (a descriptor field, a new plugin kind)," >&2
  echo "  or ALCHAIN_ABI_MAJOR for anything else, in $abi_h; then: bash scripts/check_sdk_abi.sh --record" >&2
  exit 1
fi
echo "sdk/include matches ABI $version"
