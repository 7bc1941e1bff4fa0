#include "node/credentials/domain_store.h"

namespace credmesh {

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
