// trust_engine.h: the pure core of authorization. Given the complete set of
// trust records (genesis, certificates, grants, revocations) it computes which
// are valid and the facts they establish; given an author's facts it decides
// any other record. No storage, no clock: the outcome is a function of the
// record set alone, which is what makes arrival order irrelevant.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "node/trust/trust_records.h"
#include "protocol/record.h"
#include "storage/record_store.h"

namespace credmesh {

struct TrustDecision {
  RecordState state = RecordState::kPending;
  std::string reason;  // empty when valid
  bool operator==(const TrustDecision&) const = default;
};

// Facts grouped by the key they empower.
class TrustView {
 public:
  TrustView(std::string district, PublicKey root) : district_(std::move(district)), root_(root) {}
  void Add(const TrustFact& fact);
  // Roles `key` holds in effect at `hlc` covering `scope` (kRoot for the root).
  std::vector<Role> RolesAt(const PublicKey& key, uint64_t hlc, const std::string& scope) const;
  // True if `key` holds an educator, reviewer, issuer or admin grant in
  // effect at `hlc`, in any scope.
  bool HoldsPersonRoleAt(const PublicKey& key, uint64_t hlc) const;
  // True for the root and for keys with at least one valid grant/certificate.
  bool Knows(const PublicKey& key) const;
  const std::string& district() const { return district_; }
  const PublicKey& root() const { return root_; }

 private:
  std::string district_;
  PublicKey root_;
  std::map<PublicKey, std::vector<TrustFact>> by_subject_;
};

struct TrustInput {
  RecordId id;
  Record record;
};

struct TrustOutcome {
  std::vector<TrustFact> facts;                 // ordered by id
  std::map<RecordId, TrustDecision> decisions;  // one per input
};

// What deciding one trust record needs to know about the rest of the set.
// Both the full pass (ComputeTrust) and the incremental update
// (node/trust/trust_update.h) decide through DecideTrustRecord with their own
// context, so the two cannot drift apart.
class TrustContext {
 public:
  virtual ~TrustContext() = default;
  // Roles `key` held covering `scope` for the record at position (hlc, id) of
  // the (timestamp, id) order: facts issued before `hlc`, in their period,
  // and not revoked by a valid revocation ordered before (hlc, id).
  virtual Result<std::vector<Role>> RolesBefore(const PublicKey& key, uint64_t hlc,
                                                const RecordId& id, const std::string& scope) = 0;
  // The trust (or genesis) record `id` of the set, whatever its state; nullopt
  // when the set does not hold it.
  virtual Result<std::optional<Record>> FindTrustRecord(const RecordId& id) = 0;
};

// The outcome of deciding one trust record.
struct TrustStep {
  TrustDecision decision;           // final unless `unauthorized`
  std::optional<TrustFact> fact;    // a valid grant or certificate (revoked_hlc left kNever)
  std::optional<RecordId> revokes;  // a valid revocation's target
  // The signer held no authority: decision.reason is the denial. The record
  // is denied if its signer is known once every fact is settled, else pending
  // (SettleUnauthorized).
  bool unauthorized = false;
};

// Decides trust record `r` (id `id`) of district `district`, rooted at `root`.
// Fails only when `ctx` fails.
Result<TrustStep> DecideTrustRecord(const RecordId& id, const Record& r, TrustContext& ctx,
                                    const std::string& district, const PublicKey& root);

// The decision of a record whose signer lacked authority: denied with
// `denial` if the signer is known (Knows), else pending, waiting for a grant.
TrustDecision SettleUnauthorized(const PublicKey& signer, const std::string& denial,
                                 bool signer_known);

// Decides every trust record of `records` (any order; non-trust kinds are
// ignored). Records are considered in (timestamp, id) order: a grant is valid
// iff its signer held the authority to make it at the grant's timestamp;
// a revocation voids its target from the revocation's timestamp on.
TrustOutcome ComputeTrust(std::vector<TrustInput> records, const std::string& district,
                          const PublicKey& root);

// Decides a non-trust record from the facts of the district. Not allowed and
// author unknown: kPending (waiting for a grant); not allowed and author
// known: kDenied with the reason.
TrustDecision EvaluateRecord(const Record& record, const TrustView& view);

}  // namespace credmesh
