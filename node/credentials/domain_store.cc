#include "node/credentials/domain_store.h"

namespace credmesh {

Status WriteIgnoredRows(Database& db, const std::string& table, const std::string& entity,
                        const std::vector<IgnoredRecord>& ignored) {
  if (ignored.empty()) return Status::Ok();
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st, db.Prepare("INSERT OR REPLACE INTO " + table +
                               "(record_id, entity, kind, hlc, reason) VALUES (?,?,?,?,?)"));
  for (const auto& i : ignored) {
    // Run resets the statement and its bindings for the next row.
    CREDMESH_RETURN_IF_ERROR(st.Bind(1, i.id.view())
                                 .Bind(2, entity)
                                 .Bind(3, i.kind)
                                 .Bind(4, static_cast<int64_t>(i.hlc))
                                 .Bind(5, i.reason)
                                 .Run());
  }
  return Status::Ok();
}

Result<std::vector<DomainRecord>> LoadValidRecords(Store& store, const std::string& entity) {
  RecordQuery q;
  q.entity = entity;
  q.state = RecordState::kValid;
  std::vector<DomainRecord> out;
  Status s = store.records().ForEach(q, [&](const RecordRow& row, ByteView bytes) {
    auto rec = DecodeRecord(bytes);
    if (!rec.ok()) return rec.status().WithContext("stored record " + row.id.hex());
    out.push_back({row.id, rec->kind, rec->scope, rec->entity, rec->hlc, rec->author, rec->body});
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace credmesh
