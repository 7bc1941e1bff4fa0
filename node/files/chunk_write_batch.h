// chunk_write_batch.h: chunks written to a ChunkStore with one durable
// commit for many, instead of an fsync of each chunk and of its folder
// (docs/files.md §3). What a transfer over sync, a bundle import and
// attaching a file use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "node/files/chunk_store.h"
#include "storage/posix_file.h"

namespace credmesh {

// The durability rule: a chunk is held (ChunkStore::Has, listed, served)
// only once its bytes are durable. Add writes a chunk to a temporary file
// beside its place, which no reader looks at; Commit makes all of them
// durable with one file-system sync, then renames them into place. The
// renames become durable with the next sync: the next Commit's, or a
// Commit with nothing added. A crash before a Commit's sync loses the
// batch; a crash after it may lose names of the last commit, never bytes
// behind a name. Chunks lost either way are fetched again.
//
// Not thread-safe. Destroying a batch discards what was not committed.
class ChunkWriteBatch {
 public:
  explicit ChunkWriteBatch(ChunkStore store) : store_(std::move(store)) {}
  ~ChunkWriteBatch();
  ChunkWriteBatch(const ChunkWriteBatch&) = delete;
  ChunkWriteBatch& operator=(const ChunkWriteBatch&) = delete;

  // Adds `data` that the caller claims hashes to `expected` (a chunk from a
  // peer or a bundle). Errors: kCorruption if it does not (nothing written),
  // kFailedPrecondition if the chunk is purged (ChunkStore::Put),
  // kResourceExhausted (disk full), kIoError. A chunk held already, or
  // added already to this batch, is not written again.
  Status AddVerified(const Hash256& expected, ByteView data);
  // Adds `data` under its own hash, which it returns (a chunk of a file
  // being attached). Errors as AddVerified, but never kCorruption.
  Result<Hash256> Add(ByteView data);
  // Makes every chunk added since the last commit durable, then held, with
  // one sync, which also makes the previous commit's renames durable. With
  // nothing added, makes the last commit's renames durable (a no-op if
  // there are none). Errors: storage failures; the chunks not yet renamed
  // into place are then dropped, those renamed stay (their bytes are
  // durable).
  Status Commit();
  // Drops the chunks added since the last commit.
  void Discard();

  // Removes the temporary files of batches whose process has ended (a
  // crash mid-batch: docs/files.md §3), so that they do not fill the disk;
  // returns how many. Files of live processes are left alone, this
  // process's too. Call when a process opens the store to sync into it.
  static Result<size_t> RemoveAbandoned(const ChunkStore& store);

  size_t size() const { return staged_.size(); }
  int64_t bytes() const { return bytes_; }
  const ChunkStore& store() const { return store_; }

 private:
  struct Staged {
    Hash256 hash;
    std::string temp;  // where its bytes wait for Commit
  };
  bool IsStaged(const Hash256& hash) const;
  Status Stage(const Hash256& expected, ByteView data);  // REQUIRES: `data` hashes to `expected`

  ChunkStore store_;
  // Opened before the batch's first write, so that the sync reports a
  // write-back error of any of them (SyncFileSystem); kept while renames
  // wait for their sync.
  UniqueFd root_;
  std::vector<Staged> staged_;
  int64_t bytes_ = 0;
  bool names_pending_ = false;  // renames of the last commit not yet synced
};

}  // namespace credmesh
