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

#include <string>
#include <vector>

#include "node/ledger.h"
#include "node/trust/trust_engine.h"
#include "node/trust/trust_update.h"

namespace credmesh {

class TrustAuthorizer final : public Authorizer {
 public:
  TrustAuthorizer(std::string district, const PublicKey& root)
      : district_(std::move(district)), root_(root) {}

  Status Migrate(Database& db) override;
  Status Authorize(Store& store, const std::vector<const VerifiedRecord*>& fresh,
                   std::vector<RecordId>& changed) override;
  Status Reauthorize(Store& store, std::vector<RecordId>& changed) override;
  Result<bool> Predecide(Store& store, const std::vector<const VerifiedRecord*>& records,
                         std::vector<Decision>& decisions) override;

  // Work done by Authorize since construction (for tests and benchmarks).
  const TrustWork& work() const { return work_; }

 private:
  std::string district_;
  PublicKey root_;
  TrustWork work_;
};

}  // namespace credmesh
