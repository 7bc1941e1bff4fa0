#!/usr/bin/env bash
# Builds credmesh and runs every check, in stages (docs/testing.md):
#   1. static checks: scripts/check-format.sh (clang-format --dry-run -Werror
#      on protocol storage node tools tests bench) and scripts/check-layering.sh
#      (include direction of the libraries);
#   2. tests: RelWithDebInfo build in build/ with -DCREDMESH_WERROR=ON, then
#      scripts/check-test-counts.sh (no registered test runs zero cases), then
#      every ctest test (labels unit, e2e, slow);
#   3. ASan + UBSan: the whole suite again in build-asan/;
#   4. ThreadSanitizer: only the threaded tests (ledger, storage and sync
#      libraries, the network integration tests: verify threads, futures, the
#      ZAP thread) in build-tsan/;
#   5. fuzz: when clang++ is installed, each libFuzzer target of tests/fuzz/
#      for FUZZ_SECONDS (default 10) seconds from its seed corpus, in build-fuzz/.
# Every stage runs even if an earlier one failed (a build failure stops its
# own stage); the script fails if any stage failed and names them.
# Usage: scripts/test.sh [--no-sanitize]   (skips stages 3 to 5)
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh || exit 1

jobs=$(nproc 2>/dev/null || echo 2)
fuzz_seconds=${FUZZ_SECONDS:-10}
failed=()

configure() {  # configure BUILD_DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCREDMESH_WERROR=ON "$@" >/dev/null
}
run_suite() {  # run_suite BUILD_DIR [cmake args...]
  local dir=$1; shift
  configure "$dir" "$@" && cmake --build "$dir" -j "$jobs" &&
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 300
}
stage() {  # stage NAME COMMAND...: runs it, remembers a failure
  echo "== $1 =="
  local name=$1; shift
  "$@" || { failed+=("$name"); echo "== $name: FAILED =="; }
}

tests() {
  configure build && cmake --build build -j "$jobs" &&
    scripts/check-test-counts.sh build &&
    ctest --test-dir build --output-on-failure -j "$jobs" --timeout 300
}

tsan() {
  # TSan needs a fixed-size address space layout; on kernels with more mmap
  # randomness than it supports it aborts at start-up, so turn ASLR off here.
  local norand=()
  command -v setarch >/dev/null && norand=(setarch "$(uname -m)" -R)
  # Excluded: 'a receiver holds at most max_frames_held RECORDS frames' asserts
  # how many frames pile up while verification runs, which depends on speed;
  # under TSan's slowdown it sees fewer; 'a peer that asks and never reads'
  # waits a bounded time for another school's full sync, which TSan's
  # slowdown exceeds; 'SIGKILL in the middle of a large sync' reports libzmq's
  # internal hand-offs in the credmesh processes it spawns (not yet suppressed
  # there). All three run in the normal and ASan stages.
  configure build-tsan -DCREDMESH_TSAN=ON -DCREDMESH_BUILD_BENCH=OFF &&
    cmake --build build-tsan -j "$jobs" --target credmesh_ledger_tests credmesh_storage_tests \
      credmesh_sync_tests credmesh_integration_tests &&
    TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp "${norand[@]}" \
      ctest --test-dir build-tsan --output-on-failure -j "$jobs" --timeout 300 \
      -L 'credmesh_(ledger|storage|sync)_tests' -E 'max_frames_held|asks and never reads' &&
    TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp "${norand[@]}" \
      ctest --test-dir build-tsan --output-on-failure -j "$jobs" --timeout 300 \
      -L credmesh_integration_tests -R '^network: ' -E 'SIGKILL in the middle'
}

fuzz() {
  local targets=(record record_file wire reconcile catalog)
  CXX=clang++ configure build-fuzz -DCREDMESH_FUZZ=ON -DCREDMESH_BUILD_BENCH=OFF &&
    cmake --build build-fuzz -j "$jobs" --target "${targets[@]/#/fuzz_}" || return 1
  local work rc=0 t pids=() root=$PWD
  work=$(mktemp -d)
  for t in "${targets[@]}"; do
    mkdir -p "$work/$t"
    # New inputs go to the scratch dir; the committed corpus stays as it is.
    (cd "$work/$t" && "$root/build-fuzz/tests/fuzz/fuzz_$t" -max_total_time="$fuzz_seconds" \
      -timeout=10 -rss_limit_mb=2048 "$work/$t" "$root/tests/fuzz/corpus/$t" \
      >"$work/$t.log" 2>&1) &
    pids+=($!)
    if [ ${#pids[@]} -ge "$jobs" ]; then wait "${pids[0]}" || rc=1; pids=("${pids[@]:1}"); fi
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  for t in "${targets[@]}"; do
    if grep -qE 'ERROR: |SUMMARY: |deadly signal' "$work/$t.log"; then
      echo "fuzz_$t found a problem; its input is in $work/$t:"; tail -40 "$work/$t.log"; rc=1
    else
      echo "fuzz_$t: $(grep -oE '#[0-9]+[[:space:]]+DONE.*' "$work/$t.log" | tail -1)"
    fi
  done
  [ $rc -eq 0 ] && rm -rf "$work"
  return $rc
}

stage "format" scripts/check-format.sh
stage "layering" scripts/check-layering.sh
stage "tests (RelWithDebInfo)" tests
if [ "${1:-}" != "--no-sanitize" ]; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    stage "tests under ASan + UBSan" run_suite build-asan -DCREDMESH_SANITIZE=ON -DCREDMESH_BUILD_BENCH=OFF
  stage "threaded tests under TSan" tsan
  if command -v clang++ >/dev/null; then
    stage "fuzz (${fuzz_seconds}s per target)" fuzz
  else
    echo "== fuzz: skipped (no clang++) =="
  fi
fi

if [ ${#failed[@]} -gt 0 ]; then
  printf 'test.sh: FAILED stage: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "test.sh: all stages passed"
