#include "node/ledger.h"

#include <atomic>
#include <future>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "protocol/verify_batch.h"

namespace credmesh {

namespace {
constexpr size_t kMaxReportedErrors = 20;
}

IngestSummary& IngestSummary::operator+=(const IngestSummary& o) {
  received += o.received;
  inserted += o.inserted;
  duplicates += o.duplicates;
  rejected += o.rejected;
  too_far_ahead.insert(too_far_ahead.end(), o.too_far_ahead.begin(), o.too_far_ahead.end());
  valid += o.valid;
  pending += o.pending;
  denied += o.denied;
  evicted += o.evicted;
  for (const auto& e : o.errors) {
    if (errors.size() < kMaxReportedErrors) errors.push_back(e);
  }
  return *this;
}

Result<std::unique_ptr<Ledger>> Ledger::Open(Store& store, Clock& clock, Authorizer* authorizer,
                                             std::vector<Projection*> projections) {
  // Before the modules migrate, so none of them sees those records.
  CREDMESH_RETURN_IF_ERROR(DropLegacyHeld(store));
  if (authorizer) CREDMESH_RETURN_IF_ERROR(authorizer->Migrate(store.db()));
  for (Projection* p : projections) CREDMESH_RETURN_IF_ERROR(p->Migrate(store.db()));
  std::unique_ptr<Ledger> ledger(new Ledger(store, clock, authorizer, std::move(projections)));
  // Never stamp below what we already hold, even if the wall clock went back
  // while the node was down.
  CREDMESH_ASSIGN_OR_RETURN(uint64_t max_hlc, store.records().MaxHlc());
  ledger->hlc_.RaiseTo(max_hlc);
  // Finishes what a crash between a commit and its after-commit work left;
  // an error leaves the work queued, and must not keep the node from opening.
  ledger->after_commit_error_ = ledger->RunAfterCommit();
  Ledger* raw = ledger.get();
  store.db().SetCommitHook([raw] { raw->after_commit_error_ = raw->RunAfterCommit(); });
  return ledger;
}

Ledger::~Ledger() { store_.db().SetCommitHook({}); }

Status Ledger::RunAfterCommit() {
  Status first;
  for (Projection* p : projections_) {
    Status s = p->AfterCommit(store_);
    if (first.ok() && !s.ok()) first = s;
  }
  return first;
}

Status Ledger::DropLegacyHeld(Store& store) {
  static constexpr char kLegacyHeldReason[] =
      "timestamp too far in the future; held until the local clock catches up";
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st, store.db().Prepare("SELECT id FROM records WHERE state = ? AND reason = ?"));
  st.Bind(1, int64_t{static_cast<int>(RecordState::kPending)})
      .Bind(2, std::string_view(kLegacyHeldReason));
  std::vector<RecordId> held;
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    if (auto id = RecordId::FromView(st.ColumnBlob(0))) held.push_back(*id);
  }
  if (held.empty()) return Status::Ok();  // also keeps read-only opens read-only
  CREDMESH_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store.db()));
  for (const RecordId& id : held) CREDMESH_RETURN_IF_ERROR(store.records().Delete(id));
  return tx.Commit();
}

bool Ledger::IsTooFarAhead(uint64_t ts) {
  // A timestamp at or below our own clock cannot drag it forward, so it is
  // never refused; this also keeps local writes stamped after a restart with
  // a slow wall clock (see Open) from being refused.
  return ts > hlc_.last() && hlc_.IsTooFarInFuture(ts);
}

Status Ledger::Settle(const std::vector<const VerifiedRecord*>& fresh,
                      const std::vector<RecordId>* decided, const PublicKey* from,
                      std::vector<RecordId>& evicted) {
  std::vector<RecordId> changed;
  if (decided) {
    changed = *decided;
  } else if (authorizer_) {
    CREDMESH_RETURN_IF_ERROR(authorizer_->Authorize(store_, fresh, changed));
  } else {
    changed.reserve(fresh.size());
    for (const VerifiedRecord* r : fresh) changed.push_back(r->id());
  }
  if (authorizer_) {
    CREDMESH_RETURN_IF_ERROR(authorizer_->Trim(store_, fresh, from, changed, evicted));
  }
  if (changed.empty() || projections_.empty()) return Status::Ok();
  // Most changes are the fresh records themselves, already in memory; the
  // rest (older records an authorizer re-decided) are read back.
  std::map<RecordId, const Record*> known;
  for (const VerifiedRecord* r : fresh) known.emplace(r->id(), &r->record());
  std::vector<ChangedRecord> described;
  described.reserve(changed.size());
  for (const RecordId& id : changed) {
    if (auto it = known.find(id); it != known.end()) {
      described.push_back({id, it->second->kind, it->second->entity});
      continue;
    }
    CREDMESH_ASSIGN_OR_RETURN(auto row, store_.records().GetRow(id));
    if (row) described.push_back({id, row->kind, row->entity});
  }
  for (Projection* p : projections_) CREDMESH_RETURN_IF_ERROR(p->Apply(store_, described));
  return Status::Ok();
}

Status Ledger::IngestLocked(const std::vector<const VerifiedRecord*>& records,
                            IngestSummary& summary, std::vector<RecordId>* ids_out,
                            const PublicKey* from) {
  RecordStore& rs = store_.records();
  const int64_t now = clock_.NowMillis();
  const RecordState initial = authorizer_ ? RecordState::kPending : RecordState::kValid;
  std::vector<Authorizer::Decision> decisions;
  bool predecided = false;
  if (authorizer_) {
    CREDMESH_ASSIGN_OR_RETURN(predecided, authorizer_->Predecide(store_, records, decisions));
    if (predecided && decisions.size() != records.size()) {
      return Status::Internal("authorizer decided " + std::to_string(decisions.size()) + " of " +
                              std::to_string(records.size()) + " records");
    }
  }
  std::vector<const VerifiedRecord*> fresh;
  std::vector<RecordId> inserted, became_valid;
  fresh.reserve(records.size());
  inserted.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const VerifiedRecord* rec = records[i];
    const uint64_t ts = rec->record().hlc;
    if (IsTooFarAhead(ts)) {
      // Already stored (accepted when it was not yet too far ahead).
      CREDMESH_ASSIGN_OR_RETURN(bool stored, rs.Contains(rec->id()));
      if (stored) {
        ++summary.duplicates;
        continue;
      }
      ++summary.rejected;
      summary.too_far_ahead.push_back(rec->id());
      if (summary.errors.size() < kMaxReportedErrors) {
        summary.errors.push_back("record " + rec->id().hex().substr(0, 16) + ": timestamp (" +
                                 std::to_string(HybridClock::Millis(ts)) +
                                 " ms) is too far ahead of this node's clock");
      }
      continue;
    }
    RecordState state = initial;
    std::string_view reason;
    if (predecided) {
      state = decisions[i].state;
      reason = decisions[i].reason;
    }
    CREDMESH_ASSIGN_OR_RETURN(bool is_new, rs.Insert(*rec, state, reason, now));
    if (!is_new) {
      ++summary.duplicates;
      continue;
    }
    ++summary.inserted;
    inserted.push_back(rec->id());
    hlc_.Observe(ts);
    fresh.push_back(rec);
    if (!predecided) continue;
    if (state == RecordState::kValid) {
      became_valid.push_back(rec->id());
      ++summary.valid;
    } else if (state == RecordState::kPending) {
      ++summary.pending;
    } else {
      ++summary.denied;
    }
  }
  std::vector<RecordId> evicted;
  CREDMESH_RETURN_IF_ERROR(Settle(fresh, predecided ? &became_valid : nullptr, from, evicted));
  if (!evicted.empty()) {
    const std::set<RecordId> just_inserted(inserted.begin(), inserted.end());
    for (const RecordId& id : evicted) {
      if (just_inserted.count(id) == 0) {
        ++summary.evicted;
        continue;
      }
      // Counted above as decided; it is gone.
      if (!predecided) continue;
      for (size_t i = 0; i < records.size(); ++i) {
        if (records[i]->id() != id) continue;
        --(decisions[i].state == RecordState::kValid     ? summary.valid
           : decisions[i].state == RecordState::kPending ? summary.pending
                                                         : summary.denied);
        break;
      }
    }
  }
  if (predecided) {
    // Counted above.
  } else if (!authorizer_) {
    summary.valid += inserted.size();
  } else {
    for (const RecordId& id : inserted) {
      CREDMESH_ASSIGN_OR_RETURN(auto row, rs.GetRow(id));
      if (!row) continue;  // evicted from quarantine at once (Authorizer::Trim)
      if (row->state == RecordState::kValid)
        ++summary.valid;
      else if (row->state == RecordState::kPending)
        ++summary.pending;
      else
        ++summary.denied;
    }
  }
  if (ids_out) *ids_out = std::move(inserted);
  return Status::Ok();
}

Result<IngestSummary> Ledger::StoreVerified(const std::vector<const VerifiedRecord*>& records,
                                            const PublicKey* from) {
  IngestSummary summary;
  summary.received = records.size();
  CREDMESH_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_.db()));
  CREDMESH_RETURN_IF_ERROR(IngestLocked(records, summary, nullptr, from));
  CREDMESH_RETURN_IF_ERROR(tx.Commit());
  return summary;
}

Result<IngestSummary> Ledger::IngestVerified(const std::vector<VerifiedRecord>& records,
                                             const PublicKey* from) {
  std::vector<const VerifiedRecord*> ptrs;
  ptrs.reserve(records.size());
  for (const auto& r : records) ptrs.push_back(&r);
  return StoreVerified(ptrs, from);
}

namespace {

// Verifies a batch in chunks of Ledger::kIngestChunk on `threads` worker
// threads, each taking the next unclaimed chunk, while the caller takes the
// verified chunks in order. Destruction stops the workers after their
// current chunk and joins them.
class ChunkVerifier {
 public:
  using Chunk = std::vector<Result<VerifiedRecord>>;
  ChunkVerifier(std::vector<Bytes>& encoded, unsigned threads)
      : encoded_(encoded),
        chunks_((encoded.size() + Ledger::kIngestChunk - 1) / Ledger::kIngestChunk) {
    for (auto& chunk : chunks_) ready_.push_back(chunk.get_future());
    const size_t n = std::min<size_t>(std::max(1u, threads), chunks_.size());
    for (size_t t = 0; t < n; ++t) workers_.emplace_back([this] { Work(); });
  }
  ChunkVerifier(const ChunkVerifier&) = delete;
  ChunkVerifier& operator=(const ChunkVerifier&) = delete;
  ~ChunkVerifier() {
    stop_ = true;
    for (auto& w : workers_) w.join();
  }
  size_t size() const { return ready_.size(); }
  // Waits for chunk c (in order: each chunk is taken once).
  Chunk Take(size_t c) { return ready_[c].get(); }

 private:
  void Work() {
    while (!stop_) {
      const size_t c = next_++;
      if (c >= chunks_.size()) return;
      const size_t first = c * Ledger::kIngestChunk;
      const size_t last = std::min(encoded_.size(), first + Ledger::kIngestChunk);
      std::vector<Bytes> part(
          std::make_move_iterator(encoded_.begin() + static_cast<ptrdiff_t>(first)),
          std::make_move_iterator(encoded_.begin() + static_cast<ptrdiff_t>(last)));
      chunks_[c].set_value(VerifyRecords(std::move(part), 1));
    }
  }
  std::vector<Bytes>& encoded_;
  std::vector<std::promise<Chunk>> chunks_;
  std::vector<std::future<Chunk>> ready_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> stop_{false};
  std::vector<std::thread> workers_;
};

}  // namespace

Result<IngestSummary> Ledger::Ingest(std::vector<Bytes> encoded, unsigned threads) {
  IngestSummary summary;
  summary.received = encoded.size();
  CREDMESH_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_.db()));
  // Verification runs on worker threads while this one stores the chunks
  // already verified, so storing costs no verification time.
  ChunkVerifier verifier(encoded, threads);
  std::vector<const VerifiedRecord*> ok;
  for (size_t c = 0; c < verifier.size(); ++c) {
    const ChunkVerifier::Chunk results = verifier.Take(c);
    ok.clear();
    for (size_t i = 0; i < results.size(); ++i) {
      if (results[i].ok()) {
        ok.push_back(&*results[i]);
        continue;
      }
      ++summary.rejected;
      if (summary.errors.size() < kMaxReportedErrors) {
        summary.errors.push_back("record #" + std::to_string(c * kIngestChunk + i) + ": " +
                                 results[i].status().message());
      }
    }
    // A chunk settles like a batch of its own, inside the one transaction.
    if (!ok.empty()) CREDMESH_RETURN_IF_ERROR(IngestLocked(ok, summary, nullptr));
  }
  CREDMESH_RETURN_IF_ERROR(tx.Commit());
  return summary;
}

Result<VerifiedRecord> Ledger::Write(std::string kind, std::string scope, std::string entity,
                                     Value body, const SigningKey& key) {
  CREDMESH_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_.db()));
  CREDMESH_ASSIGN_OR_RETURN(
      VerifiedRecord rec,
      VerifiedRecord::Create(std::move(kind), std::move(scope), std::move(entity), hlc_.Now(),
                             std::move(body), key));
  IngestSummary summary;
  CREDMESH_RETURN_IF_ERROR(IngestLocked({&rec}, summary, nullptr));
  if (summary.valid == 0) {  // IngestLocked already read the state; fetch the reason
    CREDMESH_ASSIGN_OR_RETURN(auto row, store_.records().GetRow(rec.id()));
    if (!row) return Status::Internal("written record vanished");
    if (row->state != RecordState::kValid) {
      // The transaction rolls back: a refused local write leaves no trace.
      return Status::Unauthorized(row->reason.empty() ? "record refused" : row->reason);
    }
  }
  CREDMESH_RETURN_IF_ERROR(tx.Commit());
  return rec;
}

Status Ledger::Rebuild() {
  CREDMESH_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_.db()));
  for (Projection* p : projections_) CREDMESH_RETURN_IF_ERROR(p->Clear(store_.db()));
  std::vector<RecordId> ignored;
  if (authorizer_) CREDMESH_RETURN_IF_ERROR(authorizer_->Reauthorize(store_, ignored));
  RecordQuery q;
  q.state = RecordState::kValid;
  std::vector<ChangedRecord> valid;
  CREDMESH_RETURN_IF_ERROR(store_.records().ForEach(q, [&](const RecordRow& r, ByteView) {
    valid.push_back({r.id, r.kind, r.entity});
    return Status::Ok();
  }));
  for (Projection* p : projections_) CREDMESH_RETURN_IF_ERROR(p->Apply(store_, valid));
  return tx.Commit();
}

}  // namespace credmesh
