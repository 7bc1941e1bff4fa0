// modules.cc: the authorizer and projections every node runs with.
#include "node/credentials/catalog_projection.h"
#include "node/credentials/lifecycle_projection.h"
#include "node/evidence_chunk_index.h"
#include "node/evidence_purge.h"
#include "node/node.h"
#include "node/trust/trust_authorizer.h"

namespace credmesh {

// Nodes of a district check every record against the district's trust
// records; standalone and not-yet-enrolled nodes trust what they hold.
std::unique_ptr<Authorizer> MakeAuthorizer(Node& node) {
  const NodeConfig& c = node.config();
  auto root = PublicKey::FromHex(c.root_key);
  if (c.district.empty() || !root) return nullptr;
  QuarantineLimits limits;
  limits.per_author = static_cast<size_t>(c.quarantine_per_author);
  limits.total = static_cast<size_t>(c.quarantine_total);
  limits.per_peer = static_cast<size_t>(c.quarantine_per_peer);
  return std::make_unique<TrustAuthorizer>(c.district, *root, limits);
}

// The lifecycle projection reads the catalog tables: it must run after the
// catalog projection. The purge projection reads only records.
std::vector<std::unique_ptr<Projection>> MakeProjections(Node& node) {
  std::vector<std::unique_ptr<Projection>> out;
  out.push_back(std::make_unique<CatalogProjection>());
  out.push_back(std::make_unique<LifecycleProjection>());
  out.push_back(std::make_unique<EvidenceChunkIndex>());  // file transfer (docs/files.md §6)
  out.push_back(std::make_unique<PurgeProjection>(node.Path(Node::kChunkDir)));
  return out;
}

}  // namespace credmesh
