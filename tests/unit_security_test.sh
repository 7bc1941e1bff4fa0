#!/usr/bin/env bash
# The systemd unit's sandbox: `systemd-analyze security --offline=yes` must
# score at most MAX (lower is safer; 10 is an unsandboxed root service).
# Usage: unit_security_test.sh UNIT_FILE MAX. Exit 77 (ctest: skipped) when
# systemd-analyze is missing or too old for --offline.
set -uo pipefail
UNIT=$1
MAX=$2
if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: systemd-analyze not installed (Debian package systemd)"
  exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# The unit is analysed under its installed name.
cp "$UNIT" "$T/credmesh.service"
if ! systemd-analyze security --offline=yes --no-pager "$T/credmesh.service" >"$T/out" 2>"$T/err"; then
  if grep -q -- "--offline" "$T/err"; then
    echo "SKIP: this systemd-analyze has no --offline (systemd >= 250 needed)"
    exit 77
  fi
  echo "FAIL: systemd-analyze security failed:"; cat "$T/err" "$T/out"
  exit 1
fi
score=$(sed -n 's/.*Overall exposure level for credmesh.service: \([0-9.]*\).*/\1/p' "$T/out")
if [ -z "$score" ]; then
  echo "FAIL: no overall exposure level in:"; cat "$T/out"
  exit 1
fi
if awk -v s="$score" -v m="$MAX" 'BEGIN { exit !(s > m) }'; then
  echo "FAIL: exposure $score > $MAX; the unit lacks:"
  grep '✗' "$T/out"
  exit 1
fi
echo "ok: exposure $score <= $MAX"
