// file_chunker.h: turning a file into chunks in a ChunkStore and a manifest
// (ordered chunk hashes, size, whole-file hash, media type, name), and back.
// Format and limits: docs/files.md.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "node/files/chunk_store.h"
#include "protocol/bytes.h"
#include "protocol/status.h"

namespace credmesh {

// Fixed-size chunking (docs/files.md §2 says why not content-defined).
inline constexpr int64_t kChunkSize = 256 * 1024;
// A manifest lists at most this many chunks, so it fits in one record with
// room to spare (4096 x 32 bytes = 128 KiB): files up to 1 GiB.
inline constexpr int64_t kMaxChunksPerFile = 4096;
inline constexpr int64_t kMaxFileSize = kChunkSize * kMaxChunksPerFile;

struct FileManifest {
  std::string name;        // base name, no directories
  std::string media_type;  // e.g. application/pdf
  int64_t size = 0;        // bytes
  Hash256 hash;            // BLAKE2b-256 of the whole content
  int64_t chunk_size = kChunkSize;
  std::vector<Hash256> chunks;  // in file order; all but the last are chunk_size bytes

  // Structural checks: chunk count matches size and chunk_size, limits hold.
  Status Validate() const;
  bool operator==(const FileManifest&) const = default;
};

// Called after each chunk with the bytes done so far and the total.
using ChunkProgress = std::function<void(int64_t done, int64_t total)>;

struct ChunkingOptions {
  int64_t max_file_size = kMaxFileSize;  // node policy; never above kMaxFileSize
  std::string media_type;                // empty: guessed (media_type.h)
};

// Chunks of a file being attached made durable by one commit.
inline constexpr size_t kChunksPerCommit = 32;

// Streams `path` into `store` one chunk at a time (memory: one chunk) and
// returns its manifest once every chunk is durable and held: written in
// batches of kChunksPerCommit with one file-system sync each
// (ChunkWriteBatch), not an fsync per chunk. Files over the limit are
// refused before anything is stored (kResourceExhausted, naming the
// limit). kNotFound if unreadable.
Result<FileManifest> ChunkFile(ChunkStore& store, const std::string& path,
                               const ChunkingOptions& options, const ChunkProgress& progress = {});

// Writes the file described by `manifest` to `out_path` (mode 0600),
// checking every chunk and the whole-file hash; writes to a temporary name
// and renames, so `out_path` is never left half-written. kNotFound if a
// chunk is missing, kCorruption on a hash mismatch, kAlreadyExists if
// `out_path` exists.
Status AssembleFile(const ChunkStore& store, const FileManifest& manifest,
                    const std::string& out_path);

struct FileAvailability {
  int64_t chunks_total = 0;
  int64_t chunks_present = 0;
  int64_t bytes_missing = 0;
  bool complete() const { return chunks_present == chunks_total; }
};
// Which of the manifest's chunks are in `store` (presence only).
FileAvailability Availability(const ChunkStore& store, const FileManifest& manifest);

}  // namespace credmesh
