#!/usr/bin/env bash
# `cmake --install BUILD --prefix /usr/local` into a DESTDIR: the binary runs,
# the unit starts the installed binary, the docs, man page and sample catalog
# are in place; `--strip` strips the binary.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
BUILD=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
has() { [ -f "$T/root/usr/local/$1" ] || fail "not installed: /usr/local/$1"; }

DESTDIR=$T/root cmake --install "$BUILD" --prefix /usr/local >"$T/log" 2>&1 ||
  { echo "FAIL: cmake --install:"; cat "$T/log"; exit 1; }
has bin/credmesh
has lib/systemd/system/credmesh.service
has share/doc/credmesh/commands.txt
has share/doc/credmesh/README.md
has share/doc/credmesh/protocol.md
has share/credmesh/catalog.json
if command -v help2man >/dev/null; then has share/man/man1/credmesh.1.gz; fi

"$T/root/usr/local/bin/credmesh" --version >"$T/out" 2>&1 || fail "installed binary does not run"
grep -q '^credmesh ' "$T/out" || fail "installed --version: $(cat "$T/out")"
grep -qx 'ExecStart=/usr/local/bin/credmesh serve --dir /var/lib/credmesh' \
  "$T/root/usr/local/lib/systemd/system/credmesh.service" || fail "unit ExecStart not rewritten to the prefix"
cmp -s "$SRC/examples/catalog.json" "$T/root/usr/local/share/credmesh/catalog.json" || fail "catalog differs"
# The reference holds every command's help, nested ones included.
for c in "credmesh init" "credmesh peer add" "credmesh submission open"; do
  grep -q "^======== $c\$" "$T/root/usr/local/share/doc/credmesh/commands.txt" || fail "commands.txt lacks $c"
done
if [ -f "$T/root/usr/local/share/man/man1/credmesh.1.gz" ]; then
  gzip -dc "$T/root/usr/local/share/man/man1/credmesh.1.gz" >"$T/man"
  grep -q '^\.SH COMMANDS' "$T/man" || fail "man page has no COMMANDS section"
  grep -q 'credmesh peer add' "$T/man" || fail "man page lacks credmesh peer add"
fi
# The install manifest lists what was installed (for uninstall by hand).
grep -q 'credmesh.service$' "$BUILD/install_manifest.txt" || fail "unit missing from install_manifest.txt"

DESTDIR=$T/stripped cmake --install "$BUILD" --prefix /usr/local --strip >"$T/log" 2>&1 ||
  { echo "FAIL: cmake --install --strip:"; cat "$T/log"; exit 1; }
readelf -S "$T/stripped/usr/local/bin/credmesh" | grep -q '\.symtab' && fail "--strip left a symbol table"
"$T/stripped/usr/local/bin/credmesh" --help >/dev/null || fail "stripped binary does not run"

[ $fails = 0 ] && echo "ok: install into DESTDIR"
exit $((fails > 0))
