// evidence_chunk_index.h: the `evidence_chunks` table (module
// "evidence_chunks"), a projection over submission.evidence records: one row
// per chunk of each file named by a valid evidence record, with the record's
// scope. It answers the two questions of file transfer (docs/protocol.md §16)
// with indexed lookups instead of reading records: which chunks of a set of
// scopes this node may fetch, and whether a chunk may go to a peer granted
// some scopes (node/evidence_files.h: ChunksToFetch, MayServeChunk).
#pragma once

#include "node/projection.h"

namespace credmesh {

class EvidenceChunkIndex final : public Projection {
 public:
  Status Migrate(Database& db) override;
  // Re-indexes each changed evidence record: its rows go, and come back if
  // it is valid now.
  Status Apply(Store& store, const std::vector<ChangedRecord>& changed) override;
  Status Clear(Database& db) override;
};

}  // namespace credmesh
