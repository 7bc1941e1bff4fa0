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
  CREDMESH_ASSIGN_OR_RETURN(Database db, Database::Open(path, dbo));
  // A file that is not a database fails here with a clear error, not later.
  Status probe = db.Exec("SELECT count(*) FROM sqlite_master");
  if (!probe.ok()) return probe.WithContext(path);
  if (!options.read_only) CREDMESH_RETURN_IF_ERROR(RecordStore::Migrate(db));
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
