#!/usr/bin/env bash
# Builds credmesh and runs every check, in stages (docs/testing.md):
#   1. static checks: scripts/check-format.sh (clang-format --dry-run -Werror
#      on protocol storage node tools tests bench) and scripts/check-layering.sh
#      (include direction of the libraries);
#   2. tests: RelWithDebInfo build in build/ (GCC, -O2 -g1) with
#      -DCREDMESH_WERROR=ON, then scripts/check-test-counts.sh (no registered
#      test runs zero cases), then every ctest test (labels unit, e2e, slow);
#   3. ASan + UBSan: the whole suite again in build-asan/ (-O0 -g1, the
#      record-path libraries at -O1), with
#      clang++ when it is installed (it compiles this tree in half GCC's time),
#      which then also builds the libFuzzer targets there;
#   4. ThreadSanitizer: only the threaded tests (ledger, storage and sync
#      libraries, the network tests: verify threads, futures, the ZAP thread)
#      in build-tsan/ (-O0 -g1, clang++ when installed);
#   5. fuzz: with clang++, each libFuzzer target of tests/fuzz/ (built in
#      stage 3) for FUZZ_SECONDS (default 10) seconds from its seed corpus.
# Test code is compiled at -O0 in every tree (CREDMESH_TEST_CXX_FLAGS); the
# libraries and the CLI keep the tree's optimisation (docs/testing.md, "Time").
# After each stage it prints the stage's wall and CPU time.
# Every stage runs even if an earlier one failed (a build failure stops its
# own stage); the script fails if any stage failed and names them.
# Usage: scripts/test.sh [--no-sanitize]   (skips stages 3 to 5)
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test || exit 1

jobs=$(nproc 2>/dev/null || echo 2)
fuzz_seconds=${FUZZ_SECONDS:-10}
failed=()

configure() {  # configure BUILD_DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCREDMESH_WERROR=ON \
    -DCREDMESH_TEST_CXX_FLAGS=-O0 "$@" >/dev/null
}
normal_flags=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG")
# Line tables only (-g1: reports still name file and line) in every tree:
# full -g cost a third of the compile time. The sanitizer trees build at
# -O0: the sanitizers check every access at any level, and -O0 halves their
# compile time against -O1 while their tests run longer by much less
# (docs/testing.md, "Time"). The tests' time bounds are hang guards.
# ...except the record-path libraries (CREDMESH_HOT_LIBRARY_CXX_FLAGS, root
# CMakeLists.txt) at -O1 in the ASan tree, where the scale and property
# tests spend their CPU: those tests ran 2 to 5 times faster, for about
# 35 s more compile CPU. (In the TSan tree the compile would cost more than
# the shorter tests save.)
asan_flags=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O0 -g1 -DNDEBUG" -DCREDMESH_HOT_LIBRARY_CXX_FLAGS=-O1)
tsan_flags=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O0 -g1 -DNDEBUG")
# The sanitizer trees use clang++ when it is installed: GCC 12 took twice as
# long to compile them (docs/testing.md, "Time"). The GCC tree of stage 2 is
# the one that checks what users build with.
sanitizer_cxx=()
have_clang=false
if command -v clang++ >/dev/null; then
  have_clang=true
  sanitizer_cxx=(-DCMAKE_CXX_COMPILER=clang++)
fi
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
  configure build "${normal_flags[@]}" && cmake --build build -j "$jobs" &&
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
  configure build-tsan -DCREDMESH_TSAN=ON -DCREDMESH_BUILD_BENCH=OFF "${sanitizer_cxx[@]}" "${tsan_flags[@]}" &&
    cmake --build build-tsan -j "$jobs" --target credmesh_ledger_tests credmesh_storage_tests \
      credmesh_sync_tests credmesh_network_tests &&
    TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp "${norand[@]}" \
      ctest --test-dir build-tsan --output-on-failure -j "$jobs" --timeout 300 \
      -L 'credmesh_(ledger|storage|sync|network)_tests' \
      -E 'max_frames_held|asks and never reads|SIGKILL in the middle'
}

asan() {
  # With clang the fuzz targets share this tree (-DCREDMESH_FUZZ=ON): the
  # libraries they fuzz are then also coverage-instrumented for the tests,
  # which costs the tests little and saves a fourth build of those libraries.
  local fuzz_opt=()
  $have_clang && fuzz_opt=(-DCREDMESH_FUZZ=ON)
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan -DCREDMESH_SANITIZE=ON -DCREDMESH_BUILD_BENCH=OFF "${sanitizer_cxx[@]}" \
    "${fuzz_opt[@]}" "${asan_flags[@]}"
}

fuzz() {
  local targets=(record record_file wire reconcile catalog)
  # Built by the ASan + UBSan stage; a failed build there leaves none here.
  local t
  for t in "${targets[@]}"; do
    [ -x "build-asan/tests/fuzz/fuzz_$t" ] || { echo "fuzz: build-asan/tests/fuzz/fuzz_$t was not built"; return 1; }
  done
  local work rc=0 pids=() root=$PWD
  work=$(mktemp -d)
  for t in "${targets[@]}"; do
    mkdir -p "$work/$t"
    # New inputs go to the scratch dir; the committed corpus stays as it is.
    (cd "$work/$t" && "$root/build-asan/tests/fuzz/fuzz_$t" -max_total_time="$fuzz_seconds" \
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
  stage "tests under ASan + UBSan" asan
  stage "threaded tests under TSan" tsan
  if $have_clang; then
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
