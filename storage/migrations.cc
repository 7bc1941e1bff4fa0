#include "storage/migrations.h"

namespace credmesh {

static Status EnsureVersionTable(Database& db) {
  return db.Exec(
      "CREATE TABLE IF NOT EXISTS schema_versions("
      " module TEXT PRIMARY KEY, version INTEGER NOT NULL)");
}

Result<int> SchemaVersion(Database& db, const std::string& module) {
  CREDMESH_RETURN_IF_ERROR(EnsureVersionTable(db));
  CREDMESH_ASSIGN_OR_RETURN(Statement st,
                            db.Prepare("SELECT version FROM schema_versions WHERE module = ?"));
  st.Bind(1, module);
  CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? static_cast<int>(st.ColumnInt(0)) : 0;
}

Status ApplyMigrations(Database& db, const std::string& module,
                       std::span<const Migration> migrations) {
  CREDMESH_ASSIGN_OR_RETURN(int current, SchemaVersion(db, module));
  int latest = migrations.empty() ? 0 : migrations.back().version;
  if (current > latest) {
    return Status::FailedPrecondition("database schema for " + module + " is version " +
                                      std::to_string(current) + ", newer than this credmesh (" +
                                      std::to_string(latest) + "); upgrade credmesh");
  }
  if (current == latest) return Status::Ok();
  CREDMESH_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
  for (const auto& m : migrations) {
    if (m.version <= current) continue;
    Status s = db.Exec(m.sql);
    if (!s.ok()) return s.WithContext("migration " + module + " v" + std::to_string(m.version));
  }
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st, db.Prepare("INSERT INTO schema_versions(module, version) VALUES(?, ?) "
                               "ON CONFLICT(module) DO UPDATE SET version = excluded.version"));
  st.Bind(1, module).Bind(2, int64_t{latest});
  CREDMESH_RETURN_IF_ERROR(st.Run());
  return tx.Commit();
}

}  // namespace credmesh
