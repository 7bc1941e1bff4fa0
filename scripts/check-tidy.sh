#!/usr/bin/env bash
# Runs clang-tidy (checks and their reasons: .clang-tidy) over the project's
# .cc files, each with the headers of the project it includes, in parallel.
# Any warning fails the run (exit 1); the warnings are listed once each
# (a header's warning is reported by every file that includes it) with a
# count per check.
#
# Usage: scripts/check-tidy.sh [-j N] [--changed [BASE] | FILE...]
#   (none)          every .cc of protocol/ storage/ node/ tools/ tests/
#   --changed [BASE] the .cc files changed since the merge base with BASE
#                   (default main), committed or not, plus untracked ones;
#                   a changed header brings in every .cc that includes it.
#                   Run this before a commit.
#   FILE...         these files
#   -j N            parallel clang-tidy processes (default: nproc)
#
# clang-tidy reads a compile_commands.json. The normal trees are unity
# builds: their compile_commands.json lists the unity_*.cxx batches, not the
# .cc files. So this script configures a tree of its own, build-tidy/, with
# unity builds and the test precompiled header off (configure only: no
# target generates C++ sources, so nothing needs building), with clang++
# when installed so the compile flags are clang's (GCC's -Wno-stringop-*
# would be "unknown warning option" to clang-tidy's clang).
#
# A full run takes about 20 minutes on 2 cores (docs/testing.md), so
# scripts/test.sh does not run it.
set -uo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

jobs=$(nproc 2>/dev/null || echo 2)
changed=false
base=main
files=()
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    -j) [ $# -ge 2 ] || { echo "check-tidy: -j needs a number" >&2; exit 2; }
      jobs=$2; shift 2 ;;
    --changed)
      changed=true; shift
      if [ $# -gt 0 ] && [[ $1 != -* ]] && ! [ -f "$1" ]; then base=$1; shift; fi ;;
    -*) echo "check-tidy: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) files+=("$1"); shift ;;
  esac
done

if ! command -v clang-tidy >/dev/null; then
  echo "check-tidy: clang-tidy not found (scripts/install-deps.sh --test installs it)" >&2
  exit 2
fi

# The checked folders. bench/ is not among them: benchmarks print figures,
# are never shipped, and parse their arguments with atoi (cert-err34-c);
# name their files to check them anyway.
dirs=(protocol storage node tools tests)

if $changed; then
  [ ${#files[@]} -eq 0 ] || { echo "check-tidy: --changed takes no files" >&2; exit 2; }
  merge_base=$(git merge-base "$base" HEAD) || { echo "check-tidy: no merge base with $base" >&2; exit 2; }
  mapfile -t touched < <({ git diff --name-only --diff-filter=d "$merge_base" -- "${dirs[@]}"
                           git ls-files --others --exclude-standard -- "${dirs[@]}"; } | sort -u)
  for f in "${touched[@]}"; do
    case $f in
      *.cc) files+=("$f") ;;
      *.h) mapfile -t -O "${#files[@]}" files < <(grep -rlF --include='*.cc' "#include \"$f\"" "${dirs[@]}") ;;
    esac
  done
  if [ ${#files[@]} -eq 0 ]; then
    echo "check-tidy: no .cc or .h changed since $base"
    exit 0
  fi
  mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -u)
elif [ ${#files[@]} -eq 0 ]; then
  mapfile -t files < <(find "${dirs[@]}" -name '*.cc' -not -path 'tests/fuzz/*' | sort)
fi

# Configure build-tidy/ (about a second; cmake does nothing when unchanged).
compiler=()
command -v clang++ >/dev/null && compiler=(-DCMAKE_CXX_COMPILER=clang++)
mkdir -p build-tidy
if ! cmake -S . -B build-tidy -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_UNITY_BUILD=OFF \
  -DCREDMESH_UNITY_BUILD=OFF -DCREDMESH_TEST_PCH=OFF -DCREDMESH_CCACHE=OFF -DCREDMESH_FUZZ=OFF \
  "${compiler[@]}" >build-tidy/configure.log 2>&1; then
  cat build-tidy/configure.log >&2
  echo "check-tidy: configuring build-tidy/ failed" >&2
  exit 2
fi

# Only files the build compiles have compile commands (not tests/fuzz/,
# which needs -DCREDMESH_FUZZ=ON, nor a file outside the tree).
db=build-tidy/compile_commands.json
checked=()
for f in "${files[@]}"; do
  if grep -qF "\"file\": \"$PWD/${f#./}\"" "$db"; then
    checked+=("$f")
  else
    echo "check-tidy: skipped $f (not compiled by this build)"
  fi
done
[ ${#checked[@]} -gt 0 ] || { echo "check-tidy: nothing to check"; exit 0; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "check-tidy: ${#checked[@]} file(s), $jobs at a time"
# One output file per source; clang-tidy exits non-zero on a compile error.
printf '%s\n' "${checked[@]}" | nl -w1 -s' ' |
  xargs -P "$jobs" -L1 sh -c 'clang-tidy -p build-tidy --quiet "$1" >"'"$out"'/$0.log" 2>&1 ||
    echo "$1" >"'"$out"'/$0.failed"'

# Diagnostic lines, each once: "file:line:col: warning: text [check]".
report=$(cat "$out"/*.log | grep -E '^[^ ].*:[0-9]+:[0-9]+: (warning|error): ' | sort -u)
failed_files=$(cat "$out"/*.failed 2>/dev/null)
if [ -z "$report" ] && [ -z "$failed_files" ]; then
  echo "check-tidy: ok (${#checked[@]} files)"
  exit 0
fi
if [ -n "$report" ]; then
  echo "$report" | sed "s|^$PWD/||"
  echo
  echo "check-tidy: $(wc -l <<<"$report") finding(s), per check:"
  grep -oE '\[[a-z0-9,.-]+\]$' <<<"$report" | sort | uniq -c | sort -rn
fi
if [ -z "$report" ] && [ -n "$failed_files" ]; then
  # clang-tidy failed without a diagnostic line: show what it said.
  for f in "$out"/*.failed; do cat "${f%.failed}.log"; done
fi
echo "check-tidy: FAILED; details of one file: clang-tidy -p build-tidy FILE" >&2
exit 1
