#include "node/sync/sync_backend.h"

#include <set>
#include <utility>

namespace credmesh {
namespace {

Result<int64_t> QueryInt(Database& db, const char* sql) {
  CREDMESH_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
  CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.ColumnInt(0) : int64_t{0};
}

}  // namespace

Status ScopeItemCache::Load(const std::string& scope, Entry& e) {
  ++loads_;
  e.items = MemoryItemSource();
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st,
      store_.db().Prepare("SELECT hlc, id FROM records WHERE scope = ? AND state = 0"));
  st.Bind(1, scope);
  std::vector<SyncItem> items;
  for (;;) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    auto id = RecordId::FromView(st.ColumnBlob(1));
    if (!id) return Status::Corruption("records: bad id in scope " + scope);
    items.push_back({static_cast<uint64_t>(st.ColumnInt(0)), *id});
  }
  return e.items.Insert(items);
}

Result<const MemoryItemSource*> ScopeItemCache::Get(const std::string& scope) {
  if (max_rowid_ < 0) CREDMESH_RETURN_IF_ERROR(Refresh());
  auto it = scopes_.find(scope);
  if (it == scopes_.end()) {
    auto e = std::make_unique<Entry>();
    CREDMESH_RETURN_IF_ERROR(Load(scope, *e));
    it = scopes_.emplace(scope, std::move(e)).first;
  }
  return &it->second->items;
}

Status ScopeItemCache::Add(const std::string& scope, const SyncItem& item) {
  auto it = scopes_.find(scope);
  if (it == scopes_.end()) return Status::Ok();  // loaded from the table when first needed
  return it->second->items.Insert(item);
}

void ScopeItemCache::Prepare(const std::string& scope) {
  auto it = scopes_.find(scope);
  if (it != scopes_.end()) it->second->items.Prepare();
}

size_t ScopeItemCache::Size(const std::string& scope) {
  auto it = scopes_.find(scope);
  return it == scopes_.end() ? 0 : it->second->items.size();
}

void ScopeItemCache::Reset() {
  scopes_.clear();
  max_rowid_ = -1;
  log_seq_ = 0;
  last_refused_.clear();
}

Status ScopeItemCache::Refresh() {
  Database& db = store_.db();
  if (max_rowid_ < 0) {
    CREDMESH_ASSIGN_OR_RETURN(log_seq_,
                              QueryInt(db, "SELECT coalesce(max(seq), 0) FROM record_state_log"));
    CREDMESH_ASSIGN_OR_RETURN(max_rowid_,
                              QueryInt(db, "SELECT coalesce(max(rowid), 0) FROM records"));
    return Status::Ok();
  }
  // Validity changes first, then new rows: a record read below as new is
  // read in its current state, and a change to it after that is logged
  // after what is read here, so the next call sees it.
  const int64_t seen_rowid = max_rowid_;
  std::set<std::string> stale;
  CREDMESH_ASSIGN_OR_RETURN(int64_t oldest,
                            QueryInt(db, "SELECT coalesce(min(seq), 0) FROM record_state_log"));
  // Entries this cache never read were dropped from the log: reload all.
  const bool missed = oldest > log_seq_ + 1;
  {
    CREDMESH_ASSIGN_OR_RETURN(
        Statement st,
        db.Prepare("SELECT seq, row, scope FROM record_state_log WHERE seq > ? ORDER BY seq"));
    st.Bind(1, log_seq_);
    for (;;) {
      CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      log_seq_ = st.ColumnInt(0);
      // A row above those seen is read below, in its current state.
      if (st.ColumnInt(1) <= seen_rowid) stale.insert(st.ColumnText(2));
    }
  }
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st,
      db.Prepare(
          "SELECT rowid, scope, hlc, id, state FROM records WHERE rowid > ? ORDER BY rowid"));
  st.Bind(1, max_rowid_);
  for (;;) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    max_rowid_ = st.ColumnInt(0);
    auto id = RecordId::FromView(st.ColumnBlob(3));
    if (!id) return Status::Corruption("records: bad id");
    if (st.ColumnInt(4) != static_cast<int>(RecordState::kValid)) {
      last_refused_.push_back(*id);
      continue;
    }
    CREDMESH_RETURN_IF_ERROR(Add(st.ColumnText(1), {static_cast<uint64_t>(st.ColumnInt(2)), *id}));
  }
  // A stored record changed validity (a grant arrived, a revocation, a
  // deletion): only its scope's set may be stale.
  for (auto& [scope, e] : scopes_) {
    if (missed || stale.count(scope)) CREDMESH_RETURN_IF_ERROR(Load(scope, *e));
  }
  return Status::Ok();
}

Result<const ItemSource*> LedgerSyncBackend::Items(const std::string& scope) {
  CREDMESH_ASSIGN_OR_RETURN(const MemoryItemSource* items, cache_.Get(scope));
  return static_cast<const ItemSource*>(items);
}

Status LedgerSyncBackend::Fetch(const std::string& scope, const std::vector<RecordId>& ids,
                                std::vector<Bytes>& out, std::vector<RecordId>& missing) {
  CREDMESH_ASSIGN_OR_RETURN(
      StatementLease st,
      store_.db().Cached("SELECT bytes FROM records WHERE id = ? AND scope = ? AND state = 0"));
  for (const RecordId& id : ids) {
    CREDMESH_RETURN_IF_ERROR(st->Reset());
    st->Bind(1, id.view()).Bind(2, scope);
    CREDMESH_ASSIGN_OR_RETURN(bool row, st->Step());
    if (row) {
      out.push_back(st->ColumnBlob(0));
    } else {
      missing.push_back(id);
    }
  }
  return Status::Ok();
}

void LedgerSyncBackend::ScopeCompleted(const std::string& scope) { cache_.Prepare(scope); }

LedgerSyncBackend::~LedgerSyncBackend() { (void)Flush(); }

Status LedgerSyncBackend::Flush() {
  if (!group_) return Status::Ok();
  Status s = group_->Commit();
  group_.reset();  // rolls back if the commit failed
  const size_t records = std::exchange(group_records_, 0);
  if (!s.ok()) {
    // The item sets already hold the group's records.
    cache_.Reset();
    return s.WithContext("commit of " + std::to_string(records) +
                         " received records failed; none of them were kept");
  }
  return s;
}

Status LedgerSyncBackend::Recover(Status failure, size_t call_records) {
  if (group_ && sqlite3_get_autocommit(store_.db().handle()) == 0) {
    group_records_ -= call_records;  // only this call's records were undone
    return failure;
  }
  // No transaction is open any more: SQLite rolled the group back.
  const size_t lost = std::exchange(group_records_, 0) - call_records;
  group_.reset();
  cache_.Reset();
  if (lost == 0) return failure;
  return failure.WithContext("the " + std::to_string(lost) +
                             " records received since the last commit were rolled back too");
}

Result<SyncIngestResult> LedgerSyncBackend::Ingest(std::vector<VerifiedRecord> records,
                                                   const PublicKey& from) {
  if (!group_) {
    CREDMESH_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_.db()));
    group_.emplace(std::move(tx));
  }
  const size_t call_records = records.size();
  group_records_ += call_records;
  // Nested in the group: a failure undoes this call's records only, unless
  // SQLite rolled back the whole group (Recover).
  auto ingested = ledger_.IngestVerified(records, &from);
  if (!ingested.ok()) return Recover(ingested.status(), call_records);
  const IngestSummary& s = *ingested;
  if (group_records_ >= group_limit_) CREDMESH_RETURN_IF_ERROR(Flush());
  SyncIngestResult r;
  r.inserted = s.inserted;
  r.duplicates = s.duplicates;
  r.refused = s.too_far_ahead;  // not stored: ERROR 422 (docs/protocol.md §9.3)
  if (!cache_.Refresh().ok()) {
    // The records are stored; the sets load again from the table.
    cache_.Reset();
  }
  if (s.denied > 0) {
    for (const RecordId& id : cache_.TakeRefused()) {
      auto row = store_.records().GetRow(id);
      if (row.ok() && *row && (*row)->state == RecordState::kDenied) r.refused.push_back(id);
    }
  } else {
    cache_.TakeRefused();
  }
  return r;
}

}  // namespace credmesh
