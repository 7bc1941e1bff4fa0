#!/usr/bin/env bash
# Build-time benchmark: prints figures, asserts nothing.
#
#   bench/build_time.sh           clean build of the `credmesh` binary (what
#                                 scripts/demo.sh builds), then a clean build
#                                 of everything scripts/test.sh's first stage
#                                 builds, then the no-op checks
#   bench/build_time.sh --full    also times scripts/test.sh on a fresh copy
#                                 of the tree, twice: the time of each stage
#                                 (test.sh prints it), and how many files the
#                                 second run compiled (must be 0)
#
# Clean builds use a fresh build directory with ccache off (CCACHE_DISABLE=1,
# so the configure arguments stay those of the scripts) and -j2 (the
# newcomer's machine of issue 11). Each figure is wall time and CPU time
# (user+sys of every compiler, linker and test): on a shared or busy machine
# wall time is noise and CPU time is the comparable figure; on an idle 2-core
# machine wall ~ CPU / 2. Targets: credmesh <= 180 s wall, scripts/test.sh
# <= 600 s wall, and a second configure + build does no work.
#
# Environment: JOBS (default 2), BUILD_TYPE (default RelWithDebInfo), TARGET
# (default credmesh; a smaller one such as credmesh_storage checks the
# script), FULL_BUILD=0 skips the clean build of everything.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
JOBS=${JOBS:-2}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
TARGET=${TARGET:-credmesh}
FULL_BUILD=${FULL_BUILD:-1}
FULL=0
[ "${1:-}" = "--full" ] && FULL=1

WORK=$(mktemp -d /tmp/credmesh-build-time.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export CCACHE_DISABLE=1  # also covers a launcher given through the environment

# timed LABEL LOG CMD...: runs CMD with its output in LOG, then prints
# "LABEL: wall W s  cpu C s (user U + sys S)". Returns CMD's status.
timed() {
  local label=$1 log=$2 rc=0
  shift 2
  /usr/bin/time -f "%e %U %S" -o "$WORK/time" "$@" >"$log" 2>&1 || rc=$?
  tail -1 "$WORK/time" | awk -v l="$label:" \
    '{printf "%-36s wall %7.1f s   cpu %7.1f s (user %.1f + sys %.1f)\n", l, $1, $2 + $3, $2, $3}'
  return $rc
}

configure() {  # configure DIR [ARGS...]: the arguments scripts/demo.sh uses, then ARGS
  local dir=$1
  shift
  cmake -S "$SRC" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" "$@"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo)," \
  "$(c++ --version | head -1), cmake $(cmake --version | awk 'NR==1 {print $3}')," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "clean build of $TARGET: fresh build dir, $BUILD_TYPE, ccache off, -j$JOBS"
B="$WORK/build"
configure "$B" >"$WORK/configure.log"
timed "build $TARGET (credmesh: <= 180 s)" "$WORK/build.log" cmake --build "$B" -j "$JOBS" --target "$TARGET" ||
  { echo "build failed; log:"; tail -30 "$WORK/build.log"; exit 1; }
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# A second configure with the same arguments (what a second run of
# scripts/demo.sh or scripts/test.sh does) must leave every command line
# unchanged, so ninja has nothing to do.
configure "$B" >/dev/null
if ninja -C "$B" -d explain "$TARGET" >"$WORK/explain.log" 2>&1 &&
  grep -q "no work to do" "$WORK/explain.log"; then
  echo "second configure + build of $TARGET: no work to do"
else
  echo "second configure + build of $TARGET: REBUILT; ninja -d explain says:"
  grep -v "^\\[\\|verify_globs\\|VerifyGlobs" "$WORK/explain.log" | head -20
fi

if [ "$FULL_BUILD" = 1 ]; then
  # scripts/test.sh's first stage: every target (libraries, CLI, tests,
  # benchmarks) with -Werror and its flags (-O2 -g1, test code at -O0).
  echo "clean build of everything: fresh build dir, $BUILD_TYPE, test.sh's stage-2 flags, ccache off, -j$JOBS"
  A="$WORK/build-all"
  configure "$A" -DCREDMESH_WERROR=ON -DCREDMESH_TEST_CXX_FLAGS=-O0 \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" >"$WORK/configure-all.log"
  timed "build everything" "$WORK/build-all.log" cmake --build "$A" -j "$JOBS" ||
    { echo "build failed; log:"; tail -30 "$WORK/build-all.log"; exit 1; }
  rm -rf "$A"
fi

if [ "$FULL" = 1 ]; then
  echo "scripts/test.sh on a fresh copy of the tree (ccache off, every stage):"
  T="$WORK/tree"
  mkdir -p "$T"
  git -C "$SRC" ls-files -z | (cd "$SRC" && xargs -0 cp --parents -t "$T")
  rc=0
  timed "scripts/test.sh (target <= 600 s)" "$WORK/test1.log" "$T/scripts/test.sh" || rc=$?
  # test.sh prints "== STAGE: W s wall, C s CPU ==" after each stage.
  grep -E '^== .*: [0-9]+ s wall' "$WORK/test1.log" | sed 's/^==/  stage/; s/ ==$//'
  if [ $rc -ne 0 ]; then echo "scripts/test.sh failed; log:"; tail -30 "$WORK/test1.log"; exit 1; fi
  timed "scripts/test.sh, second run" "$WORK/test2.log" "$T/scripts/test.sh" || true
  compiled=$(grep -cE "Building CXX object|Linking CXX" "$WORK/test2.log" || true)
  echo "second run of scripts/test.sh compiled or linked $compiled files (must be 0)"
fi
