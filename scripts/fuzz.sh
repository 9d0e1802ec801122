#!/usr/bin/env bash
# Builds the libFuzzer targets (build-fuzz/, clang, ASan+UBSan) and runs one or all of them on a copy of their seed corpus.
#
#   bash scripts/fuzz.sh TARGET SECONDS [--runs N] [-- LIBFUZZER_ARGS...]
#   bash scripts/fuzz.sh all SECONDS [--runs N]
#
# TARGET: fuzz_pipeline, fuzz_idx, fuzz_image, fuzz_results, fuzz_descriptor (the fuzz_ prefix may
# be left out). Each run starts from a temporary copy of tests/fuzz/corpus/TARGET (the repo's corpus
# never grows) and stops after SECONDS, or after N executions with --runs N (SECONDS then bounds it
# too). Prints the executions and exec/s; exits non-zero on a crash, leak, timeout or out-of-memory
# and prints the reproducer's path (rerun it with: build-fuzz/TARGET REPRODUCER).
# Environment: ALCHAIN_FUZZ_BUILD (default build-fuzz), ALCHAIN_FUZZ_JOBS (build -j, default 2),
# ALCHAIN_FUZZ_KEEP=1 keeps the temporary directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ALCHAIN_FUZZ_BUILD:-$root/build-fuzz}"
all_targets=(fuzz_pipeline fuzz_idx fuzz_image fuzz_results fuzz_descriptor)

usage() { sed -n '4,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[[ $# -ge 2 ]] || usage
target="$1" seconds="$2"
shift 2
runs=""
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "fuzz.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2; }
[[ -z "$runs" || "$runs" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: --runs needs a whole number, got '$runs'" >&2; exit 2; }

if [[ "$target" == all ]]; then
  targets=("${all_targets[@]}")
else
  [[ "$target" == fuzz_* ]] || target="fuzz_$target"
  [[ " ${all_targets[*]} " == *" $target "* ]] || { echo "fuzz.sh: unknown target '$target' (${all_targets[*]})" >&2; exit 2; }
  targets=("$target")
fi

command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }
if [[ ! -f "$build/build.ninja" ]]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DALCHAIN_FUZZ=ON >/dev/null
fi
cmake --build "$build" -j "${ALCHAIN_FUZZ_JOBS:-2}" --target "${targets[@]}"

status=0
for t in "${targets[@]}"; do
  work="$(mktemp -d "${TMPDIR:-/tmp}/alchain-$t-XXXXXX")"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -r "$root/tests/fuzz/corpus/$t/." "$work/corpus/"
  args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
        -artifact_prefix="$work/artifacts/")
  [[ -n "$runs" ]] && args+=(-runs="$runs")
  # OpenCV keeps allocations alive across calls (its codec and buffer caches), so every input would
  # trigger libFuzzer's full leak scan (10x slower); LeakSanitizer still checks once at exit.
  [[ "$t" == fuzz_image ]] && args+=(-detect_leaks=0)
  [[ -f "$root/tests/fuzz/$t.dict" ]] && args+=(-dict="$root/tests/fuzz/$t.dict")
  echo "== $t: ${runs:+$runs runs, at most }${seconds} s, corpus copy in $work/corpus"
  set +e
  (cd "$work" && "$build/$t" "${args[@]}" "${extra[@]}" "$work/corpus") >"$work/log" 2>&1
  rc=$?
  set -e
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | tail -1 | grep -o '[0-9]*$' || true)"
  rate="$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$work/log" | tail -1 | grep -o '[0-9]*$' || true)"
  echo "   executions: ${execs:-?}  exec/s: ${rate:-?}  exit: $rc"
  if [[ $rc -ne 0 ]]; then
    status=1
    grep -E "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|SUMMARY|deadly signal|Test unit written" "$work/log" | head -20 || true
    for a in "$work"/artifacts/*; do [[ -e "$a" ]] && echo "   reproducer: $a  (run: $build/$t $a)"; done
    echo "   full log: $work/log"
  elif [[ "${ALCHAIN_FUZZ_KEEP:-0}" != 1 ]]; then
    rm -rf "$work"
  fi
done
exit $status
