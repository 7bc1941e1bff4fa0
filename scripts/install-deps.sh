#!/usr/bin/env bash
# Installs credmesh's build dependencies from Debian packages. Idempotent:
# does nothing when everything is already installed.
# Usage: scripts/install-deps.sh [--test]
#   --test also installs what scripts/test.sh uses beyond the build: clang
#   (its sanitizer trees compile in half GCC's time, and the libFuzzer targets
#   need it) with its sanitizer runtimes, and clang-tidy for
#   scripts/check-tidy.sh.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libzmq3-dev cppzmq-dev libsqlite3-dev libmsgpack-cxx-dev libsodium-dev
  libxxhash-dev   # XXH3, the chunk files' damage checksum
  doctest-dev nlohmann-json3-dev libcli11-dev sqlite3
  help2man   # man page generated from `credmesh --help` at build time
  zlib1g-dev python3 python3-jsonschema
  clang-format jq
)
if [ "${1:-}" = "--test" ]; then
  PACKAGES+=(clang libclang-rt-dev clang-tidy)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
