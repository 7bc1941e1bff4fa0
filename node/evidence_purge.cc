#include "node/evidence_purge.h"

#include <cctype>
#include <set>
#include <utility>

#include "node/credentials/credential_records.h"
#include "storage/migrations.h"

namespace credmesh {
namespace {

constexpr Migration kPurgeMigrations[] = {
    {1,
     // Valid evidence records with a manifest, and the chunks each holds.
     "CREATE TABLE purge_evidence_files ("
     "  record BLOB PRIMARY KEY, scope TEXT NOT NULL, file BLOB NOT NULL);"
     "CREATE INDEX purge_evidence_files_by_file ON purge_evidence_files(file, scope);"
     "CREATE TABLE purge_evidence_chunks ("
     "  record BLOB NOT NULL, chunk BLOB NOT NULL, PRIMARY KEY (record, chunk)) WITHOUT ROWID;"
     "CREATE INDEX purge_evidence_chunks_by_chunk ON purge_evidence_chunks(chunk);"
     // Tombstones: the winning purge record of each purged (scope, file).
     "CREATE TABLE purged_files ("
     "  scope TEXT NOT NULL, file BLOB NOT NULL, record BLOB NOT NULL, author BLOB NOT NULL,"
     "  hlc INTEGER NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (scope, file));"
     "CREATE INDEX purged_files_by_file ON purged_files(file);"
     // Chunks every file holding them is purged: deleted and refused.
     "CREATE TABLE purged_chunks (chunk BLOB PRIMARY KEY);"
     // Chunk-store changes to make after the commit: purge 1 = mark and
     // delete, 0 = unmark. Only the latest wanted state of a chunk matters.
     "CREATE TABLE purge_pending (chunk BLOB PRIMARY KEY, purge INTEGER NOT NULL);"},
};

using ScopedFile = std::pair<std::string, Hash256>;

Status ExecBound(Database& db, const char* sql, ByteView blob) {
  CREDMESH_ASSIGN_OR_RETURN(StatementLease st, db.Cached(sql));
  return st->Bind(1, blob).Run();
}

// The hashes in column 0 of every row `st` (bound) yields.
Result<std::vector<Hash256>> HashColumn(Statement& st) {
  std::vector<Hash256> out;
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    if (auto h = Hash256::FromView(st.ColumnBlob(0))) out.push_back(*h);
  }
  return out;
}

Result<std::vector<Hash256>> ChunksOfRecord(Database& db, const RecordId& record) {
  CREDMESH_ASSIGN_OR_RETURN(StatementLease st,
                            db.Cached("SELECT chunk FROM purge_evidence_chunks WHERE record = ?"));
  st->Bind(1, record.view());
  return HashColumn(*st);
}

Result<std::vector<Hash256>> ChunksOfFile(Database& db, const ScopedFile& f) {
  CREDMESH_ASSIGN_OR_RETURN(
      StatementLease st,
      db.Cached("SELECT DISTINCT c.chunk FROM purge_evidence_chunks c JOIN purge_evidence_files "
                "f ON f.record = c.record WHERE f.scope = ? AND f.file = ?"));
  st->Bind(1, f.first).Bind(2, f.second.view());
  return HashColumn(*st);
}

Result<bool> AnyRow(Database& db, const char* sql) {
  CREDMESH_ASSIGN_OR_RETURN(StatementLease st, db.Cached(sql));
  return st->Step();
}

// Re-indexes one evidence record: its rows go, and come back if it is valid
// and describes a file with a manifest. Adds to `chunks` the chunks it held
// before and after.
Status IndexEvidence(Store& store, const RecordId& id, std::set<Hash256>& chunks) {
  Database& db = store.db();
  CREDMESH_ASSIGN_OR_RETURN(auto old_chunks, ChunksOfRecord(db, id));
  chunks.insert(old_chunks.begin(), old_chunks.end());
  CREDMESH_RETURN_IF_ERROR(
      ExecBound(db, "DELETE FROM purge_evidence_files WHERE record = ?", id.view()));
  CREDMESH_RETURN_IF_ERROR(
      ExecBound(db, "DELETE FROM purge_evidence_chunks WHERE record = ?", id.view()));

  CREDMESH_ASSIGN_OR_RETURN(auto row, store.records().GetRow(id));
  if (!row || row->state != RecordState::kValid) return Status::Ok();
  CREDMESH_ASSIGN_OR_RETURN(auto bytes, store.records().GetBytes(id));
  if (!bytes) return Status::Ok();
  auto rec = DecodeRecord(*bytes);
  if (!rec.ok()) return Status::Ok();  // `verify` reports damaged records
  auto body = EvidenceBody::Parse(rec->body);
  if (!body.ok() || !body->file || !body->file->has_manifest()) return Status::Ok();
  {
    CREDMESH_ASSIGN_OR_RETURN(
        StatementLease st,
        db.Cached("INSERT INTO purge_evidence_files(record, scope, file) VALUES (?,?,?)"));
    CREDMESH_RETURN_IF_ERROR(
        st->Bind(1, id.view()).Bind(2, row->scope).Bind(3, body->file->hash.view()).Run());
  }
  for (const Hash256& c : body->file->chunks) {
    CREDMESH_ASSIGN_OR_RETURN(
        StatementLease st,
        db.Cached("INSERT OR IGNORE INTO purge_evidence_chunks(record, chunk) VALUES (?,?)"));
    CREDMESH_RETURN_IF_ERROR(st->Bind(1, id.view()).Bind(2, c.view()).Run());
    chunks.insert(c);
  }
  return Status::Ok();
}

// Recomputes the tombstone of (scope, file) from its valid purge records.
// Returns true if whether the file is purged changed.
Result<bool> RecomputeFile(Store& store, const ScopedFile& f) {
  Database& db = store.db();
  RecordQuery q;
  q.kind = kEvidencePurgeKind;
  q.scope = f.first;
  q.entity = PurgeEntity(f.second);
  q.state = RecordState::kValid;
  std::optional<PurgeInfo> winner;
  // Ascending (hlc, id): the first purge that parses and names this file.
  CREDMESH_RETURN_IF_ERROR(
      store.records().ForEach(q, [&](const RecordRow& row, ByteView bytes) -> Status {
        if (winner) return Status::Ok();
        auto rec = DecodeRecord(bytes);
        if (!rec.ok()) return Status::Ok();
        auto body = PurgeBody::Parse(rec->body);
        if (!body.ok() || body->file != f.second) return Status::Ok();
        winner = PurgeInfo{f.first, f.second, row.id, row.author, row.hlc, body->reason};
        return Status::Ok();
      }));
  bool was = false;
  {
    CREDMESH_ASSIGN_OR_RETURN(StatementLease st,
                              db.Cached("SELECT 1 FROM purged_files WHERE scope = ? AND file = ?"));
    st->Bind(1, f.first).Bind(2, f.second.view());
    CREDMESH_ASSIGN_OR_RETURN(was, st->Step());
  }
  if (!winner) {
    if (!was) return false;
    CREDMESH_ASSIGN_OR_RETURN(StatementLease st,
                              db.Cached("DELETE FROM purged_files WHERE scope = ? AND file = ?"));
    CREDMESH_RETURN_IF_ERROR(st->Bind(1, f.first).Bind(2, f.second.view()).Run());
    return true;
  }
  CREDMESH_ASSIGN_OR_RETURN(
      StatementLease st,
      db.Cached("INSERT OR REPLACE INTO purged_files(scope, file, record, author, hlc, reason) "
                "VALUES (?,?,?,?,?,?)"));
  CREDMESH_RETURN_IF_ERROR(st->Bind(1, winner->scope)
                               .Bind(2, winner->file.view())
                               .Bind(3, winner->record.view())
                               .Bind(4, winner->author.view())
                               .Bind(5, static_cast<int64_t>(winner->hlc))
                               .Bind(6, winner->reason)
                               .Run());
  return !was;
}

// A chunk is purged iff at least one valid evidence file holds it and every
// one that does is purged in its scope (dedupe: a chunk shared with a file
// not purged stays). Queues the chunk-store change when that flips.
Status RecomputeChunk(Database& db, const Hash256& chunk) {
  int64_t holders = 0;
  bool all_purged = false;
  {
    CREDMESH_ASSIGN_OR_RETURN(
        StatementLease st,
        db.Cached("SELECT count(*), min(p.record IS NOT NULL) FROM purge_evidence_chunks c "
                  "JOIN purge_evidence_files f ON f.record = c.record "
                  "LEFT JOIN purged_files p ON p.scope = f.scope AND p.file = f.file "
                  "WHERE c.chunk = ?"));
    st->Bind(1, chunk.view());
    CREDMESH_ASSIGN_OR_RETURN(bool row, st->Step());
    if (row) {
      holders = st->ColumnInt(0);
      all_purged = st->ColumnInt(1) != 0;
    }
  }
  const bool purged = holders > 0 && all_purged;
  bool was = false;
  {
    CREDMESH_ASSIGN_OR_RETURN(StatementLease st,
                              db.Cached("SELECT 1 FROM purged_chunks WHERE chunk = ?"));
    st->Bind(1, chunk.view());
    CREDMESH_ASSIGN_OR_RETURN(was, st->Step());
  }
  if (purged == was) return Status::Ok();
  CREDMESH_RETURN_IF_ERROR(ExecBound(db,
                                     purged ? "INSERT INTO purged_chunks(chunk) VALUES (?)"
                                            : "DELETE FROM purged_chunks WHERE chunk = ?",
                                     chunk.view()));
  CREDMESH_ASSIGN_OR_RETURN(
      StatementLease st,
      db.Cached("INSERT OR REPLACE INTO purge_pending(chunk, purge) VALUES (?,?)"));
  return st->Bind(1, chunk.view()).Bind(2, int64_t{purged ? 1 : 0}).Run();
}

std::optional<Hash256> FileOfPurgeEntity(const std::string& entity) {
  constexpr std::string_view kPrefix = "file:";
  if (entity.rfind(kPrefix, 0) != 0) return std::nullopt;
  return Hash256::FromHex(std::string_view(entity).substr(kPrefix.size()));
}

PurgeInfo PurgeInfoFromRow(const Statement& st) {
  PurgeInfo p;
  p.scope = st.ColumnText(0);
  if (auto h = Hash256::FromView(st.ColumnBlob(1))) p.file = *h;
  if (auto r = RecordId::FromView(st.ColumnBlob(2))) p.record = *r;
  if (auto k = PublicKey::FromView(st.ColumnBlob(3))) p.author = *k;
  p.hlc = static_cast<uint64_t>(st.ColumnInt(4));
  p.reason = st.ColumnText(5);
  return p;
}

constexpr char kPurgeColumns[] =
    "SELECT scope, file, record, author, hlc, reason FROM purged_files";

}  // namespace

Status PurgeProjection::Migrate(Database& db) {
  return ApplyMigrations(db, "evidence_purge", kPurgeMigrations);
}

Status PurgeProjection::Apply(Store& store, const std::vector<ChangedRecord>& changed) {
  Database& db = store.db();
  std::set<ScopedFile> purge_files;
  std::set<Hash256> chunks;
  for (const ChangedRecord& c : changed) {
    if (c.kind == kSubmissionEvidenceKind) {
      CREDMESH_RETURN_IF_ERROR(IndexEvidence(store, c.id, chunks));
    } else if (c.kind == kEvidencePurgeKind) {
      CREDMESH_ASSIGN_OR_RETURN(auto row, store.records().GetRow(c.id));
      auto file = FileOfPurgeEntity(c.entity);
      if (row && file) purge_files.emplace(row->scope, *file);
    }
  }
  for (const ScopedFile& f : purge_files) {
    CREDMESH_ASSIGN_OR_RETURN(bool flipped, RecomputeFile(store, f));
    if (!flipped) continue;
    CREDMESH_ASSIGN_OR_RETURN(auto held, ChunksOfFile(db, f));
    chunks.insert(held.begin(), held.end());
  }
  if (chunks.empty()) return Status::Ok();  // no evidence file or purge changed
  if (purge_files.empty()) {
    // Only evidence changed: with nothing purged on this node (the usual
    // case) no chunk can change state, so skip the per-chunk queries.
    CREDMESH_ASSIGN_OR_RETURN(bool any_file, AnyRow(db, "SELECT 1 FROM purged_files LIMIT 1"));
    CREDMESH_ASSIGN_OR_RETURN(bool any_chunk, AnyRow(db, "SELECT 1 FROM purged_chunks LIMIT 1"));
    if (!any_file && !any_chunk) return Status::Ok();
  }
  for (const Hash256& c : chunks) CREDMESH_RETURN_IF_ERROR(RecomputeChunk(db, c));
  return Status::Ok();
}

Status PurgeProjection::Clear(Database& db) {
  // Rebuild re-derives purged_chunks; what was purged and is no longer is
  // queued to be unmarked, and Apply turns what stays purged back into a
  // mark (a no-op for the chunk store).
  return db.Exec(
      "INSERT OR REPLACE INTO purge_pending(chunk, purge) SELECT chunk, 0 FROM purged_chunks;"
      "DELETE FROM purged_chunks; DELETE FROM purged_files;"
      "DELETE FROM purge_evidence_chunks; DELETE FROM purge_evidence_files;");
}

Status PurgeProjection::AfterCommit(Store& store) {
  Database& db = store.db();
  std::optional<ChunkStore> chunks;
  while (true) {
    std::vector<std::pair<Hash256, int64_t>> batch;
    {
      CREDMESH_ASSIGN_OR_RETURN(StatementLease st,
                                db.Cached("SELECT chunk, purge FROM purge_pending LIMIT 256"));
      while (true) {
        CREDMESH_ASSIGN_OR_RETURN(bool row, st->Step());
        if (!row) break;
        if (auto h = Hash256::FromView(st->ColumnBlob(0))) batch.emplace_back(*h, st->ColumnInt(1));
      }
    }
    if (batch.empty()) return Status::Ok();
    if (!chunks) {
      CREDMESH_ASSIGN_OR_RETURN(ChunkStore opened, ChunkStore::Open(chunk_dir_));
      chunks.emplace(std::move(opened));
    }
    Status failed;
    std::vector<std::pair<Hash256, int64_t>> done;
    for (const auto& [chunk, purge] : batch) {
      Status s = purge ? chunks->MarkPurged(chunk) : chunks->Unmark(chunk);
      if (!s.ok()) {
        failed = s.WithContext("purging evidence chunks");
        break;
      }
      done.emplace_back(chunk, purge);
    }
    {
      CREDMESH_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
      for (const auto& [chunk, purge] : done) {
        // Only if unchanged: a later ingest may want the opposite by now.
        CREDMESH_ASSIGN_OR_RETURN(
            StatementLease st,
            db.Cached("DELETE FROM purge_pending WHERE chunk = ? AND purge = ?"));
        CREDMESH_RETURN_IF_ERROR(st->Bind(1, chunk.view()).Bind(2, purge).Run());
      }
      CREDMESH_RETURN_IF_ERROR(tx.Commit());
    }
    if (!failed.ok()) return failed;
  }
}

Result<bool> EvidencePurges::IsPurged(const Hash256& hash) {
  CREDMESH_ASSIGN_OR_RETURN(bool chunk, IsChunkPurged(hash));
  if (chunk) return true;
  CREDMESH_ASSIGN_OR_RETURN(StatementLease st,
                            db_.Cached("SELECT 1 FROM purged_files WHERE file = ? LIMIT 1"));
  st->Bind(1, hash.view());
  return st->Step();
}

Result<bool> EvidencePurges::IsFilePurged(const std::string& scope, const Hash256& file) {
  CREDMESH_ASSIGN_OR_RETURN(StatementLease st,
                            db_.Cached("SELECT 1 FROM purged_files WHERE scope = ? AND file = ?"));
  st->Bind(1, scope).Bind(2, file.view());
  return st->Step();
}

Result<bool> EvidencePurges::IsChunkPurged(const Hash256& chunk) {
  CREDMESH_ASSIGN_OR_RETURN(StatementLease st,
                            db_.Cached("SELECT 1 FROM purged_chunks WHERE chunk = ?"));
  st->Bind(1, chunk.view());
  return st->Step();
}

Result<std::optional<PurgeInfo>> EvidencePurges::Find(const std::string& scope,
                                                      const Hash256& file) {
  CREDMESH_ASSIGN_OR_RETURN(
      StatementLease st, db_.Cached(std::string(kPurgeColumns) + " WHERE scope = ? AND file = ?"));
  st->Bind(1, scope).Bind(2, file.view());
  CREDMESH_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<PurgeInfo>();
  return std::optional<PurgeInfo>(PurgeInfoFromRow(*st));
}

Result<std::vector<PurgeInfo>> EvidencePurges::All() {
  CREDMESH_ASSIGN_OR_RETURN(StatementLease st,
                            db_.Cached(std::string(kPurgeColumns) + " ORDER BY scope, file"));
  std::vector<PurgeInfo> out;
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back(PurgeInfoFromRow(*st));
  }
  return out;
}

Result<std::vector<KnownFile>> EvidencePurges::FindFiles(const std::string& hex_prefix,
                                                         size_t limit) {
  for (char c : hex_prefix) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::vector<KnownFile>();
  }
  CREDMESH_ASSIGN_OR_RETURN(
      StatementLease st,
      db_.Cached("SELECT DISTINCT scope, file FROM purge_evidence_files "
                 "WHERE hex(file) LIKE upper(?) || '%' ORDER BY file, scope LIMIT ?"));
  st->Bind(1, hex_prefix).Bind(2, static_cast<int64_t>(limit));
  std::vector<KnownFile> out;
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    if (auto h = Hash256::FromView(st->ColumnBlob(1))) out.push_back({st->ColumnText(0), *h});
  }
  return out;
}

Result<int64_t> EvidencePurges::PendingChanges() {
  CREDMESH_ASSIGN_OR_RETURN(StatementLease st, db_.Cached("SELECT count(*) FROM purge_pending"));
  CREDMESH_ASSIGN_OR_RETURN(bool row, st->Step());
  return row ? st->ColumnInt(0) : 0;
}

}  // namespace credmesh
