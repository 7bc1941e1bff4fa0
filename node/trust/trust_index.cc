#include "node/trust/trust_index.h"

#include "storage/migrations.h"

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
};

Role RoleFromName(const std::string& name) {
  if (name == "school") return Role::kSchoolNode;
  if (name == "hub") return Role::kHubNode;
  Role r = Role::kEducator;
  ParsePersonRole(name, r);
  return r;
}

}  // namespace

Status TrustIndex::Migrate(Database& db) { return ApplyMigrations(db, "trust", kMigrations); }

Result<std::vector<TrustFact>> TrustIndex::Query(const std::optional<PublicKey>& subject) {
  std::string sql =
      "SELECT id, subject, role, scope, issued_hlc, not_before, not_after, revoked_hlc, name"
      " FROM trust_facts";
  if (subject) sql += " WHERE subject = ?";
  sql += " ORDER BY id";
  CREDMESH_ASSIGN_OR_RETURN(Statement st, db_.Prepare(sql));
  if (subject) st.Bind(1, subject->view());
  std::vector<TrustFact> out;
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    TrustFact f;
    auto id = RecordId::FromView(st.ColumnBlob(0));
    auto key = PublicKey::FromView(st.ColumnBlob(1));
    if (!id || !key) return Status::Corruption("trust_facts row with a malformed id or key");
    f.id = *id;
    f.subject = *key;
    f.role = RoleFromName(st.ColumnText(2));
    f.scope = st.ColumnText(3);
    f.issued_hlc = static_cast<uint64_t>(st.ColumnInt(4));
    f.not_before_ms = st.ColumnInt(5);
    f.not_after_ms = st.ColumnInt(6);
    f.revoked_hlc = static_cast<uint64_t>(st.ColumnInt(7));
    f.name = st.ColumnText(8);
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<TrustFact>> TrustIndex::LoadAll() { return Query(std::nullopt); }

Result<std::vector<TrustFact>> TrustIndex::FactsOf(const PublicKey& subject) { return Query(subject); }

Status TrustIndex::ReplaceAll(const std::vector<TrustFact>& facts) {
  CREDMESH_RETURN_IF_ERROR(db_.Exec("DELETE FROM trust_facts"));
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st, db_.Prepare("INSERT INTO trust_facts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  for (const TrustFact& f : facts) {
    st.Bind(1, f.id.view()).Bind(2, f.subject.view()).Bind(3, RoleName(f.role)).Bind(4, f.scope);
    st.Bind(5, static_cast<int64_t>(f.issued_hlc)).Bind(6, f.not_before_ms).Bind(7, f.not_after_ms);
    st.Bind(8, static_cast<int64_t>(f.revoked_hlc)).Bind(9, f.name);
    CREDMESH_RETURN_IF_ERROR(st.Run());
  }
  return Status::Ok();
}

}  // namespace credmesh
