// evidence_purge.h: purging evidence files (a privacy request; docs/files.md
// §7). An admin's evidence.purge record (node/credentials/credential_records.h)
// names a file hash in a school scope; every node that holds the record
// deletes the file's chunks — except chunks that a file not purged also
// holds — and its chunk store refuses them from then on. The evidence
// records stay, as tombstones.
//
// PurgeProjection keeps the module's tables ("evidence_purge") inside each
// ingest: which valid evidence files hold which chunks, which files are
// purged (the tombstones), which chunks are purged as a result, and the
// chunk-store changes still to make. The deletions themselves run after the
// commit (Projection::AfterCommit): record first, deletion second, so a
// crash in between leaves the change queued and the next open finishes it.
// EvidencePurges answers the read side: is a hash purged, who purged a file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "node/files/chunk_store.h"
#include "node/projection.h"
#include "protocol/bytes.h"
#include "protocol/crypto.h"
#include "storage/sqlite.h"

namespace credmesh {

// The tombstone of a purged file in one scope: the first valid purge record
// of the file in that scope in (hlc, record id) order.
struct PurgeInfo {
  std::string scope;
  Hash256 file;
  RecordId record;  // the evidence.purge record
  PublicKey author;
  uint64_t hlc = 0;  // when (the record's timestamp)
  std::string reason;
};

// A file some valid evidence record on this node describes with a manifest.
struct KnownFile {
  std::string scope;
  Hash256 file;
};

// Read-only queries over the module's tables. REQUIRES: PurgeProjection
// migrated `db`; `db` outlives this.
class EvidencePurges {
 public:
  explicit EvidencePurges(Database& db) : db_(db) {}

  // The one question the chunk transfer asks before fetching or serving:
  // true iff `hash` is a file purged in any scope or a purged chunk.
  // Conservative across scopes: never fetch or serve such bytes.
  Result<bool> IsPurged(const Hash256& hash);
  // True iff the evidence files of hash `file` in `scope` are purged.
  Result<bool> IsFilePurged(const std::string& scope, const Hash256& file);
  // True iff the chunk is purged (deleted here, refused by the chunk store).
  Result<bool> IsChunkPurged(const Hash256& chunk);
  // The tombstone of `file` in `scope`, if purged.
  Result<std::optional<PurgeInfo>> Find(const std::string& scope, const Hash256& file);
  // Every purged file, by scope then hash.
  Result<std::vector<PurgeInfo>> All();
  // Files held in valid evidence records whose hash starts with
  // `hex_prefix` (lower-case hex), one per (scope, hash), at most `limit`.
  Result<std::vector<KnownFile>> FindFiles(const std::string& hex_prefix, size_t limit = 16);
  // Chunk-store changes not made yet (a crash, or an error, cut them short).
  Result<int64_t> PendingChanges();

 private:
  Database& db_;
};

class PurgeProjection final : public Projection {
 public:
  // `chunk_dir`: the node's chunk store (opened only when there is work).
  explicit PurgeProjection(std::string chunk_dir) : chunk_dir_(std::move(chunk_dir)) {}

  Status Migrate(Database& db) override;
  Status Apply(Store& store, const std::vector<ChangedRecord>& changed) override;
  Status Clear(Database& db) override;
  // Makes the queued chunk-store changes: marks and deletes newly purged
  // chunks, unmarks chunks a file that is not purged holds after all. Each
  // change leaves the queue once made; on an error the rest stay queued.
  Status AfterCommit(Store& store) override;

 private:
  std::string chunk_dir_;
};

}  // namespace credmesh
