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
  kIncomplete,   // some chunks have not arrived (yet)
  kNotRecorded,  // an evidence record from before the chunk store: only a description
  kPurged,       // an admin purged it (docs/files.md §7): the bytes are gone for good
};
// "here", "incomplete", "not recorded", "purged".
const char* FileBytesName(FileBytes b);

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
  int64_t files_incomplete = 0;
  int64_t bytes_missing = 0;
  int64_t files_not_recorded = 0;
  int64_t files_purged = 0;  // not counted as incomplete
};
Result<EvidenceFileTotals> CountEvidenceFiles(Store& store, const ChunkStore& chunks);

}  // namespace credmesh
