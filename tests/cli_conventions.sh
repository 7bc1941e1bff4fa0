#!/usr/bin/env bash
# CLI conventions (README "Using the command line"): unknown commands are
# usage errors naming the closest match, --dir before or after the command,
# sync --json, list commands print {"<things>": [...]}, export refuses to
# overwrite without --force, note text shows in log.
# Usage: cli_conventions.sh PATH/TO/credmesh
set -uo pipefail
CM=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
unset CREDMESH_DIR
fails=0
check() {  # check DESCRIPTION EXPECTED_RC ACTUAL_RC
  if [ "$2" != "$3" ]; then echo "FAIL: $1 (exit $3, expected $2)"; cat "$T/out"; fails=$((fails + 1)); fi
}
expect_grep() {  # expect_grep DESCRIPTION PATTERN FILE
  grep -q -- "$2" "$3" || { echo "FAIL: $1: no '$2' in:"; cat "$3"; fails=$((fails + 1)); }
}
json_ok() {  # json_ok DESCRIPTION PYTHON_EXPR FILE: EXPR holds for the document d
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$3" 2>/dev/null ||
    { echo "FAIL: $1: not ($2) in:"; cat "$3"; fails=$((fails + 1)); }
}

$CM init --dir "$T/n" --name Pine >"$T/out" 2>&1; check "init" 0 $?

# Unknown commands: usage error naming the word and the closest command;
# nothing runs (the old behaviour ran `export` for `frobnicate export`).
$CM frobnicate export --dir "$T/n" -o "$T/x.rec" >"$T/out" 2>&1; check "unknown command" 2 $?
expect_grep "unknown command named" "unknown command 'credmesh frobnicate'" "$T/out"
[ -e "$T/x.rec" ] && { echo "FAIL: an unknown command ran export"; fails=$((fails + 1)); }
$CM notes add --dir "$T/n" hi >"$T/out" 2>&1; check "typo command" 2 $?
expect_grep "closest match" "did you mean 'note'" "$T/out"
$CM peer lst --dir "$T/n" >"$T/out" 2>&1; check "typo subcommand" 2 $?
expect_grep "closest nested match" "unknown command 'credmesh peer lst'; did you mean 'list'" "$T/out"
$CM --dir "$T/n" sub list >"$T/out" 2>&1; check "prefix of a command" 2 $?
expect_grep "prefix suggests" "did you mean 'submission'" "$T/out"
# Positionals of a command are not commands; option values are skipped.
$CM note add --dir "$T/n" "export" >"$T/out" 2>&1; check "positional that looks like a command" 0 $?

# --dir before the command, after it, and $CREDMESH_DIR as the default.
$CM --dir "$T/n" note add "before" >"$T/out" 2>&1; check "--dir before the command" 0 $?
$CM note add --dir "$T/n" "after" >"$T/out" 2>&1; check "--dir after the command" 0 $?
CREDMESH_DIR="$T/elsewhere" $CM --dir "$T/n" note add "env loses to --dir" >"$T/out" 2>&1
check "--dir before the command beats CREDMESH_DIR" 0 $?
[ -e "$T/elsewhere" ] && { echo "FAIL: CREDMESH_DIR overrode --dir"; fails=$((fails + 1)); }

# Note text visible in log (text and JSON).
$CM log --dir "$T/n" --kind note >"$T/out" 2>&1; check "log" 0 $?
expect_grep "note text in log" '"before"' "$T/out"
expect_grep "note text in log" '"env loses to --dir"' "$T/out"
$CM log --dir "$T/n" --kind note --json >"$T/out" 2>&1; check "log --json" 0 $?
json_ok "note text in log --json" "sorted(r['text'] for r in d['records']) == sorted(['export','before','after','env loses to --dir'])" "$T/out"

# Every list command: one object holding a named array.
for cmd in "log:records" "peer list:peers" "person list:people" "catalog list:items" "submission list:submissions"; do
  words=${cmd%%:*}
  key=${cmd##*:}
  # shellcheck disable=SC2086
  $CM $words --dir "$T/n" --json >"$T/out" 2>&1; check "$words --json" 0 $?
  json_ok "$words --json shape" "isinstance(d, dict) and isinstance(d.get('$key'), list)" "$T/out"
done

# sync --json (sync needs a district node): no peers is still one document.
$CM init --dir "$T/h" --hub --district "Valley USD" >"$T/out" 2>&1; check "init --hub" 0 $?
$CM sync --dir "$T/h" --json >"$T/out" 2>&1; check "sync --json without peers" 0 $?
json_ok "sync --json shape" "d['peers'] == [] and d['ok'] is True and d['records_sent'] == 0" "$T/out"
# A peer that does not answer: exit 1, its failure in the document.
$CM peer add --dir "$T/h" ghost tcp://127.0.0.1:9 "$(printf 'ab%.0s' $(seq 32))" >"$T/out" 2>&1
check "peer add" 0 $?
$CM sync --dir "$T/h" --json --timeout 1 >"$T/out" 2>/dev/null; check "sync --json failing peer" 1 $?
json_ok "sync --json failure" "d['ok'] is False and d['peers'][0]['peer'] == 'ghost' and d['peers'][0]['ok'] is False and d['peers'][0]['outcome']" "$T/out"

# export -o refuses to overwrite without --force.
$CM export --dir "$T/n" -o "$T/all.rec" >"$T/out" 2>&1; check "export" 0 $?
echo "precious" >"$T/keep.rec"
$CM export --dir "$T/n" -o "$T/keep.rec" >"$T/out" 2>&1; check "export over a file" 1 $?
expect_grep "export names --force" "pass --force" "$T/out"
[ "$(cat "$T/keep.rec")" = precious ] || { echo "FAIL: export overwrote without --force"; fails=$((fails + 1)); }
$CM export --dir "$T/n" -o "$T/keep.rec" --force >"$T/out" 2>&1; check "export --force" 0 $?
cmp -s "$T/all.rec" "$T/keep.rec" || { echo "FAIL: export --force did not write"; fails=$((fails + 1)); }
echo "precious" >"$T/cat.json"
$CM catalog export --dir "$T/n" -o "$T/cat.json" >"$T/out" 2>&1; check "catalog export over a file" 1 $?
[ "$(cat "$T/cat.json")" = precious ] || { echo "FAIL: catalog export overwrote"; fails=$((fails + 1)); }

[ $fails = 0 ] && echo "ok: CLI conventions"
exit $((fails > 0))
