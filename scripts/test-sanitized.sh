#!/usr/bin/env bash
# Builds alchain with AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/ and runs the tests there.
#   bash scripts/test-sanitized.sh            # build and run the suite less the repeats below (what CI runs)
#   bash scripts/test-sanitized.sh --full     # every test case
#   bash scripts/test-sanitized.sh -tc="*resume*"   # other arguments go to alchain_tests
#
# The SDK-out-of-tree, h5py and ABI-hash tests are not repeated: they exercise the build system and
# the file format, which the sanitizers do not see. CI leaves out six more cases (about 340 s of
# the 1200 s the full suite took sanitized on 2026-12-04): each runs again, end to end, code that
# other cases already run under the sanitizers (every policy, resume after a kill, the worker
# protocol, the trainer), or is mostly Python (the report's figures); `--full` runs them too. Signals raised on purpose by the crash fixtures must
# kill their process as they do unsanitized, so ASan leaves SIGSEGV/SIGBUS/SIGFPE alone; an
# invalid access is still reported by ASan's own checks before it can fault.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh >/dev/null
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O1 \
      -DALCHAIN_SANITIZE=address,undefined \
      -DALCHAIN_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j "${ALCHAIN_JOBS:-2}"
export ASAN_OPTIONS="handle_segv=0:handle_sigbus=0:handle_sigfpe=0:detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=0:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# The probe cache of the normal build must not vouch for the sanitized build's plugins.
export ALCHAIN_PLUGIN_CACHE="$PWD/build-asan/plugin-probe.txt"
cd build-asan
repeats=(
  "every policy's two-generation pipeline*"                 # each policy plugin runs sanitized in test_policies' conformance and agreement cases
  "alchain report draws every figure*"                      # mostly matplotlib; summary and the corpus read result files sanitized
  "alchain run --resume after SIGKILL at several points*"   # resume: "a run killed with SIGKILL from outside" and the fault cases
  "training: min_steps raises the epochs*"                  # the trainer runs in every end-to-end case
  "the same seed and threads give the same picks*"          # determinism, not memory safety
  "--jobs 2 with 2 threads gives the same results*"         # the worker protocol: "Ctrl-C with --jobs 2"
  # TorchScript loading (torch::jit::load) has not been run sanitized yet: not in CI until it has
  # been (bash scripts/test-sanitized.sh -tc="*weights*,torchvision*,a backbone export*").
  "torchvision's forward and alchain's agree*"
  "weights that do not fit are refused*"
  "a backbone export loads into DeepLabv3+*"
  "a pipeline's weights*"
)
if [[ "${1:-}" == --full ]]; then
  ./alchain_tests
elif (($# > 0)); then
  ./alchain_tests "$@"
else
  exclude="$(IFS=,; echo "${repeats[*]}")"
  ./alchain_tests -tce="$exclude"
fi
