#include "node/trust/trust_index.h"

#include "storage/migrations.h"
#include "storage/record_store.h"

namespace credmesh {
namespace {

const Migration kMigrations[] = {
    {1,
     "CREATE TABLE trust_facts("
     " id BLOB PRIMARY KEY,"
     " subject BLOB NOT NULL,"
     " role TEXT NOT NULL,"
     " scope TEXT NOT NULL,"
     " issued_hlc INTEGER NOT NULL,"
     " not_before INTEGER NOT NULL,"
     " not_after INTEGER NOT NULL,"
     " revoked_hlc INTEGER NOT NULL,"
     " name TEXT NOT NULL) WITHOUT ROWID;"
     "CREATE INDEX trust_facts_by_subject ON trust_facts(subject);"},
    {2,
     "CREATE TABLE trust_revocations("
     " target BLOB NOT NULL,"
     " revocation BLOB NOT NULL,"
     " PRIMARY KEY(target, revocation)) WITHOUT ROWID;"},
    // Which peer delivered each record that entered quarantine (its author
    // unknown here), for the per-peer quota (trust_authorizer.h).
    {3,
     "CREATE TABLE quarantine_sources("
     " id BLOB PRIMARY KEY,"
     " peer BLOB NOT NULL) WITHOUT ROWID;"
     "CREATE INDEX quarantine_sources_by_peer ON quarantine_sources(peer);"},
};

// Notes every stored revocation (for databases made before version 2).
Status NoteStoredRevocations(Database& db) {
  std::vector<std::pair<RecordId, RecordId>> pairs;
  RecordQuery q;
  q.kind = kRevokeKind;
  CREDMESH_RETURN_IF_ERROR(RecordStore(db).ForEach(q, [&](const RecordRow& row, ByteView bytes) {
    auto rec = DecodeRecord(bytes);
    if (!rec.ok()) return rec.status().WithContext("stored record " + row.id.hex());
    if (auto rv = RevokeBody::Parse(rec->body); rv.ok()) pairs.emplace_back(rv->target, row.id);
    return Status::Ok();
  }));
  return TrustIndex(db).ReplaceRevocations(pairs);
}

Role RoleFromName(const std::string& name) {
  if (name == "school") return Role::kSchoolNode;
  if (name == "hub") return Role::kHubNode;
  Role r = Role::kEducator;
  ParsePersonRole(name, r);
  return r;
}

}  // namespace

Status TrustIndex::Migrate(Database& db) {
  CREDMESH_ASSIGN_OR_RETURN(int before, SchemaVersion(db, "trust"));
  if (before != 1) return ApplyMigrations(db, "trust", kMigrations);
  // Version 1 kept no trust_revocations: create and fill it in one step.
  CREDMESH_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
  CREDMESH_RETURN_IF_ERROR(ApplyMigrations(db, "trust", kMigrations));
  CREDMESH_RETURN_IF_ERROR(NoteStoredRevocations(db));
  return tx.Commit();
}

Result<bool> TrustIndex::TablesExist(Database& db) {
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st,
      db.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'trust_facts'"));
  return st.Step();
}

Result<std::vector<TrustFact>> TrustIndex::Query(const char* column,
                                                 std::optional<ByteView> value) {
  std::string sql =
      "SELECT id, subject, role, scope, issued_hlc, not_before, not_after, revoked_hlc, name"
      " FROM trust_facts";
  if (value) sql += std::string(" WHERE ") + column + " = ?";
  sql += " ORDER BY id";
  CREDMESH_ASSIGN_OR_RETURN(StatementLease st, db_.Cached(sql));
  if (value) st->Bind(1, *value);
  std::vector<TrustFact> out;
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    TrustFact f;
    auto id = RecordId::FromView(st->ColumnBlob(0));
    auto key = PublicKey::FromView(st->ColumnBlob(1));
    if (!id || !key) return Status::Corruption("trust_facts row with a malformed id or key");
    f.id = *id;
    f.subject = *key;
    f.role = RoleFromName(st->ColumnText(2));
    f.scope = st->ColumnText(3);
    f.issued_hlc = static_cast<uint64_t>(st->ColumnInt(4));
    f.not_before_ms = st->ColumnInt(5);
    f.not_after_ms = st->ColumnInt(6);
    f.revoked_hlc = static_cast<uint64_t>(st->ColumnInt(7));
    f.name = st->ColumnText(8);
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<TrustFact>> TrustIndex::LoadAll() { return Query("", std::nullopt); }

Result<std::vector<TrustFact>> TrustIndex::FactsOf(const PublicKey& subject) {
  return Query("subject", subject.view());
}

Result<bool> TrustIndex::HasFacts(const PublicKey& subject) {
  CREDMESH_ASSIGN_OR_RETURN(StatementLease st,
                            db_.Cached("SELECT 1 FROM trust_facts WHERE subject = ? LIMIT 1"));
  st->Bind(1, subject.view());
  return st->Step();
}

Result<std::optional<TrustFact>> TrustIndex::Fact(const RecordId& id) {
  CREDMESH_ASSIGN_OR_RETURN(auto facts, Query("id", id.view()));
  if (facts.empty()) return std::optional<TrustFact>();
  return std::optional<TrustFact>(std::move(facts.front()));
}

Status TrustIndex::Put(const TrustFact& f) {
  CREDMESH_ASSIGN_OR_RETURN(
      StatementLease st,
      db_.Cached("INSERT OR REPLACE INTO trust_facts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st->Bind(1, f.id.view()).Bind(2, f.subject.view()).Bind(3, RoleName(f.role)).Bind(4, f.scope);
  st->Bind(5, static_cast<int64_t>(f.issued_hlc)).Bind(6, f.not_before_ms).Bind(7, f.not_after_ms);
  st->Bind(8, static_cast<int64_t>(f.revoked_hlc)).Bind(9, f.name);
  return st->Run();
}

Status TrustIndex::Remove(const RecordId& id) {
  CREDMESH_ASSIGN_OR_RETURN(StatementLease st, db_.Cached("DELETE FROM trust_facts WHERE id = ?"));
  st->Bind(1, id.view());
  return st->Run();
}

Status TrustIndex::ReplaceAll(const std::vector<TrustFact>& facts) {
  CREDMESH_RETURN_IF_ERROR(db_.Exec("DELETE FROM trust_facts"));
  for (const TrustFact& f : facts) CREDMESH_RETURN_IF_ERROR(Put(f));
  return Status::Ok();
}

Status TrustIndex::AddRevocation(const RecordId& target, const RecordId& revocation) {
  CREDMESH_ASSIGN_OR_RETURN(StatementLease st,
                            db_.Cached("INSERT OR IGNORE INTO trust_revocations VALUES (?, ?)"));
  st->Bind(1, target.view()).Bind(2, revocation.view());
  return st->Run();
}

Status TrustIndex::RemoveRevocation(const RecordId& target, const RecordId& revocation) {
  CREDMESH_ASSIGN_OR_RETURN(
      StatementLease st,
      db_.Cached("DELETE FROM trust_revocations WHERE target = ? AND revocation = ?"));
  st->Bind(1, target.view()).Bind(2, revocation.view());
  return st->Run();
}

Result<std::vector<RecordId>> TrustIndex::RevocationsOf(const RecordId& target) {
  CREDMESH_ASSIGN_OR_RETURN(
      StatementLease st, db_.Cached("SELECT revocation FROM trust_revocations WHERE target = ?"));
  st->Bind(1, target.view());
  std::vector<RecordId> out;
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    auto id = RecordId::FromView(st->ColumnBlob(0));
    if (!id) return Status::Corruption("trust_revocations row with a malformed id");
    out.push_back(*id);
  }
  return out;
}

Status TrustIndex::ReplaceRevocations(const std::vector<std::pair<RecordId, RecordId>>& pairs) {
  CREDMESH_RETURN_IF_ERROR(db_.Exec("DELETE FROM trust_revocations"));
  for (const auto& [target, revocation] : pairs) {
    CREDMESH_RETURN_IF_ERROR(AddRevocation(target, revocation));
  }
  return Status::Ok();
}

Result<uint64_t> TrustIndex::EarliestValidRevocation(const RecordId& target) {
  CREDMESH_ASSIGN_OR_RETURN(
      StatementLease st,
      db_.Cached("SELECT min(r.hlc) FROM trust_revocations t JOIN records r ON r.id = t.revocation"
                 " WHERE t.target = ? AND r.state = 0"));
  st->Bind(1, target.view());
  CREDMESH_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row || st->ColumnIsNull(0)) return uint64_t{TrustFact::kNever};
  return static_cast<uint64_t>(st->ColumnInt(0));
}

Result<bool> TrustIndex::ValidRevocationAtBefore(const RecordId& target, uint64_t hlc,
                                                 const RecordId& before) {
  CREDMESH_ASSIGN_OR_RETURN(
      StatementLease st,
      db_.Cached("SELECT 1 FROM trust_revocations t JOIN records r ON r.id = t.revocation"
                 " WHERE t.target = ? AND r.state = 0 AND r.hlc = ? AND r.id < ? LIMIT 1"));
  st->Bind(1, target.view()).Bind(2, static_cast<int64_t>(hlc)).Bind(3, before.view());
  return st->Step();
}

Result<NodeCertInfo> NodeCertificateOf(TrustIndex& index, const PublicKey& key, uint64_t now_hlc,
                                       const std::string& district) {
  NodeCertInfo info;
  CREDMESH_ASSIGN_OR_RETURN(auto facts, index.FactsOf(key));
  for (const TrustFact& f : facts) {
    if (f.role != Role::kSchoolNode && f.role != Role::kHubNode) continue;
    if (!f.InEffectAt(now_hlc)) continue;
    info.role = RoleName(f.role);
    info.district = district;
    if (f.role == Role::kSchoolNode) info.school = f.scope.substr(sizeof("school/") - 1);
  }
  return info;
}

}  // namespace credmesh
