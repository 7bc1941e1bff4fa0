#!/usr/bin/env bash
# Installs dependencies, builds credmesh, and runs a node: creates
# ./credmesh-data if it does not exist, writes two signed notes, lists and
# verifies them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target credmesh
CM=build/tools/credmesh
export CREDMESH_DIR="${CREDMESH_DIR:-$PWD/credmesh-data}"

[ -f "$CREDMESH_DIR/config.json" ] || $CM init --name "Demo school"
$CM note add "Lesson plan uploaded for the fractions unit"
$CM note add "Exit tickets collected: 22 of 25 students met the goal"
$CM log -n 5
$CM verify
echo
echo "Your node lives in $CREDMESH_DIR. Try: $CM --help"
