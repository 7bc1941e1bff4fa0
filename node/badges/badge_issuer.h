// badge_issuer.h: the node side of badges — which keys issue for the
// district, what an award's badge states (read from the node's records and
// tables), the status-list index of each exported award, and the signed
// status list. Everything about the formats lives in open_badge.h,
// vc_proof.h and status_list.h; this file only gathers and signs.
// See docs/badges.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "node/badges/badge_verifier.h"
#include "node/badges/open_badge.h"
#include "node/trust/trust_engine.h"
#include "protocol/clock.h"
#include "storage/store.h"

namespace credmesh {

// The district's issuing keys, from this node's trust facts: the district
// root, and every key that held a valid issuer or admin grant covering
// public/<d> at the time in question (the roles that may write award.*).
class DistrictIssuerTrust final : public IssuerTrust {
 public:
  // Loads the trust facts of `db` (module "trust" must be migrated).
  static Result<DistrictIssuerTrust> Load(Database& db, const std::string& district,
                                          const PublicKey& root);
  Status Check(const PublicKey& key, int64_t at_ms) const override;

 private:
  explicit DistrictIssuerTrust(TrustView view) : view_(std::move(view)) {}
  TrustView view_;
};

// Status-list bookkeeping, SQLite module "badges": the bit each exported
// award owns in this node's status list. Local to the exporting node (not a
// projection: `rebuild` keeps it), because an index must never change once
// published.
class BadgeStatusIndex {
 public:
  static Status Migrate(Database& db);
  // REQUIRES: Migrate(db) succeeded.
  explicit BadgeStatusIndex(Database& db) : db_(db) {}
  // The award's index, allocating the next free one on first use.
  Result<uint64_t> IndexFor(const std::string& award_id);
  // Every (award id, index), by index.
  Result<std::vector<std::pair<std::string, uint64_t>>> All();

 private:
  Database& db_;
};

// The district's name from its genesis record ("District <d>" when not held).
Result<std::string> DistrictDisplayName(Store& store, const std::string& district);

struct BadgeRequest {
  std::string district;         // the node's district id
  std::string award;            // award or submission id (prefix ok)
  PublicKey signer;             // the key that will sign
  std::string status_list_url;  // where the status list is published; empty: no credentialStatus
};

// Gathers the content of the award's badge: the award (must be issued and
// not revoked); what it froze when issued (award_snapshot.h: the cited
// definition record, the district's name, the review's levels — for older
// awards the awarded version as held now, the genesis name and the deciding
// review); the educator's e-mail from the newest valid person.profile of any
// of their keys (node/trust/person_directory.h); and (with a status list URL)
// the award's status-list index. NotFound / FailedPrecondition with the
// reason when something is missing (e.g. the submission's school scope is not
// held here, so the review is unknown).
Result<BadgeContent> GatherBadgeContent(Store& store, const BadgeRequest& request);

// The content of an issued stack's badge (request.award: a stack award id,
// "award:stack:...", prefix ok): the stack award (must be active: neither
// revoked nor voided by revoked parts), the stack version and name it froze,
// each part's awarded title and the id of its own badge, the educator's
// e-mail and the status-list index, as GatherBadgeContent.
Result<StackBadgeContent> GatherStackBadgeContent(Store& store, const BadgeRequest& request);

// True for an id that names a stack award ("award:stack:...") rather than an
// award of a submission.
bool IsStackAwardId(const std::string& id);

// The signed (eddsa-jcs-2022) BitstringStatusListCredential of this node's
// exported awards: bit i is set iff the award holding index i is revoked
// (for a stack award: revoked, or voided by revoked parts).
Result<nlohmann::json> BuildSignedStatusList(Store& store, const std::string& list_url,
                                             const SigningKey& signer, Clock& clock);

}  // namespace credmesh
