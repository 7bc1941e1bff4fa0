// authorizer.h: the interface by which the ledger asks the trust layer which
// stored records are valid (implemented by node/trust's TrustAuthorizer).
#pragma once

#include <string>
#include <vector>

#include "protocol/record.h"
#include "protocol/status.h"
#include "storage/store.h"

namespace credmesh {

// Decides which stored records are valid. Implemented by the trust layer.
class Authorizer {
 public:
  virtual ~Authorizer() = default;
  virtual Status Migrate(Database& db) = 0;
  // Runs inside the ingest transaction after `fresh` were inserted with state
  // kPending and an empty reason. Must settle the state of every fresh record, of older pending
  // records the fresh ones unblock, and of older records whose validity the
  // fresh ones change (revocations). Appends to `changed` the ids of records
  // that became valid or stopped being valid.
  virtual Status Authorize(Store& store, const std::vector<const VerifiedRecord*>& fresh,
                           std::vector<RecordId>& changed) = 0;
  // Recomputes every record's state from scratch (used by rebuild).
  virtual Status Reauthorize(Store& store, std::vector<RecordId>& changed) = 0;
  // Runs inside the ingest transaction once `fresh` are decided: may delete
  // records that count for nothing (quarantine over its quota), settling
  // what that changes; appends to `changed` like Authorize and to `evicted`
  // the ids it deleted. `from` is the node key of the peer that delivered
  // `fresh` (null for local writes and imports); `changed` already holds
  // the ids Authorize reported.
  virtual Status Trim(Store& store, const std::vector<const VerifiedRecord*>& fresh,
                      const PublicKey* from, std::vector<RecordId>& changed,
                      std::vector<RecordId>& evicted) {
    (void)store, (void)fresh, (void)from, (void)changed, (void)evicted;
    return Status::Ok();
  }

  // A fast path for the common batch: records whose states follow from what
  // is already stored and that change no other record's state (no trust
  // records among them). Then fills `decisions` (one per record, in order)
  // and returns true: the ledger stores them so decided and skips
  // Authorize. Returns false when the batch needs Authorize.
  struct Decision {
    RecordState state = RecordState::kPending;
    std::string reason;
  };
  virtual Result<bool> Predecide(Store& store, const std::vector<const VerifiedRecord*>& records,
                                 std::vector<Decision>& decisions) {
    (void)store, (void)records, (void)decisions;
    return false;
  }
};

}  // namespace credmesh
