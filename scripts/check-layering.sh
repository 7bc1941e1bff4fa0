#!/usr/bin/env bash
# Checks the include direction of the libraries (docs/architecture.md):
#   protocol <- storage <- ledger <- {trust, credentials} ; trust <- sync ;
#   {sync, credentials, files} <- bundle ;
#   node (the assembly) <- tools
# The CMake link lines enforce most of it at build time; this catches an
# include of a header-only part, or a test world leaking into a library.
# Rules, on #include "..." lines:
#   - protocol/ includes nothing from storage/, node/ or tools/;
#   - storage/ includes nothing from node/ or tools/;
#   - node/trust/ and node/credentials/ include from node/ only their own
#     folder and the ledger's headers (node/ledger*.h, node/authorizer*.h,
#     node/projection*.h): never each other, sync/ or the assembly;
#   - node/sync/ (test files and test worlds aside) includes from node/ only
#     node/sync/, node/trust/ and the ledger's headers;
#   - node/bundle/ (test files and test worlds aside) includes from node/
#     only its own folder, node/sync/, node/trust/, node/credentials/,
#     node/files/ and the ledger's headers: never the assembly or badges;
#   - nothing under protocol, storage or node/ includes tools/.
# Usage: scripts/check-layering.sh   (exit 1 and one line per violation)
set -uo pipefail
cd "$(dirname "$0")/.."

ledger='node/(ledger|authorizer|projection)[a-z_]*\.h'
violations=0

# forbid DIR INCLUDE_REGEX WHY [EXCLUDE_REGEX]: every `#include "X"` line in
# DIR's .cc/.h files where X starts with a match of INCLUDE_REGEX is a
# violation, unless the grep line ("file:line:text") matches EXCLUDE_REGEX.
forbid() {
  local dir=$1 pattern=$2 why=$3 skip=${4:-'^$'}
  local hits
  hits=$(grep -rnE --include='*.cc' --include='*.h' "^#include \"($pattern)" "$dir" | grep -vE "$skip")
  if [ -n "$hits" ]; then
    while IFS= read -r hit; do echo "layering: $hit  ($why)"; done <<<"$hits"
    violations=$((violations + $(wc -l <<<"$hits")))
  fi
}

forbid protocol 'storage/|node/|tools/' "protocol/ is the bottom layer"
forbid storage 'node/|tools/' "storage/ sits below node/"
forbid node 'tools/' "tools/ (the CLI) sits above node/"
# trust and credentials: anything under node/ except own folder and the ledger.
forbid node/trust 'node/(credentials|sync)/|node/[^/"]*"' \
  "node/trust/ may include only node/trust/ and the ledger" "\"$ledger\""
forbid node/credentials 'node/(trust|sync)/|node/[^/"]*"' \
  "node/credentials/ may include only node/credentials/ and the ledger" "\"$ledger\""
# sync: not the assembly or credentials (its tests may build whole nodes).
forbid node/sync 'node/credentials/|node/[^/"]*"' \
  "node/sync/ may include only node/sync/, node/trust/ and the ledger" \
  "\"$ledger\"|_test\\.cc:|_test_world\\.h:"
# bundle: beside the assembly, built on sync, trust, credentials and files.
forbid node/bundle 'node/badges/|node/[^/"]*"' \
  "node/bundle/ may include only node/{bundle,sync,trust,credentials,files}/ and the ledger" \
  "\"$ledger\"|_test\\.cc:|_test_world\\.h:"

if [ "$violations" -gt 0 ]; then
  echo "check-layering: $violations include(s) against the layering (docs/architecture.md)" >&2
  exit 1
fi
echo "check-layering: ok"
