#!/usr/bin/env bash
# Checks that every C++ source follows .clang-format, changing nothing:
# clang-format --dry-run -Werror over the *.cc and *.h files of the source
# folders. On failure it lists the files; fix them with
#   clang-format -i FILE...
# Usage: scripts/check-format.sh [FILE...]   (default: the whole tree)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v clang-format >/dev/null; then
  echo "check-format: clang-format not found (apt-get install clang-format)" >&2
  exit 1
fi
if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find protocol storage node tools tests bench -name '*.cc' -o -name '*.h' | sort)
fi

# One clang-format process for all files; it names each offending file in
# "FILE:LINE:COL: error: code should be clang-formatted" lines.
if report=$(clang-format --dry-run -Werror "${files[@]}" 2>&1); then
  bad=()
else
  mapfile -t bad < <(grep -oE '^[^:]+:[0-9]+:[0-9]+: error' <<<"$report" | cut -d: -f1 | sort -u)
  [ ${#bad[@]} -gt 0 ] || { echo "$report" >&2; exit 1; }  # clang-format itself failed
fi
if [ ${#bad[@]} -gt 0 ]; then
  printf 'check-format: not formatted: %s\n' "${bad[@]}" >&2
  echo "check-format: ${#bad[@]} of ${#files[@]} file(s) differ from .clang-format; run clang-format -i on them" >&2
  exit 1
fi
echo "check-format: ok (${#files[@]} files)"
