#include "node/ledger.h"

#include <atomic>
#include <future>
#include <iterator>
#include <map>
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
  valid += o.valid;
  pending += o.pending;
  denied += o.denied;
  for (const auto& e : o.errors) {
    if (errors.size() < kMaxReportedErrors) errors.push_back(e);
  }
  return *this;
}

Result<std::unique_ptr<Ledger>> Ledger::Open(Store& store, Clock& clock, Authorizer* authorizer,
                                             std::vector<Projection*> projections) {
  if (authorizer) CREDMESH_RETURN_IF_ERROR(authorizer->Migrate(store.db()));
  for (Projection* p : projections) CREDMESH_RETURN_IF_ERROR(p->Migrate(store.db()));
  std::unique_ptr<Ledger> ledger(new Ledger(store, clock, authorizer, std::move(projections)));
  // Never stamp below what we already hold, even if the wall clock went back
  // while the node was down: raise the clock to the newest timestamp it had
  // accepted, which excludes records held for being too far in the future
  // (those never moved the clock), however far ahead of the wall clock it is.
  CREDMESH_ASSIGN_OR_RETURN(uint64_t max_hlc, MaxAcceptedHlc(store));
  ledger->hlc_.RaiseTo(max_hlc);
  return ledger;
}

Result<uint64_t> Ledger::MaxAcceptedHlc(Store& store) {
  CREDMESH_ASSIGN_OR_RETURN(uint64_t max_hlc, store.records().MaxHlc());
  if (max_hlc == 0) return max_hlc;
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st,
      store.db().Prepare("SELECT hlc FROM records WHERE NOT (state = ? AND reason = ?) "
                         "ORDER BY hlc DESC LIMIT 1"));
  st.Bind(1, int64_t{static_cast<int>(RecordState::kPending)})
      .Bind(2, std::string_view(kHeldFutureReason));
  CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? static_cast<uint64_t>(st.ColumnInt(0)) : uint64_t{0};
}

bool Ledger::ShouldHold(uint64_t ts) {
  // A timestamp at or below our own clock cannot drag it forward, so it is
  // never held; this also keeps local writes stamped after a restart with a
  // slow wall clock (see Open) from being held.
  return ts > hlc_.last() && hlc_.IsTooFarInFuture(ts);
}

Status Ledger::Settle(const std::vector<const VerifiedRecord*>& fresh,
                      const std::vector<RecordId>* decided) {
  std::vector<RecordId> changed;
  if (decided) {
    changed = *decided;
  } else if (authorizer_) {
    CREDMESH_RETURN_IF_ERROR(authorizer_->Authorize(store_, fresh, changed));
  } else {
    changed.reserve(fresh.size());
    for (const VerifiedRecord* r : fresh) changed.push_back(r->id());
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
                            IngestSummary& summary, std::vector<RecordId>* ids_out) {
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
  size_t held_count = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const VerifiedRecord* rec = records[i];
    const uint64_t ts = rec->record().hlc;
    const bool held = ShouldHold(ts);
    RecordState state = initial;
    std::string_view reason = "";
    if (held) {
      state = RecordState::kPending;
      reason = kHeldFutureReason;
    } else if (predecided) {
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
    if (held) {
      ++held_count;
      continue;
    }
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
  CREDMESH_RETURN_IF_ERROR(Settle(fresh, predecided ? &became_valid : nullptr));
  if (predecided) {
    summary.pending += held_count;  // the rest was counted above
  } else if (!authorizer_ && inserted.size() == fresh.size()) {
    summary.valid += inserted.size();
  } else {
    for (const RecordId& id : inserted) {
      CREDMESH_ASSIGN_OR_RETURN(auto row, rs.GetRow(id));
      if (!row) return Status::Internal("inserted record vanished");
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

Result<IngestSummary> Ledger::StoreVerified(const std::vector<const VerifiedRecord*>& records) {
  IngestSummary summary;
  summary.received = records.size();
  CREDMESH_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_.db()));
  CREDMESH_RETURN_IF_ERROR(IngestLocked(records, summary, nullptr));
  CREDMESH_RETURN_IF_ERROR(tx.Commit());
  return summary;
}

Result<IngestSummary> Ledger::IngestVerified(std::vector<VerifiedRecord> records) {
  std::vector<const VerifiedRecord*> ptrs;
  ptrs.reserve(records.size());
  for (const auto& r : records) ptrs.push_back(&r);
  return StoreVerified(ptrs);
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
    for (size_t c = 0; c < chunks_.size(); ++c) ready_.push_back(chunks_[c].get_future());
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

Result<IngestSummary> Ledger::ReleaseHeld() {
  RecordQuery q;
  q.state = RecordState::kPending;
  CREDMESH_ASSIGN_OR_RETURN(auto rows, store_.records().List(q));
  std::vector<VerifiedRecord> due;
  for (const auto& row : rows) {
    if (row.reason != kHeldFutureReason || ShouldHold(row.hlc)) continue;
    CREDMESH_ASSIGN_OR_RETURN(VerifiedRecord rec, store_.records().Load(row.id));
    due.push_back(std::move(rec));
  }
  IngestSummary summary;
  if (due.empty()) return summary;
  CREDMESH_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_.db()));
  std::vector<const VerifiedRecord*> fresh;
  const RecordState next = authorizer_ ? RecordState::kPending : RecordState::kValid;
  for (const auto& rec : due) {
    CREDMESH_RETURN_IF_ERROR(store_.records().SetState(rec.id(), next, ""));
    hlc_.Observe(rec.record().hlc);
    fresh.push_back(&rec);
  }
  CREDMESH_RETURN_IF_ERROR(Settle(fresh));
  CREDMESH_RETURN_IF_ERROR(tx.Commit());
  summary.received = due.size();
  return summary;
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
