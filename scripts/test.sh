#!/usr/bin/env bash
# Builds credmesh and runs every check, in stages (docs/testing.md):
#   1. static checks: scripts/check-format.sh (clang-format --dry-run -Werror
#      on protocol storage node tools tests bench) and scripts/check-layering.sh
#      (include direction of the libraries);
#   2. tests: RelWithDebInfo build in build/ with -DCREDMESH_WERROR=ON, then
#      scripts/check-test-counts.sh (no registered test runs zero cases), then
#      every ctest test (labels unit, e2e, slow);
#   3. ASan + UBSan: the whole suite again in build-asan/ (-O1 -g1);
#   4. ThreadSanitizer: only the threaded tests (ledger, storage and sync
#      libraries, the network integration tests: verify threads, futures, the
#      ZAP thread) in build-tsan/ (-O2 -g1);
#   5. fuzz: when clang++ is installed, each libFuzzer target of tests/fuzz/
#      for FUZZ_SECONDS (default 10) seconds from its seed corpus, in
#      build-fuzz/ (-O1 -g1).
# After each stage it prints the stage's wall and CPU time.
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
# Sanitizer and fuzz trees: line tables only (-g1: reports still name file
# and line), and -O1 for ASan+UBSan and the fuzzers. One batch of tools/ took
# 111 s CPU with ASan+UBSan at -O2 -g, 49 s at -O1 -g1, 36 s in the normal
# build (docs/testing.md, "Time"). TSan keeps -O2: its tests have time
# bounds, and -g1 changes no code.
asan_flags=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG")
tsan_flags=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG")
run_suite() {  # run_suite BUILD_DIR [cmake args...]
  local dir=$1; shift
  configure "$dir" "$@" && cmake --build "$dir" -j "$jobs" &&
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 300
}
cpu_now() {  # sets cpu: CPU seconds (user + sys) of this shell's finished children
  # Not called as $(...): a subshell would report its own, empty, children.
  local t
  t=$(mktemp)
  times >"$t"
  cpu=$(awk 'NR == 2 { split($0, a, /[ms ]+/); printf "%d\n", a[1] * 60 + a[2] + a[3] * 60 + a[4] }' "$t")
  rm -f "$t"
}
stage() {  # stage NAME COMMAND...: runs it, remembers a failure, prints its time
  echo "== $1 =="
  local name=$1 start=$SECONDS cpu cpu0
  shift
  cpu_now
  cpu0=$cpu
  "$@" || { failed+=("$name"); echo "== $name: FAILED =="; }
  cpu_now
  # CPU time is the figure to compare on a shared machine (docs/testing.md).
  echo "== $name: $((SECONDS - start)) s wall, $((cpu - cpu0)) s CPU =="
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
  # TSAN_OPTIONS reaches every process a test spawns (credmesh serve, sync),
  # so tests/tsan.supp applies there too. Excluded, because their outcome
  # depends on speed and TSan slows our code but not the uninstrumented
  # libsodium (docs/testing.md): 'a receiver holds at most max_frames_held
  # RECORDS frames' (verification always wins the race, so frames never pile
  # up), 'a peer that asks and never reads' (10 s for another school's full
  # sync) and 'SIGKILL in the middle of a large sync' (its first sync gives
  # up after 3 s of silence before the hub stored anything). They report no
  # race under TSan; all three run in the normal and ASan stages.
  configure build-tsan -DCREDMESH_TSAN=ON -DCREDMESH_BUILD_BENCH=OFF "${tsan_flags[@]}" &&
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
  CXX=clang++ configure build-fuzz -DCREDMESH_FUZZ=ON -DCREDMESH_BUILD_BENCH=OFF "${asan_flags[@]}" &&
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
    stage "tests under ASan + UBSan" run_suite build-asan -DCREDMESH_SANITIZE=ON -DCREDMESH_BUILD_BENCH=OFF \
    "${asan_flags[@]}"
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
