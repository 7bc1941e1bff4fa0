#include "storage/store.h"

#include <filesystem>

namespace credmesh {

Result<std::unique_ptr<Store>> Store::Open(const std::string& path, const Options& options) {
  if (!options.create && !std::filesystem::exists(path)) {
    return Status::NotFound("no database at " + path);
  }
  Database::Options dbo;
  dbo.create = options.create;
  dbo.read_only = options.read_only;
  dbo.vfs = options.vfs;
  // Every failure names the file: "corruption: /x/credmesh.db: ... not a database".
  auto opened = Database::Open(path, dbo);
  if (!opened.ok()) return opened.status().WithContext(path);
  Database db = std::move(*opened);
  // A file that is not a database fails here with a clear error, not later.
  Status probe = db.Exec("SELECT count(*) FROM sqlite_master");
  if (!probe.ok()) return probe.WithContext(path);
  if (!options.read_only) {
    Status migrated = RecordStore::Migrate(db);
    if (!migrated.ok()) return migrated.WithContext(path);
  }
  return std::unique_ptr<Store>(new Store(std::move(db)));
}

Result<std::vector<std::string>> Store::CheckIntegrity() {
  CREDMESH_ASSIGN_OR_RETURN(Statement st, db_.Prepare("PRAGMA integrity_check"));
  std::vector<std::string> problems;
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    std::string line = st.ColumnText(0);
    if (line != "ok") problems.push_back(line);
  }
  return problems;
}

}  // namespace credmesh
