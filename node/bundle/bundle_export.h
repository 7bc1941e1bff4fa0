// bundle_export.h: writing a sneakernet bundle from a node's store — which
// node it is for, which scopes it may carry (the network sync rule:
// node/sync/peer_policy.h GrantedScopes), and streaming the records and file
// chunks those scopes hold, optionally only what a state file says the
// recipient lacks. Format: docs/bundle-format.md.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "node/bundle/bundle_format.h"
#include "node/bundle/bundle_state.h"
#include "node/files/chunk_store.h"
#include "node/sync/peer_policy.h"
#include "node/sync/sync_backend.h"
#include "storage/store.h"

namespace credmesh {

// An enrolled node of this district that a bundle can be addressed to.
struct BundleRecipient {
  PublicKey key;
  NodeCertInfo cert;  // role, school
  std::string label;  // how the user named it
};

// Finds `name`: a peer name (node/sync/peers.h), else the school id of a node
// certificate. The node must hold a certificate of `district` in effect at
// `now_hlc`. Errors: kNotFound (no such peer or school), kUnauthorized (its
// certificate is expired or revoked).
Result<BundleRecipient> ResolveBundleRecipient(Database& db, const std::string& name,
                                               const std::string& district, uint64_t now_hlc);

// The scopes of this node's records that a bundle for `recipient` carries:
// those that both it and we may read, exactly as a sync session grants them.
Result<std::vector<std::string>> BundleScopesFor(Store& store, PeerPolicy& policy,
                                                 const NodeCertInfo& recipient);

struct BundleExportRequest {
  std::vector<std::string> scopes;     // to carry (already allowed by the scope rules)
  std::optional<PublicKey> recipient;  // sealed to it; nullopt: public (plaintext, signed)
  const BundleState* since = nullptr;  // send only what this summary lacks
  std::function<void(const BundleIoStats&)> progress;  // called now and then while writing
  std::optional<StreamKey> stream_key;                 // tests only: a fixed key
};

struct BundleExportSummary {
  BundleIoStats io;
  uint64_t ranges_same = 0;     // --since ranges found equal, not sent
  uint64_t chunks_held = 0;     // chunks the recipient already holds, not sent
  uint64_t chunks_missing = 0;  // named by records but not in our store either
};

// Streams the bundle to `path` (through path.part; nothing is left on
// failure). Memory: one record or chunk at a time, plus the scopes' item sets
// when `since` is given. `sender` must outlive the call.
Result<BundleExportSummary> ExportBundle(Store& store, ScopeItemCache& cache,
                                         const ChunkStore& chunks, const SigningKey& sender,
                                         const std::string& district, int64_t now_ms,
                                         BundleExportRequest request, const std::string& path);

}  // namespace credmesh
