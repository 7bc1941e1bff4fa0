// trust_authorizer.h: the Authorizer (node/ledger.h) of a node that belongs
// to a district. A record is valid iff its author held, at the record's
// timestamp, a grant or node certificate allowing its kind in its scope, by a
// chain back to the district root (node/trust/trust_engine.h). Records whose
// signer is not known yet wait as kPending and are re-decided when a trust
// record about their author arrives; the outcome depends only on the set of
// records. Arrivals are settled incrementally (node/trust/trust_update.h):
// the work is proportional to the records an arrival affects, not to the
// records held; Reauthorize recomputes everything.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "node/ledger.h"
#include "node/trust/trust_engine.h"
#include "node/trust/trust_update.h"

namespace credmesh {

// How many records of authors this node knows no grant or certificate for
// (quarantine: pending, or denied such as misplaced trust records) it keeps:
// per author key, per peer that delivered them, and in total. Over a quota,
// the oldest such records (by arrival) of that author, of that peer, or of
// all are deleted; a peer that holds them valid sends them again. 0 means
// no limit. Configurable per node (docs/node-directory.md). docs/trust.md
// "Quarantine".
struct QuarantineLimits {
  static constexpr size_t kPerAuthor = 1000;
  static constexpr size_t kTotal = 10000;
  static constexpr size_t kPerPeer = 5000;
  size_t per_author = kPerAuthor;
  size_t total = kTotal;
  size_t per_peer = kPerPeer;
};

class TrustAuthorizer final : public Authorizer {
 public:
  TrustAuthorizer(std::string district, const PublicKey& root, QuarantineLimits limits = {})
      : district_(std::move(district)), root_(root), limits_(limits) {}

  Status Migrate(Database& db) override;
  Status Authorize(Store& store, const std::vector<const VerifiedRecord*>& fresh,
                   std::vector<RecordId>& changed) override;
  Status Reauthorize(Store& store, std::vector<RecordId>& changed) override;
  Result<bool> Predecide(Store& store, const std::vector<const VerifiedRecord*>& records,
                         std::vector<Decision>& decisions) override;
  // Enforces QuarantineLimits after records by unknown authors arrived,
  // noting which peer (`from`) delivered them.
  Status Trim(Store& store, const std::vector<const VerifiedRecord*>& fresh, const PublicKey* from,
              std::vector<RecordId>& changed, std::vector<RecordId>& evicted) override;

  // Work done by Authorize since construction (for tests and benchmarks).
  const TrustWork& work() const { return work_; }

 private:
  std::string district_;
  PublicKey root_;
  QuarantineLimits limits_;
  TrustWork work_;
};

}  // namespace credmesh
