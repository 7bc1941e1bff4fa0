// bundle_import.h: applying a sneakernet bundle (docs/bundle-format.md) to a
// node, all or nothing. Everything is checked while the bundle streams by —
// district, sender's certificate, addressing, every frame's authentication,
// every record's signature and scope, every chunk's hash, the counts and the
// exporting node's signature at the end — with records ingested through the
// ledger inside one uncommitted transaction and chunks written to a staging
// folder. Only when the END signature checks out are the chunks moved into
// the chunk store and the transaction committed. Importing the same bundle
// twice changes nothing the second time.
#pragma once

#include <functional>
#include <string>

#include "node/bundle/bundle_format.h"
#include "node/files/chunk_store.h"
#include "node/ledger.h"
#include "node/sync/peer_policy.h"
#include "storage/store.h"

namespace credmesh {

struct BundleImportTarget {
  Store* store = nullptr;
  Ledger* ledger = nullptr;
  ChunkStore* chunks = nullptr;
  const SigningKey* identity = nullptr;  // opens sealed bundles addressed to it
  std::string district;
  PeerPolicy* policy = nullptr;  // our certificate and the scope rule (MayRead)
  uint64_t now_hlc = 0;          // certificates must be in effect now
  std::string staging_parent;    // a folder on the chunk store's file system
  std::function<void(const BundleIoStats&)> progress;
};

struct BundleImportSummary {
  BundleMode mode = BundleMode::kSealed;
  PublicKey sender;
  NodeCertInfo sender_cert;
  BundleIoStats io;
  IngestSummary ingest;      // the records, as the ledger took them
  uint64_t chunks_new = 0;   // chunks this node did not hold
  uint64_t chunks_held = 0;  // chunks it already held
  // Chunks no valid evidence record of the bundle's scopes names here (e.g.
  // its record waits in quarantine): not stored; a later bundle brings them.
  uint64_t chunks_unreferenced = 0;
  // Chunks of purged evidence (docs/files.md §7): never stored again.
  uint64_t chunks_purged = 0;
};

// Errors (nothing is applied): kCorruption for a malformed, truncated or
// altered bundle; kUnauthorized for another district's bundle, one addressed
// to another node, one from a node without a certificate in effect, or one
// carrying a scope that the sender or this node may not read; storage
// errors as they come.
Result<BundleImportSummary> ImportBundle(const BundleImportTarget& target, const std::string& path);

}  // namespace credmesh
