#!/usr/bin/env bash
# End-to-end test of the foundation CLI: init, note add, log, show, verify,
# refusal to overwrite, exit codes, --help on every command, tamper detection.
# Usage: cli_basics.sh PATH/TO/credmesh
set -uo pipefail
CM=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
check() {  # check DESCRIPTION EXPECTED_RC ACTUAL_RC
  if [ "$2" != "$3" ]; then echo "FAIL: $1 (exit $3, expected $2)"; fails=$((fails + 1)); fi
}
expect_grep() {  # expect_grep DESCRIPTION PATTERN FILE
  grep -q -- "$2" "$3" || { echo "FAIL: $1: no '$2' in:"; cat "$3"; fails=$((fails + 1)); }
}

$CM init --dir "$T/n" --name Pine >"$T/out" 2>&1; check "init" 0 $?
expect_grep "init prints key" "node key:" "$T/out"
[ "$(stat -c %a "$T/n/node.key")" = 600 ] || { echo "FAIL: node.key mode"; fails=$((fails + 1)); }
$CM init --dir "$T/n" >"$T/out" 2>&1; check "init refuses existing node" 1 $?
expect_grep "refusal message" "refusing to overwrite" "$T/out"

id1=$($CM note add --dir "$T/n" "first note"); check "note add" 0 $?
id2=$(CREDMESH_DIR="$T/n" $CM note add "second note"); check "note add via CREDMESH_DIR" 0 $?
[ ${#id1} = 64 ] || { echo "FAIL: id length"; fails=$((fails + 1)); }

$CM log --dir "$T/n" >"$T/out"; check "log" 0 $?
[ "$(wc -l <"$T/out")" = 2 ] || { echo "FAIL: log lines"; cat "$T/out"; fails=$((fails + 1)); }
$CM log --dir "$T/n" --kind nothing --json >"$T/out"; check "log filter" 0 $?
expect_grep "empty json" '"records": \[\]' "$T/out"
$CM log --dir "$T/n" --json --scope school/local >"$T/out"; check "log json" 0 $?
[ "$(grep -c '"kind": "note"' "$T/out")" = 2 ] || { echo "FAIL: log json kinds"; fails=$((fails + 1)); }

$CM show --dir "$T/n" "${id1:0:10}" >"$T/out"; check "show prefix" 0 $?
expect_grep "show body" "first note" "$T/out"
$CM show --dir "$T/n" --json "$id2" >"$T/out"; check "show json" 0 $?
expect_grep "show json id" "\"id\": \"$id2\"" "$T/out"
$CM show --dir "$T/n" 00000000 >"$T/out" 2>&1; check "show unknown" 1 $?
$CM show --dir "$T/n" zz >"$T/out" 2>&1; check "show bad id" 1 $?

$CM verify --dir "$T/n" >"$T/out"; check "verify clean" 0 $?
expect_grep "verify ok" "ok: 2 records" "$T/out"

# Usage errors exit 2; --help exits 0 for every command.
$CM >/dev/null 2>&1; check "no command" 2 $?
$CM frobnicate >/dev/null 2>&1; check "unknown command" 2 $?
$CM log --dir "$T/n" --bogus >/dev/null 2>&1; check "unknown flag" 2 $?
$CM --help >/dev/null; check "--help" 0 $?
for cmd in $($CM --help | awk '/^SUBCOMMANDS:/{f=1;next} f&&NF{print $1}'); do
  $CM "$cmd" --help >"$T/out" 2>&1; check "$cmd --help" 0 $?
done

# Missing node: clear error, exit 1.
$CM log --dir "$T/none" >"$T/out" 2>&1; check "log without node" 1 $?
expect_grep "hint" "credmesh init" "$T/out"

# Tamper with one stored record: verify must report it and exit 1.
sqlite3 "$T/n/credmesh.db" "UPDATE records SET bytes = replace(bytes, CAST('first' AS BLOB), CAST('fir5t' AS BLOB)) WHERE lower(hex(id)) = '$id1'"
$CM verify --dir "$T/n" >"$T/out"; check "verify tampered" 1 $?
expect_grep "verify names record" "BAD record $id1" "$T/out"

# A corrupt database file is reported, not crashed on.
printf 'this is not a database at all, just junk bytes.....' >"$T/n/credmesh.db"
rm -f "$T/n/credmesh.db-wal" "$T/n/credmesh.db-shm"
$CM log --dir "$T/n" >"$T/out" 2>&1; check "corrupt db" 1 $?
expect_grep "corrupt db message" "error" "$T/out"

# A hub whose certificates would carry a loopback or wildcard address warns
# (on stderr) that schools elsewhere cannot reach it; --advertise fixes it.
$CM init --dir "$T/hub" --hub --district Valley --listen tcp://0.0.0.0:7600 >"$T/out" 2>"$T/err"
check "hub init on 0.0.0.0" 0 $?
expect_grep "unreachable hub warning" "schools on other machines cannot reach it" "$T/err"
expect_grep "warning names the fix" "--advertise tcp://HOST:PORT" "$T/err"
$CM init --dir "$T/hub2" --hub --district Valley --listen tcp://0.0.0.0:7600 \
  --advertise tcp://10.0.0.5:7600 >"$T/out" 2>"$T/err"
check "hub init with --advertise" 0 $?
[ -s "$T/err" ] && { echo "FAIL: warning despite --advertise:"; cat "$T/err"; fails=$((fails + 1)); }
expect_grep "advertise in config" '"advertise": "tcp://10.0.0.5:7600"' "$T/hub2/config.json"
$CM init --dir "$T/s" --school --name Pine --advertise tcp://10.0.0.6:7601 >"$T/out" 2>&1
check "--advertise needs --hub" 2 $?
$CM init --dir "$T/s" --school --name Pine >"$T/out" 2>&1; check "school init" 0 $?
expect_grep "school default port" '"listen": "tcp://127.0.0.1:7601"' "$T/s/config.json"

if [ $fails -eq 0 ]; then echo "cli_basics: all checks passed"; exit 0; fi
echo "cli_basics: $fails check(s) failed"; exit 1
