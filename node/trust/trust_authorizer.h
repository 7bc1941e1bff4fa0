// trust_authorizer.h: the Authorizer (node/ledger.h) of a node that belongs
// to a district. A record is valid iff its author held, at the record's
// timestamp, a grant or node certificate allowing its kind in its scope, by a
// chain back to the district root (node/trust/trust_engine.h). Records whose signer
// is not known yet wait as kPending and are re-decided whenever a trust record
// about their author arrives; the outcome depends only on the set of records.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "node/ledger.h"
#include "node/trust/trust_engine.h"

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

 private:
  // Recomputes the trust records' states and the facts table from all trust
  // records; adds to `affected` every key whose facts changed.
  Status RecomputeTrust(Store& store, std::vector<RecordId>& changed,
                        std::set<PublicKey>& affected);
  Result<TrustView> LoadView(Store& store);
  // Re-decides the stored non-trust records matching `q`.
  Status Reevaluate(Store& store, const RecordQuery& q, const TrustView& view,
                    std::vector<RecordId>& changed);

  std::string district_;
  PublicKey root_;
};

}  // namespace credmesh
