// ledger.h: the one path by which records enter a node, whether written
// locally, received from a peer or imported from a file:
//   verify (signature, id) -> refuse if from the future -> insert ->
//   authorize (trust) -> trim quarantine -> project (derived state), all in
//   one transaction.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "node/authorizer.h"
#include "node/projection.h"
#include "protocol/clock.h"
#include "protocol/hlc.h"
#include "protocol/record.h"
#include "storage/store.h"

namespace credmesh {

struct IngestSummary {
  size_t received = 0;
  size_t inserted = 0;    // new records stored (in any state)
  size_t duplicates = 0;  // already present: no-op
  size_t rejected = 0;    // failed decoding/verification: not stored
  // Stamped more than the allowed skew ahead of this node's clock: refused,
  // not stored (docs/records.md §6). Also counted in `rejected`.
  std::vector<RecordId> too_far_ahead;
  size_t valid = 0;    // of the inserted, valid at the end of the ingest
  size_t pending = 0;  // of the inserted, waiting
  size_t denied = 0;   // of the inserted, not authorized
  // Records evicted from quarantine (Authorizer::Trim) that were stored
  // before this ingest; inserted records evicted at once count in none of
  // valid, pending, denied.
  size_t evicted = 0;
  std::vector<std::string> errors;  // the first few rejection reasons
  IngestSummary& operator+=(const IngestSummary& o);
};

class Ledger {
 public:
  // `authorizer` may be null: every verified record is then valid (a
  // standalone node trusts what it holds). Pointers must outlive the ledger.
  // Runs each projection's AfterCommit once (work a crash left), then sets
  // the store's commit hook to run them after every commit, until the
  // ledger is destroyed.
  static Result<std::unique_ptr<Ledger>> Open(Store& store, Clock& clock, Authorizer* authorizer,
                                              std::vector<Projection*> projections);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Verifies (on `threads` threads) and ingests encoded records in one
  // transaction. Records failing verification or stamped too far in the
  // future are counted and skipped; the rest are stored. Fails only on a storage error, storing
  // nothing. Works in chunks of kIngestChunk: `threads` worker threads verify chunks while the
  // calling thread stores the verified ones in order (each settled as a batch of its own), so
  // storing overlaps verification.
  Result<IngestSummary> Ingest(std::vector<Bytes> encoded, unsigned threads = 1);
  static constexpr size_t kIngestChunk = 512;
  // `from`: the node key of the peer that delivered the records (a sync
  // session), null for local writes and imports: quarantine quotas per peer
  // (Authorizer::Trim) count what each peer brought.
  Result<IngestSummary> IngestVerified(const std::vector<VerifiedRecord>& records,
                                       const PublicKey* from = nullptr);

  // Creates, signs and stores a local record stamped with this node's clock.
  // Fails with Unauthorized, storing nothing, unless the record ends up valid.
  Result<VerifiedRecord> Write(std::string kind, std::string scope, std::string entity, Value body,
                               const SigningKey& key);

  // Recomputes every record state and all derived tables from the records.
  Status Rebuild();

  HybridClock& hlc() { return hlc_; }
  Store& store() { return store_; }
  // Runs every projection's AfterCommit; the first error (the others still
  // run). The commit hook calls it and keeps its error in
  // last_after_commit_error().
  Status RunAfterCommit();
  const Status& last_after_commit_error() const { return after_commit_error_; }

 private:
  Ledger(Store& store, Clock& clock, Authorizer* authorizer, std::vector<Projection*> projections)
      : store_(store),
        clock_(clock),
        hlc_(clock),
        authorizer_(authorizer),
        projections_(std::move(projections)) {}
  // Stores verified records in one transaction.
  Result<IngestSummary> StoreVerified(const std::vector<const VerifiedRecord*>& records,
                                      const PublicKey* from);
  // Inside an open transaction: inserts, authorizes and projects.
  Status IngestLocked(const std::vector<const VerifiedRecord*>& records, IngestSummary& summary,
                      std::vector<RecordId>* ids_out, const PublicKey* from = nullptr);
  // Authorizes `fresh` (unless `decided` already holds the ids of those that
  // became valid) and runs the projections over what changed.
  // Adds to `evicted` the records Trim deleted; `from` as for IngestVerified.
  Status Settle(const std::vector<const VerifiedRecord*>& fresh,
                const std::vector<RecordId>* decided, const PublicKey* from,
                std::vector<RecordId>& evicted);
  // True if a record stamped `ts` must be refused: it is too far ahead of
  // the wall clock and above everything this clock has reached.
  bool IsTooFarAhead(uint64_t ts);
  // Drops records an earlier version stored as "held" for being from the
  // future (this version refuses them); their senders offer them again.
  static Status DropLegacyHeld(Store& store);

  Store& store_;
  Clock& clock_;
  HybridClock hlc_;
  Authorizer* authorizer_;
  std::vector<Projection*> projections_;
  Status after_commit_error_;
};

}  // namespace credmesh
