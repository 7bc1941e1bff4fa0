// evidence_files.h: where the credentials domain meets the chunk store. An
// evidence record (node/credentials) names a file by its manifest; the bytes
// live in the node's chunk store (node/files). This file answers "which
// evidence files does a submission hold, and are their bytes here?", and
// converts between the record's EvidenceFile and the chunker's FileManifest.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "node/credentials/credential_records.h"
#include "node/evidence_purge.h"
#include "node/files/chunk_store.h"
#include "node/files/file_chunker.h"
#include "storage/store.h"

namespace credmesh {

FileManifest ManifestOf(const EvidenceFile& file);
EvidenceFile EvidenceFileOf(const FileManifest& manifest);

// Whether a file's bytes are on this node.
enum class FileBytes {
  kHere,         // every chunk is in the chunk store
  kInTransit,    // some chunks are here, the others have not arrived (yet)
  kIncomplete,   // no chunk is here yet
  kNotRecorded,  // an evidence record from before the chunk store: only a description
  kPurged,       // an admin purged it (docs/files.md §7): the bytes are gone for good
};
// "here", "in transit", "incomplete", "not recorded", "purged"
const char* FileBytesName(FileBytes b);
// True when some of a file's bytes are still to come (in transit or incomplete).
inline bool BytesMissing(FileBytes b) {
  return b == FileBytes::kInTransit || b == FileBytes::kIncomplete;
}

struct EvidenceFileEntry {
  RecordId record;  // the submission.evidence record
  int64_t attempt = 1;
  std::string slot;
  EvidenceFile file;
  std::string scope;  // of the evidence record
  FileBytes bytes = FileBytes::kNotRecorded;
  FileAvailability availability;   // not filled for a purged file
  std::optional<PurgeInfo> purge;  // the tombstone, when kPurged
};

// The file evidence of a submission (valid records only), in record order,
// optionally only of one attempt and/or slot. A file purged in the
// record's scope is kPurged whatever chunks are still here (shared ones).
Result<std::vector<EvidenceFileEntry>> EvidenceFilesOf(
    Store& store, const ChunkStore& chunks, const std::string& submission,
    std::optional<int64_t> attempt = std::nullopt, const std::string& slot = "");

// Totals over every file evidence record this node holds, for `status`.
struct EvidenceFileTotals {
  int64_t files = 0;
  int64_t files_incomplete = 0;  // not complete here: in transit or incomplete
  int64_t files_in_transit = 0;  // of those, with some chunks here
  int64_t bytes_missing = 0;
  int64_t files_not_recorded = 0;
  int64_t files_purged = 0;  // not counted as incomplete
};
Result<EvidenceFileTotals> CountEvidenceFiles(Store& store, const ChunkStore& chunks);

// ---- file transfer (docs/protocol.md §16, docs/files.md §6) ---------------
// The two decisions of chunk transfer, each in one place. Both read the
// evidence_chunks index (node/evidence_chunk_index.h).

// What this node pulls from a peer granted `scopes`: the chunks of files
// named by valid evidence records of those scopes that `chunks` lacks and
// no purge covers (docs/files.md §7), each once, in fetch order (record by record, file order
// within each), at most `limit` of them.
Result<std::vector<Hash256>> ChunksToFetch(Store& store, const ChunkStore& chunks,
                                           const std::vector<std::string>& scopes, size_t limit);

// Whether chunk `hash` may go to a peer granted `scopes`: true iff a valid
// evidence record of one of those scopes names it and it is not purged
// (EvidencePurges::IsPurged). (Whether its bytes are
// here is the chunk store's business.)
Result<bool> MayServeChunk(Store& store, const Hash256& hash,
                           const std::vector<std::string>& scopes);

}  // namespace credmesh
