#!/usr/bin/env bash
# Installs dependencies, builds credmesh, and starts a local district on
# loopback: a hub and two schools, enrolled through the CLI, each running
# `credmesh serve`, with some sample records. Watch them converge with
# `credmesh status`; stop them with `scripts/demo.sh stop`.
#
# Usage: scripts/demo.sh [start|status|stop|reset]   (default: start)
# Environment: DEMO_DIR (default ./demo), DEMO_PORT (hub port, default 7600;
# the schools use the next two).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEMO=${DEMO_DIR:-$ROOT/demo}
PORT=${DEMO_PORT:-7600}
CM=$ROOT/build/tools/credmesh
NODES=(hub pine oak)
export CREDMESH_PASSPHRASE=${CREDMESH_PASSPHRASE:-demo-passphrase}

build() {
  scripts/install-deps.sh
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target credmesh
}

running() { [ -f "$DEMO/$1.pid" ] && kill -0 "$(cat "$DEMO/$1.pid")" 2>/dev/null; }

stop() {
  for n in "${NODES[@]}"; do
    if running "$n"; then
      kill -TERM "$(cat "$DEMO/$n.pid")"
      for _ in $(seq 50); do running "$n" || break; sleep 0.1; done
      echo "stopped $n"
    fi
    rm -f "$DEMO/$n.pid"
  done
}

create() {
  mkdir -p "$DEMO"
  echo "== creating the district hub and two schools in $DEMO"
  $CM init --dir "$DEMO/hub" --hub --district "Maple Valley" --name "Maple Valley district hub" \
    --listen "tcp://127.0.0.1:$PORT" --sync-interval 5
  $CM init --dir "$DEMO/pine" --school --name "Pine Elementary" \
    --listen "tcp://127.0.0.1:$((PORT + 1))" --sync-interval 5
  $CM init --dir "$DEMO/oak" --school --name "Oak Middle" \
    --listen "tcp://127.0.0.1:$((PORT + 2))" --sync-interval 5
  echo "== enrolling the schools with certificate files (as if carried on a USB stick)"
  for s in pine oak; do
    $CM enrol issue --dir "$DEMO/hub" "$DEMO/$s/enrolment-request.json" --school-id "$s" \
      -o "$DEMO/$s.cert"
    $CM enrol install --dir "$DEMO/$s" "$DEMO/$s.cert"   # also adds the hub as a peer
  done
  echo "== adding people (keys sealed under \$CREDMESH_PASSPHRASE)"
  $CM person add --dir "$DEMO/hub" --name "Dana Admin" --email dana@demo.example --role admin \
    --kdf interactive
  $CM person add --dir "$DEMO/pine" --name "Rita Reviewer" --email rita@pine.example \
    --role reviewer --kdf interactive
  $CM person add --dir "$DEMO/oak" --name "Ed Educator" --email ed@oak.example \
    --role educator --kdf interactive
  $CM person add --dir "$DEMO/hub" --name "Irene Issuer" --email irene@demo.example \
    --role issuer --kdf interactive
  echo "== publishing the sample catalog (examples/catalog.json) from the hub"
  $CM catalog import --dir "$DEMO/hub" examples/catalog.json --as "Irene Issuer"
}

start() {
  build
  [ -f "$DEMO/hub/config.json" ] || create
  for n in "${NODES[@]}"; do
    running "$n" && continue
    nohup "$CM" serve --dir "$DEMO/$n" >>"$DEMO/$n.log" 2>&1 &
    echo $! >"$DEMO/$n.pid"
    echo "started $n (pid $!, log $DEMO/$n.log)"
  done
  sleep 1
  echo "== writing sample records on every node"
  $CM note add --dir "$DEMO/hub" "District PD day moved to March 14 (visible to every school)"
  $CM note add --dir "$DEMO/pine" "Pine: formative-assessment PLC met (private to Pine and the hub)"
  $CM note add --dir "$DEMO/oak" "Oak: exit-ticket evidence collected (private to Oak and the hub)"
  if [ ! -f "$DEMO/submission.id" ]; then
    echo "== Ed (Oak) starts a micro-credential from the district catalog"
    $CM sync --dir "$DEMO/oak" >/dev/null   # pull the catalog now rather than on schedule
    $CM submission open --dir "$DEMO/oak" fa-individual-support --as "Ed Educator" \
      >"$DEMO/submission.id"
    S=$(cat "$DEMO/submission.id")
    $CM submission reflect --dir "$DEMO/oak" "$S" --as "Ed Educator" \
      --pre "Three students keep missing the fraction checks; I want a plan for each."
    echo "   submission $S (see: $CM submission show --dir $DEMO/hub $S)"
  fi
  echo "== waiting for the nodes to converge"
  sleep 8
  status
  cat <<EOT

The three nodes keep running and syncing. Try:
  $CM note add --dir $DEMO/oak "hello from Oak"   # then watch it reach the hub
  $CM status --dir $DEMO/hub
  $CM log --dir $DEMO/pine
  scripts/demo.sh stop
EOT
}

status() {
  for n in "${NODES[@]}"; do
    echo "---- $n $(running "$n" && echo "(running)" || echo "(stopped)")"
    $CM status --dir "$DEMO/$n" | sed 's/^/  /'
  done
}

case "${1:-start}" in
  start) start ;;
  status) status ;;
  stop) stop ;;
  reset) stop; rm -rf "$DEMO"; echo "removed $DEMO" ;;
  *) echo "usage: scripts/demo.sh [start|status|stop|reset]" >&2; exit 2 ;;
esac
