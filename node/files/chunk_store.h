// chunk_store.h: content-addressed storage of evidence file chunks in the
// node directory. Each chunk is stored once, under its BLAKE2b-256 hash,
// however many files or records refer to it (docs/files.md §2).
#pragma once

#include <cstdint>
#include <string>

#include "protocol/bytes.h"
#include "protocol/status.h"

namespace credmesh {

// Files live at DIR/<first 2 hex digits>/<64 hex digits>, written to a
// temporary name, fsynced and renamed into place, so a chunk is either whole
// or absent after a crash (ChunkWriteBatch does the same for many chunks
// with one durable commit). Each file begins with a checksum of the chunk's
// bytes (chunk_checksum.h), and reads check it, so a chunk damaged on disk
// is reported (kCorruption), never returned; a chunk written before
// checksums is checked against its hash instead. Not thread-safe for writes
// of the same chunk from two threads; distinct chunks are fine.
//
// A purged chunk (docs/files.md §7) leaves a mark, DIR/<2>/<64>.purged, and
// the store refuses to hold it again, whoever asks: the mark is written
// durably before the bytes are deleted, and Put/PutVerified check it.
class ChunkStore {
 public:
  // kNow: a write is durable when it returns (file and folder fsynced).
  // kDeferred: it is not durable until the caller syncs the file system
  // (SyncFileSystem, with a descriptor opened before the writes); for a
  // staging store, and for moves out of one made durable together.
  enum class Sync { kNow, kDeferred };

  // Opens (creating if needed) a store rooted at `dir`.
  static Result<ChunkStore> Open(const std::string& dir);

  // Stores `data` under its hash and returns the hash. Storing a chunk that is
  // already present is a no-op. Errors: kFailedPrecondition (the chunk was
  // purged: never stored again), kResourceExhausted (disk full), kIoError.
  Result<Hash256> Put(ByteView data);
  // Stores `data` that the caller claims hashes to `expected` (a chunk from a
  // peer). Fails with kCorruption, storing nothing, if it does not, and
  // with kFailedPrecondition if the chunk was purged.
  Status PutVerified(const Hash256& expected, ByteView data, Sync sync = Sync::kNow);
  // True iff the chunk is present (not checked for corruption).
  bool Has(const Hash256& hash) const;
  // The chunk's bytes, checked for damage on disk: against the checksum
  // written with them, or the hash for a chunk stored without one (and the
  // hash decides when the checksum disagrees). kNotFound if absent,
  // kCorruption if damaged.
  Result<Bytes> Get(const Hash256& hash) const;
  // Moves chunk `hash` from `staging` (a store on the same file system that
  // holds it, e.g. a bundle's staging area) into this store by a rename and
  // an fsync of the folder. If it is here already the staged copy is just
  // removed. Errors: kNotFound if `staging` lacks it, kFailedPrecondition if
  // the chunk is purged here (as Put), kIoError. With kDeferred the folder
  // is not fsynced: REQUIRES the staged bytes to be durable already, so
  // that the name never points at bytes a crash could lose.
  Status Adopt(ChunkStore& staging, const Hash256& hash, Sync sync = Sync::kNow);
  // Deletes a chunk; removing an absent chunk is not an error.
  Status Remove(const Hash256& hash);

  // Purges a chunk: durably marks it purged, then deletes its bytes and
  // makes the deletion durable. Idempotent, so a purge cut by a crash is
  // finished by running it again.
  Status MarkPurged(const Hash256& hash);
  // Lifts the mark (the chunk belongs to a file that is not purged after
  // all); the chunk may then be stored again. Idempotent.
  Status Unmark(const Hash256& hash);
  // True iff the chunk is marked purged.
  bool IsPurged(const Hash256& hash) const;

  struct Usage {
    int64_t chunks = 0;
    int64_t bytes = 0;  // on disk: each chunk's bytes and its checksum header
  };
  // Walks the store; O(number of chunks).
  Result<Usage> Measure() const;

  const std::string& dir() const { return dir_; }

 private:
  friend class ChunkWriteBatch;  // writes beside PathOf, with the same checks
  explicit ChunkStore(std::string dir) : dir_(std::move(dir)) {}
  std::string PathOf(const Hash256& hash) const;
  std::string MarkPathOf(const Hash256& hash) const { return PathOf(hash) + ".purged"; }
  Status RefusePurged(const Hash256& hash) const;
  // Creates the folder of `path` (a PathOf) if it is missing.
  static Status MakeFolderOf(const std::string& path);
  // kCorruption unless `data` hashes to `expected`.
  static Status CheckHash(const Hash256& expected, ByteView data);
  Status WriteChunk(const Hash256& hash, ByteView data, Sync sync);

  std::string dir_;
};

}  // namespace credmesh
