#!/usr/bin/env bash
# The README runs as written: every fenced ```sh block of README.md, in
# order, as one bash script (set -e) in an empty temporary directory, each
# command echoed with its README line so a failure names it.
#
# Blocks not meant to run carry the marker line
#   <!-- readme-test: skip (reason) -->
# just before their fence; the test counts run and skipped blocks and fails
# if fewer than MIN_RUN blocks ran, so the markers cannot hide everything.
#
# The only substitutions, applied to the blocks that run:
#   - `credmesh` is the built binary (its directory goes first on PATH, and
#     `build/tools/credmesh` is rewritten to `credmesh`);
#   - the demo ports 7600, 7601, 7602 become free ports chosen here;
#   - `examples/` is a link to the source tree's examples/;
#   - CREDMESH_PASSPHRASE is set, as the README asks;
#   - CREDMESH_KDF=minimum (docs/trust.md, tests only), as in the other CLI
#     tests: each command signing `--as` someone unseals a key, and the
#     default passphrase hashing cost (256 MiB, about 0.5 s each) was most of
#     this test's time.
# Usage: readme_test.sh PATH/TO/credmesh PATH/TO/README.md
set -uo pipefail
CM=$(readlink -f "$1")
README=$(readlink -f "$2")
MIN_RUN=5
T=$(mktemp -d)
trap 'jobs -p | xargs -r kill 2>/dev/null; rm -rf "$T"' EXIT
unset CREDMESH_DIR
export CREDMESH_PASSPHRASE=readme-test-passphrase
export CREDMESH_KDF=minimum
export PATH="$(dirname "$CM"):$PATH"

# Three free loopback ports, held together while chosen so they differ.
read -r P0 P1 P2 < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')

# The script keeps README line numbers: a line outside a running block is
# blank, so bash's LINENO (shifted by the one-line header) is the README line.
python3 - "$README" "$T/readme.sh" "$T/counts" "$P0" "$P1" "$P2" <<'EOF'
import re, sys
readme, out, counts, p0, p1, p2 = sys.argv[1:]
lines = open(readme).read().split("\n")
script = ['set -eE -o pipefail; PS4=\'+ README.md:$((LINENO - 1)): \'; set -x']
ran = skipped = 0
in_block = run_block = False
prev = ""  # last non-blank line before the current one
for line in lines:
    text = ""
    if not in_block and line.strip() == "```sh":
        in_block = True
        run_block = not prev.strip().startswith("<!-- readme-test: skip")
        ran += run_block
        skipped += not run_block
    elif in_block and line.strip() == "```":
        in_block = False
    elif in_block and run_block:
        text = line.replace("build/tools/credmesh", "credmesh")
        for old, new in (("7600", p0), ("7601", p1), ("7602", p2)):
            text = re.sub(r"\b%s\b" % old, new, text)
    script.append(text)
    if line.strip():
        prev = line
open(out, "w").write("\n".join(script) + "\n")
open(counts, "w").write("%d %d\n" % (ran, skipped))
EOF
read -r RAN SKIPPED <"$T/counts"

mkdir "$T/work"
ln -s "$(dirname "$README")/examples" "$T/work/examples"
(cd "$T/work" && bash "$T/readme.sh") >"$T/log" 2>&1
rc=$?
echo "README.md: ran $RAN sh blocks, skipped $SKIPPED (ports $P0 $P1 $P2)"
if [ $rc -ne 0 ]; then
  tail -n 40 "$T/log"
  echo "FAIL: the README's sh blocks exited $rc; the last '+ README.md:N:' line above is the one that failed"
  exit 1
fi
if [ "$RAN" -lt "$MIN_RUN" ]; then
  echo "FAIL: only $RAN sh blocks ran (at least $MIN_RUN expected): too many readme-test: skip markers"
  exit 1
fi
echo "ok"
