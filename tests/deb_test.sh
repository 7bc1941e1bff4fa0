#!/usr/bin/env bash
# `cpack -G DEB`: builds the .deb into a temp dir and checks its control
# fields, maintainer scripts and files with dpkg-deb (no root needed).
# Usage: deb_test.sh BUILD_DIR SOURCE_DIR. Exit 77 (ctest: skipped) without
# dpkg-deb.
set -uo pipefail
BUILD=$1
SRC=$2
command -v dpkg-deb >/dev/null || { echo "SKIP: dpkg-deb not installed"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

(cd "$BUILD" && cpack -G DEB -B "$T/out" >"$T/log" 2>&1) || { echo "FAIL: cpack:"; cat "$T/log"; exit 1; }
debs=("$T"/out/credmesh_*.deb)
[ -f "${debs[0]}" ] || { echo "FAIL: no credmesh_*.deb in:"; ls -R "$T/out"; exit 1; }
DEB=${debs[0]}
field() { dpkg-deb -f "$DEB" "$1"; }

[ "$(field Package)" = credmesh ] || fail "Package: $(field Package)"
[ -n "$(field Version)" ] || fail "no Version"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture: $(field Architecture)"
depends=$(field Depends)
names=$(tr ',|' '\n\n' <<<"$depends" | sed 's/^ *//; s/[ (].*//')
for pkg in libzmq5 libsodium23 libxxhash0 libsqlite3-0 libstdc++6 libc6 adduser; do
  grep -qx -- "$pkg" <<<"$names" || fail "Depends lacks $pkg: $depends"
done
[[ "$depends" == *-dev* ]] && fail "Depends names a -dev package: $depends"

dpkg-deb -c "$DEB" | awk '{print $6}' >"$T/files"
for f in ./usr/bin/credmesh ./usr/lib/systemd/system/credmesh.service ./usr/share/credmesh/catalog.json \
         ./usr/share/doc/credmesh/commands.txt ./usr/share/doc/credmesh/deploy.md; do
  grep -qx -- "$f" "$T/files" || fail "package lacks $f"
done
if command -v help2man >/dev/null; then
  grep -qx ./usr/share/man/man1/credmesh.1.gz "$T/files" || fail "package lacks the man page"
fi
grep -q '^\./usr/local' "$T/files" && fail "package installs under /usr/local"

dpkg-deb -x "$DEB" "$T/root"
readelf -S "$T/root/usr/bin/credmesh" | grep -q '\.symtab' && fail "binary not stripped"
"$T/root/usr/bin/credmesh" --version >/dev/null || fail "packaged binary does not run"
grep -qx 'ExecStart=/usr/bin/credmesh serve --dir /var/lib/credmesh' \
  "$T/root/usr/lib/systemd/system/credmesh.service" || fail "unit ExecStart is not /usr/bin/credmesh"
grep -qx 'StateDirectory=credmesh' "$T/root/usr/lib/systemd/system/credmesh.service" ||
  fail "unit has no StateDirectory=credmesh"

dpkg-deb -e "$DEB" "$T/control"
for s in postinst prerm postrm; do
  [ -x "$T/control/$s" ] || fail "no executable $s"
  sh -n "$T/control/$s" || fail "$s is not valid sh"
done
grep -q 'adduser --system' "$T/control/postinst" || fail "postinst creates no system user"
grep -q '/var/lib/credmesh' "$T/control/postinst" || fail "postinst does not set up /var/lib/credmesh"
grep -q 'deb-systemd-helper enable credmesh.service' "$T/control/postinst" || fail "postinst does not enable the unit"

[ $fails = 0 ] && echo "ok: $(basename "$DEB"): Depends: $depends"
exit $((fails > 0))
