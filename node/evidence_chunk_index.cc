#include "node/evidence_chunk_index.h"

#include <algorithm>

#include "node/credentials/credential_records.h"
#include "storage/migrations.h"

namespace credmesh {
namespace {

// seq orders rows as they were indexed: record by record, file order
// within a record, which is the order chunks are fetched in.
constexpr Migration kEvidenceChunkMigrations[] = {
    {1,
     "CREATE TABLE evidence_chunks ("
     "  seq INTEGER PRIMARY KEY,"
     "  chunk BLOB NOT NULL,"
     "  record BLOB NOT NULL,"
     "  scope TEXT NOT NULL,"
     "  size INTEGER NOT NULL);"
     "CREATE INDEX evidence_chunks_by_chunk ON evidence_chunks(chunk, scope);"
     "CREATE INDEX evidence_chunks_by_record ON evidence_chunks(record);"
     "CREATE INDEX evidence_chunks_by_scope ON evidence_chunks(scope, seq);"},
};

Status IndexEvidenceRecord(Store& store, const RecordId& id) {
  Database& db = store.db();
  {
    CREDMESH_ASSIGN_OR_RETURN(auto del, db.Cached("DELETE FROM evidence_chunks WHERE record = ?"));
    CREDMESH_RETURN_IF_ERROR(del->Bind(1, id.view()).Run());
  }
  CREDMESH_ASSIGN_OR_RETURN(auto row, store.records().GetRow(id));
  if (!row || row->state != RecordState::kValid) return Status::Ok();
  CREDMESH_ASSIGN_OR_RETURN(VerifiedRecord rec, store.records().Load(id));
  auto body = EvidenceBody::Parse(rec.record().body);
  // Text evidence, or a body the lifecycle ignores anyway: no file.
  if (!body.ok() || !body->file || !body->file->has_manifest()) return Status::Ok();
  const EvidenceFile& f = *body->file;
  CREDMESH_ASSIGN_OR_RETURN(
      auto ins,
      db.Cached("INSERT INTO evidence_chunks (chunk, record, scope, size) VALUES (?, ?, ?, ?)"));
  for (size_t i = 0; i < f.chunks.size(); ++i) {
    const int64_t offset = static_cast<int64_t>(i) * f.chunk_size;
    const int64_t size = std::min(f.chunk_size, f.size - offset);
    CREDMESH_RETURN_IF_ERROR(ins->Bind(1, f.chunks[i].view())
                                 .Bind(2, id.view())
                                 .Bind(3, row->scope)
                                 .Bind(4, size)
                                 .Run());
  }
  return Status::Ok();
}

}  // namespace

Status EvidenceChunkIndex::Migrate(Database& db) {
  return ApplyMigrations(db, "evidence_chunks", kEvidenceChunkMigrations);
}

Status EvidenceChunkIndex::Clear(Database& db) { return db.Exec("DELETE FROM evidence_chunks"); }

Status EvidenceChunkIndex::Apply(Store& store, const std::vector<ChangedRecord>& changed) {
  for (const ChangedRecord& c : changed) {
    if (c.kind != kSubmissionEvidenceKind) continue;
    CREDMESH_RETURN_IF_ERROR(IndexEvidenceRecord(store, c.id).WithContext("evidence chunk index"));
  }
  return Status::Ok();
}

}  // namespace credmesh
