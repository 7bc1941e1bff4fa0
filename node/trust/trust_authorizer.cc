#include "node/trust/trust_authorizer.h"

#include <map>
#include <optional>
#include <set>

#include "node/trust/trust_index.h"

namespace credmesh {
namespace {

// Stores `d` for `row` if it differs from its stored state and reason;
// reports flips of validity.
Status Apply(RecordStore& rs, const RecordRow& row, const TrustDecision& d,
             std::vector<RecordId>& changed) {
  if (row.state == d.state && row.reason == d.reason) return Status::Ok();
  CREDMESH_RETURN_IF_ERROR(rs.SetState(row.id, d.state, d.reason));
  if ((row.state == RecordState::kValid) != (d.state == RecordState::kValid)) {
    changed.push_back(row.id);
  }
  return Status::Ok();
}

// Rows matching `q` with their decoded records.
Status Collect(RecordStore& rs, const RecordQuery& q,
               std::vector<std::pair<RecordRow, Record>>& out) {
  return rs.ForEach(q, [&](const RecordRow& row, ByteView bytes) {
    auto rec = DecodeRecord(bytes);
    if (!rec.ok()) return rec.status().WithContext("stored record " + row.id.hex());
    out.emplace_back(row, std::move(*rec));
    return Status::Ok();
  });
}

}  // namespace

Status TrustAuthorizer::Migrate(Database& db) { return TrustIndex::Migrate(db); }

Status TrustAuthorizer::Authorize(Store& store, const std::vector<const VerifiedRecord*>& fresh,
                                  std::vector<RecordId>& changed) {
  return TrustUpdate(store, district_, root_, work_).Run(fresh, changed);
}

Result<bool> TrustAuthorizer::Predecide(Store& store,
                                        const std::vector<const VerifiedRecord*>& records,
                                        std::vector<Decision>& decisions) {
  // Trust records change facts, and so other records' states: Authorize.
  for (const VerifiedRecord* r : records) {
    if (IsTrustKind(r->record().kind)) return false;
  }
  // A decision reads only its author's facts: load those of the batch's authors.
  TrustView view(district_, root_);
  TrustIndex index(store.db());
  std::set<PublicKey> authors;
  for (const VerifiedRecord* r : records) {
    if (!authors.insert(r->record().author).second) continue;
    CREDMESH_ASSIGN_OR_RETURN(auto facts, index.FactsOf(r->record().author));
    for (const TrustFact& f : facts) view.Add(f);
  }
  decisions.clear();
  decisions.reserve(records.size());
  for (const VerifiedRecord* r : records) {
    TrustDecision d = EvaluateRecord(r->record(), view);
    decisions.push_back({d.state, std::move(d.reason)});
  }
  return true;
}

namespace {

// Ids of records not valid matching `where` (binding `keys` in order),
// oldest arrival first, at most `limit`.
Result<std::vector<RecordId>> OldestNotValid(Database& db, const char* where,
                                             const std::vector<PublicKey>& keys, size_t limit) {
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st, db.Prepare(std::string("SELECT id FROM records WHERE state != 0 AND ") + where +
                               " ORDER BY rowid LIMIT ?"));
  int i = 1;
  for (const PublicKey& key : keys) st.Bind(i++, key.view());
  st.Bind(i, static_cast<int64_t>(limit));
  std::vector<RecordId> out;
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    auto id = RecordId::FromView(st.ColumnBlob(0));
    if (!id) return Status::Corruption("records: bad id");
    out.push_back(*id);
  }
  return out;
}

// Records not valid (pending or denied) matching `where` (binding `keys`),
// or all of them if `where` is null.
Result<size_t> CountNotValid(Database& db, const std::vector<PublicKey>& keys, const char* where) {
  std::string sql = "SELECT count(*) FROM records WHERE state != 0";
  if (where) sql += std::string(" AND ") + where;
  CREDMESH_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
  int i = 1;
  if (where) {
    for (const PublicKey& key : keys) st.Bind(i++, key.view());
  }
  CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? static_cast<size_t>(st.ColumnInt(0)) : size_t{0};
}

// Records of an unknown author (binds the root key, which is never unknown).
constexpr char kUnknownAuthor[] =
    "author != ? AND NOT EXISTS (SELECT 1 FROM trust_facts f WHERE f.subject = records.author)";
// Records of an unknown author that one peer delivered (binds the peer's
// key, then the root's).
constexpr char kUnknownAuthorFromPeer[] =
    "id IN (SELECT id FROM quarantine_sources WHERE peer = ?) AND author != ? AND NOT EXISTS "
    "(SELECT 1 FROM trust_facts f WHERE f.subject = records.author)";

// Forgets who delivered records that left quarantine (became valid) or the
// store; records stored by this very ingest were never noted.
Status ForgetSources(Database& db, const std::vector<const VerifiedRecord*>& fresh,
                     const std::vector<RecordId>& ids) {
  if (ids.empty()) return Status::Ok();
  {
    CREDMESH_ASSIGN_OR_RETURN(StatementLease any,
                              db.Cached("SELECT EXISTS(SELECT 1 FROM quarantine_sources)"));
    CREDMESH_ASSIGN_OR_RETURN(bool row, any->Step());
    if (!row || any->ColumnInt(0) == 0) return Status::Ok();
  }
  std::set<RecordId> fresh_ids;
  for (const VerifiedRecord* r : fresh) fresh_ids.insert(r->id());
  CREDMESH_ASSIGN_OR_RETURN(StatementLease del,
                            db.Cached("DELETE FROM quarantine_sources WHERE id = ?"));
  for (const RecordId& id : ids) {
    if (fresh_ids.count(id)) continue;
    CREDMESH_RETURN_IF_ERROR(del->Reset());
    del->Bind(1, id.view());
    CREDMESH_RETURN_IF_ERROR(del->Step().status());
  }
  return Status::Ok();
}

}  // namespace

Status TrustAuthorizer::Trim(Store& store, const std::vector<const VerifiedRecord*>& fresh,
                             const PublicKey* from, std::vector<RecordId>& changed,
                             std::vector<RecordId>& evicted) {
  Database& db = store.db();
  CREDMESH_RETURN_IF_ERROR(ForgetSources(db, fresh, changed));
  // Only records by unknown authors enter quarantine: look no further
  // unless some arrived.
  TrustIndex index(db);
  std::set<PublicKey> unknown, known;
  for (const VerifiedRecord* r : fresh) {
    const PublicKey& a = r->record().author;
    if (a == root_ || unknown.count(a) || known.count(a)) continue;
    CREDMESH_ASSIGN_OR_RETURN(bool has, index.HasFacts(a));
    (has ? known : unknown).insert(a);
  }
  if (unknown.empty()) return Status::Ok();
  if (from != nullptr) {
    // Charge the peer that brought them: quarantine per peer.
    CREDMESH_ASSIGN_OR_RETURN(
        StatementLease note,
        db.Cached("INSERT OR IGNORE INTO quarantine_sources(id, peer) VALUES (?, ?)"));
    for (const VerifiedRecord* r : fresh) {
      if (!unknown.count(r->record().author)) continue;
      CREDMESH_RETURN_IF_ERROR(note->Reset());
      note->Bind(1, r->id().view()).Bind(2, from->view());
      CREDMESH_RETURN_IF_ERROR(note->Step().status());
    }
  }
  std::vector<RecordId> victims;
  if (limits_.per_author > 0) {
    for (const PublicKey& a : unknown) {
      CREDMESH_ASSIGN_OR_RETURN(size_t n, CountNotValid(db, {a}, "author = ?"));
      if (n <= limits_.per_author) continue;
      CREDMESH_ASSIGN_OR_RETURN(auto oldest,
                                OldestNotValid(db, "author = ?", {a}, n - limits_.per_author));
      victims.insert(victims.end(), oldest.begin(), oldest.end());
    }
  }
  std::vector<TrustInput> trust_victims;
  auto remove = [&](const std::vector<RecordId>& ids) -> Status {
    CREDMESH_ASSIGN_OR_RETURN(StatementLease unsource,
                              db.Cached("DELETE FROM quarantine_sources WHERE id = ?"));
    for (const RecordId& id : ids) {
      CREDMESH_ASSIGN_OR_RETURN(auto row, store.records().GetRow(id));
      if (!row) continue;
      if (IsTrustKind(row->kind)) {
        CREDMESH_ASSIGN_OR_RETURN(auto bytes, store.records().GetBytes(id));
        auto rec = DecodeRecord(*bytes);
        if (!rec.ok()) return rec.status().WithContext("stored record " + id.hex());
        trust_victims.push_back({id, std::move(*rec)});
      }
      CREDMESH_RETURN_IF_ERROR(store.records().Delete(id));
      CREDMESH_RETURN_IF_ERROR(unsource->Reset());
      unsource->Bind(1, id.view());
      CREDMESH_RETURN_IF_ERROR(unsource->Step().status());
      evicted.push_back(id);
    }
    return Status::Ok();
  };
  CREDMESH_RETURN_IF_ERROR(remove(victims));
  if (from != nullptr && limits_.per_peer > 0) {
    // One peer may fill at most its share: its own oldest go first, so a
    // peer sending records of ever new keys cannot push out what others
    // brought.
    CREDMESH_ASSIGN_OR_RETURN(size_t n, CountNotValid(db, {*from, root_}, kUnknownAuthorFromPeer));
    if (n > limits_.per_peer) {
      CREDMESH_ASSIGN_OR_RETURN(auto oldest, OldestNotValid(db, kUnknownAuthorFromPeer,
                                                            {*from, root_}, n - limits_.per_peer));
      CREDMESH_RETURN_IF_ERROR(remove(oldest));
    }
  }
  if (limits_.total > 0) {
    // Counting every record not valid is cheap (a partial index); only when
    // that exceeds the quota are the unknown authors' ones counted.
    CREDMESH_ASSIGN_OR_RETURN(size_t n, CountNotValid(db, {}, nullptr));
    if (n > limits_.total) {
      CREDMESH_ASSIGN_OR_RETURN(n, CountNotValid(db, {root_}, kUnknownAuthor));
    }
    if (n > limits_.total) {
      CREDMESH_ASSIGN_OR_RETURN(auto oldest,
                                OldestNotValid(db, kUnknownAuthor, {root_}, n - limits_.total));
      CREDMESH_RETURN_IF_ERROR(remove(oldest));
    }
  }
  if (trust_victims.empty()) return Status::Ok();
  return TrustUpdate(store, district_, root_, work_).Forget(trust_victims, changed);
}

Status TrustAuthorizer::Reauthorize(Store& store, std::vector<RecordId>& changed) {
  RecordStore& rs = store.records();
  std::vector<std::pair<RecordRow, Record>> rows;
  RecordQuery q;
  q.kind_prefix = "trust.";
  CREDMESH_RETURN_IF_ERROR(Collect(rs, q, rows));
  RecordQuery g;
  g.kind = kGenesisKind;
  CREDMESH_RETURN_IF_ERROR(Collect(rs, g, rows));

  std::vector<TrustInput> inputs;
  std::vector<std::pair<RecordId, RecordId>> revocations;  // (target, revocation)
  inputs.reserve(rows.size());
  for (const auto& [row, rec] : rows) {
    inputs.push_back({row.id, rec});
    if (rec.kind != kRevokeKind) continue;
    if (auto rv = RevokeBody::Parse(rec.body); rv.ok())
      revocations.emplace_back(rv->target, row.id);
  }
  TrustOutcome out = ComputeTrust(std::move(inputs), district_, root_);
  for (const auto& [row, rec] : rows) {
    CREDMESH_RETURN_IF_ERROR(Apply(rs, row, out.decisions[row.id], changed));
  }
  TrustIndex index(store.db());
  CREDMESH_RETURN_IF_ERROR(index.ReplaceAll(out.facts));
  CREDMESH_RETURN_IF_ERROR(index.ReplaceRevocations(revocations));
  // Who delivered what matters only while it waits.
  CREDMESH_RETURN_IF_ERROR(store.db().Exec(
      "DELETE FROM quarantine_sources WHERE id NOT IN (SELECT id FROM records WHERE state != 0)"));

  TrustView view(district_, root_);
  for (const TrustFact& f : out.facts) view.Add(f);
  std::vector<std::pair<RecordRow, Record>> others;
  CREDMESH_RETURN_IF_ERROR(Collect(rs, RecordQuery{}, others));
  for (const auto& [row, rec] : others) {
    if (IsTrustKind(rec.kind)) continue;
    CREDMESH_RETURN_IF_ERROR(Apply(rs, row, EvaluateRecord(rec, view), changed));
  }
  return Status::Ok();
}

}  // namespace credmesh
