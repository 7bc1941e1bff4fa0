// trust_update.h: the incremental form of ComputeTrust (node/trust/trust_engine.h).
// When records arrive, it re-decides only the records whose outcome they can
// change, and leaves the stored states and the trust tables exactly as a full
// recompute (TrustAuthorizer::Reauthorize) would:
//   - a trust record's decision depends only on records before it in the
//     (timestamp, id) order: its signer's facts issued before it, the
//     revocations of those facts ordered before it, and the record a
//     revocation targets; and, for a signer without authority, on whether the
//     signer is known at all (pending vs denied);
//   - so the arriving trust records and the revocations waiting for them are
//     re-decided in (timestamp, id) order, and whenever a key's facts change,
//     that key's later trust records join the queue (all of them if the key
//     became known or unknown), then its other records are re-evaluated.
// A grant signed by an unknown key changes no fact: deciding it costs a few
// indexed look-ups, however many records are held.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "node/trust/trust_engine.h"
#include "node/trust/trust_index.h"
#include "storage/store.h"

namespace credmesh {

// Work done by TrustUpdate, counted so tests can tell incremental work from
// a recomputation of everything.
struct TrustWork {
  uint64_t trust_records_decided = 0;  // trust records read and decided
  uint64_t records_evaluated = 0;      // other records read and re-evaluated
};

class TrustUpdate final : public TrustContext {
 public:
  // REQUIRES: the trust tables are migrated; runs inside the caller's
  // transaction. `work` is added to.
  TrustUpdate(Store& store, const std::string& district, const PublicKey& root, TrustWork& work)
      : store_(store), index_(store.db()), district_(district), root_(root), work_(work) {}

  // Settles `fresh` (just stored as kPending with an empty reason) and every
  // stored record they affect. Appends to `changed` the
  // ids of records that became valid or stopped being valid.
  Status Run(const std::vector<const VerifiedRecord*>& fresh, std::vector<RecordId>& changed);

  // Settles what removing `removed` (already deleted from the store) changes.
  // REQUIRES: none of them was valid, so they established no fact: only
  // revocations targeting them can change (they wait again).
  Status Forget(const std::vector<TrustInput>& removed, std::vector<RecordId>& changed);

  Result<std::vector<Role>> RolesBefore(const PublicKey& key, uint64_t hlc, const RecordId& id,
                                        const std::string& scope) override;
  Result<std::optional<Record>> FindTrustRecord(const RecordId& id) override;

 private:
  using Position = std::pair<uint64_t, RecordId>;  // (timestamp, id)
  struct Stored {                                  // a record's state as stored now
    RecordState state;
    std::string reason;
  };

  Status Decide(const Position& at);
  Result<bool> Knows(const PublicKey& key);
  // The stored record `id`, if stored; fills `stored` with its state.
  Result<std::optional<Record>> LoadRecord(const RecordId& id, Stored* stored);
  // Stores `d` as the state of trust record `id`.
  Status SetState(const RecordId& id, const Stored& before, const TrustDecision& d);
  // Makes the fact of record `id` equal `fact` (nullopt: none).
  Status SetFact(const RecordId& id, std::optional<TrustFact> fact, const Position& at);
  // The validity of a revocation of `target` changed: refresh its fact.
  Status RevocationChanged(const RecordId& target, const Position& at);
  // `key`'s facts changed for records stamped `from` or later.
  Status SubjectChanged(const PublicKey& key, uint64_t from, bool knows_flipped,
                        const Position& at);
  Status FinishUnauthorized();
  // Decides the queue, then re-evaluates the other records affected.
  Status Settle(const std::vector<const VerifiedRecord*>& fresh, std::vector<RecordId>& changed);
  // Queues the revocations noted as targeting `id`.
  Status QueueRevocationsOf(const RecordId& id);
  Status ReevaluateOthers(const std::vector<const VerifiedRecord*>& fresh,
                          std::vector<RecordId>& changed);

  Store& store_;
  TrustIndex index_;
  const std::string& district_;
  const PublicKey& root_;
  TrustWork& work_;

  std::set<Position> queue_;
  std::map<RecordId, const Record*> fresh_records_;
  std::map<RecordId, bool> was_valid_;  // trust records touched: valid before the run?
  std::map<RecordId, bool> is_valid_;   // ... and now
  std::map<RecordId, std::pair<PublicKey, std::string>> unauthorized_;  // signer, denial
  std::map<PublicKey, uint64_t> others_from_;  // keys whose other records need re-evaluating
};

}  // namespace credmesh
