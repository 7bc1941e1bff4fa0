#!/usr/bin/env bash
# Builds credmesh and runs the whole test suite twice: a normal build, then
# an AddressSanitizer + UndefinedBehaviorSanitizer build.
# Usage: scripts/test.sh [--no-sanitize]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
run_suite() {  # run_suite BUILD_DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 300
}

echo "== tests (RelWithDebInfo) =="
run_suite build
if [ "${1:-}" != "--no-sanitize" ]; then
  echo "== tests under ASan + UBSan =="
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan -DCREDMESH_SANITIZE=ON -DCREDMESH_BUILD_BENCH=OFF
fi
