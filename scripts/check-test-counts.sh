#!/usr/bin/env bash
# Fails when a registered ctest test would execute zero test cases.
# ctest runs each doctest case as `BINARY --test-case=NAME`; if NAME cannot
# match (CMake once split names at ';'), doctest runs nothing and exits 0, so
# the test shows green while testing nothing. For every registered test this
# runs the same command with doctest's --count, which lists the cases that
# pass the filters without running them, and requires at least one.
# (Each binary's main also fails a run with no case: tests/doctest_main.cc.)
# Usage: scripts/check-test-counts.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: check-test-counts.sh BUILD_DIR}
command -v jq >/dev/null || { echo "check-test-counts: needs jq (scripts/install-deps.sh)" >&2; exit 1; }

# One shell-quoted command line per test: NAME, then the command + --count.
lines=$(ctest --test-dir "$build" --show-only=json-v1 |
  jq -r '.tests[] | [.name] + (.command // []) | @sh')
total=0
uncounted=()
empty=()
while IFS= read -r line; do
  [ -n "$line" ] || continue
  eval "set -- $line"
  name=$1; shift
  total=$((total + 1))
  if [ $# -eq 0 ] || ! printf '%s\n' "$@" | grep -q '^--test-case='; then
    uncounted+=("$name")  # not a doctest case (e.g. a script): cannot count
    continue
  fi
  out=$("$@" --count 2>&1 || true)
  n=$(sed -n 's/.*passing the current filters: \([0-9]*\).*/\1/p' <<<"$out")
  if [ -z "$n" ] || [ "$n" -eq 0 ]; then empty+=("$name"); fi
done <<<"$lines"

if [ "$total" -eq 0 ]; then
  echo "check-test-counts: no tests registered in $build" >&2
  exit 1
fi
for name in "${uncounted[@]+"${uncounted[@]}"}"; do
  echo "check-test-counts: note: '$name' is not a doctest case; its count is not checked" >&2
done
if [ ${#empty[@]} -gt 0 ]; then
  printf "check-test-counts: runs zero test cases: '%s'\n" "${empty[@]}" >&2
  echo "check-test-counts: ${#empty[@]} of $total test(s) would test nothing (a ';' in a TEST_CASE name?)" >&2
  exit 1
fi
echo "check-test-counts: ok ($total tests, each runs at least one case)"
