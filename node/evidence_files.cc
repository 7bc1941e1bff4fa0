#include "node/evidence_files.h"

#include <set>

#include "node/credentials/domain_store.h"

namespace credmesh {

FileManifest ManifestOf(const EvidenceFile& file) {
  FileManifest m;
  m.name = file.name;
  m.media_type = file.type;
  m.size = file.size;
  m.hash = file.hash;
  m.chunk_size = file.chunk_size;
  m.chunks = file.chunks;
  return m;
}

EvidenceFile EvidenceFileOf(const FileManifest& m) {
  EvidenceFile f;
  f.name = m.name;
  f.type = m.media_type;
  f.size = m.size;
  f.hash = m.hash;
  f.chunk_size = m.chunk_size;
  f.chunks = m.chunks;
  return f;
}

const char* FileBytesName(FileBytes b) {
  switch (b) {
    case FileBytes::kHere:
      return "here";
    case FileBytes::kInTransit:
      return "in transit";
    case FileBytes::kIncomplete:
      return "incomplete";
    case FileBytes::kNotRecorded:
      return "not recorded";
    case FileBytes::kPurged:
      return "purged";
  }
  return "?";
}

namespace {

// Fills in whether `e.file`'s bytes are here (or purged).
Status Classify(Store& store, const ChunkStore& chunks, EvidenceFileEntry& e) {
  CREDMESH_ASSIGN_OR_RETURN(e.purge, EvidencePurges(store.db()).Find(e.scope, e.file.hash));
  if (e.purge) {
    e.bytes = FileBytes::kPurged;
    return Status::Ok();
  }
  if (!e.file.has_manifest()) {
    e.bytes = FileBytes::kNotRecorded;
    return Status::Ok();
  }
  e.availability = Availability(chunks, ManifestOf(e.file));
  e.bytes = e.availability.complete()           ? FileBytes::kHere
            : e.availability.chunks_present > 0 ? FileBytes::kInTransit
                                                : FileBytes::kIncomplete;
  return Status::Ok();
}

}  // namespace

Result<std::vector<EvidenceFileEntry>> EvidenceFilesOf(Store& store, const ChunkStore& chunks,
                                                       const std::string& submission,
                                                       std::optional<int64_t> attempt,
                                                       const std::string& slot) {
  CREDMESH_ASSIGN_OR_RETURN(auto records, LoadValidRecords(store, submission));
  std::sort(records.begin(), records.end(), ReplayOrder);
  std::vector<EvidenceFileEntry> out;
  for (const DomainRecord& r : records) {
    if (r.kind != kSubmissionEvidenceKind) continue;
    auto body = EvidenceBody::Parse(r.body);
    if (!body.ok() || !body->file) continue;  // text evidence, or ignored by the lifecycle anyway
    if (attempt && body->attempt != *attempt) continue;
    if (!slot.empty() && body->slot != slot) continue;
    EvidenceFileEntry e;
    e.record = r.id;
    e.attempt = body->attempt;
    e.slot = body->slot;
    e.scope = r.scope;
    e.file = *body->file;
    CREDMESH_RETURN_IF_ERROR(Classify(store, chunks, e));
    out.push_back(std::move(e));
  }
  return out;
}

Result<EvidenceFileTotals> CountEvidenceFiles(Store& store, const ChunkStore& chunks) {
  RecordQuery q;
  q.kind = kSubmissionEvidenceKind;
  q.state = RecordState::kValid;
  EvidenceFileTotals t;
  Status s = store.records().ForEach(q, [&](const RecordRow& row, ByteView bytes) {
    auto rec = DecodeRecord(bytes);
    if (!rec.ok()) return Status::Ok();  // verify reports damaged records; not our job here
    auto body = EvidenceBody::Parse(rec->body);
    if (!body.ok() || !body->file) return Status::Ok();
    EvidenceFileEntry e;
    e.scope = row.scope;
    e.file = *body->file;
    CREDMESH_RETURN_IF_ERROR(Classify(store, chunks, e));
    ++t.files;
    if (e.bytes == FileBytes::kNotRecorded) ++t.files_not_recorded;
    if (e.bytes == FileBytes::kPurged) ++t.files_purged;
    if (e.bytes == FileBytes::kInTransit) ++t.files_in_transit;
    if (e.bytes == FileBytes::kIncomplete || e.bytes == FileBytes::kInTransit) {
      ++t.files_incomplete;
      t.bytes_missing += e.availability.bytes_missing;
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return t;
}

namespace {

// "scope IN (?, ?, ...)" for `n` scopes, bound from parameter `first` on.
std::string ScopeList(size_t n) {
  std::string s = "scope IN (";
  for (size_t i = 0; i < n; ++i) s += i ? ", ?" : "?";
  return s + ")";
}

}  // namespace

Result<std::vector<Hash256>> ChunksToFetch(Store& store, const ChunkStore& chunks,
                                           const std::vector<std::string>& scopes, size_t limit) {
  std::vector<Hash256> out;
  if (scopes.empty() || limit == 0) return out;
  CREDMESH_ASSIGN_OR_RETURN(Statement st,
                            store.db().Prepare("SELECT chunk FROM evidence_chunks WHERE " +
                                               ScopeList(scopes.size()) + " ORDER BY seq"));
  for (size_t i = 0; i < scopes.size(); ++i) st.Bind(static_cast<int>(i + 1), scopes[i]);
  std::set<Hash256> listed;  // a chunk shared by several files is fetched once
  EvidencePurges purges(store.db());
  while (out.size() < limit) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    auto hash = Hash256::FromView(st.ColumnBlob(0));
    if (!hash || chunks.Has(*hash) || !listed.insert(*hash).second) continue;
    // A purged file's chunks are never fetched again (docs/files.md §7).
    CREDMESH_ASSIGN_OR_RETURN(bool purged, purges.IsPurged(*hash));
    if (purged) continue;
    out.push_back(*hash);
  }
  return out;
}

Result<bool> MayServeChunk(Store& store, const Hash256& hash,
                           const std::vector<std::string>& scopes) {
  if (scopes.empty()) return false;
  // A purged file's chunks are never served again (docs/files.md §7).
  CREDMESH_ASSIGN_OR_RETURN(bool purged, EvidencePurges(store.db()).IsPurged(hash));
  if (purged) return false;
  // Asked once per chunk served: one cached statement per scope count.
  CREDMESH_ASSIGN_OR_RETURN(auto st,
                            store.db().Cached("SELECT 1 FROM evidence_chunks WHERE chunk = ? AND " +
                                              ScopeList(scopes.size()) + " LIMIT 1"));
  st->Bind(1, hash.view());
  for (size_t i = 0; i < scopes.size(); ++i) st->Bind(static_cast<int>(i + 2), scopes[i]);
  return st->Step();
}

}  // namespace credmesh
