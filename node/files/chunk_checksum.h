// chunk_checksum.h: the header of a chunk file (docs/files.md §3). A chunk
// is named by its BLAKE2b-256 hash, which a receiver always checks; on disk
// it is preceded by a 64-bit XXH3 checksum of its bytes, written with it, so
// that the node can check a chunk it reads for damage at about a tenth of a
// BLAKE2b pass's cost (serving a chunk, exporting a bundle, assembling a
// file). The checksum guards against damage, not tampering: anyone who can
// write the chunk folder can rewrite the header too.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "protocol/bytes.h"

namespace credmesh {

// "CMCHUNK" and a format version (1), then the checksum, little-endian.
inline constexpr size_t kChunkHeaderBytes = 16;
using ChunkHeader = std::array<uint8_t, kChunkHeaderBytes>;

// The header of a chunk file holding `data`.
ChunkHeader MakeChunkHeader(ByteView data);

enum class ChunkHeaderCheck {
  kMatches,   // a version 1 header whose checksum is that of `data`
  kMismatch,  // a version 1 header, and `data` (or the header) is damaged
  kAbsent,    // not a header: a chunk file written before checksums, whose
              // first 16 bytes are content (check it against its hash)
};
ChunkHeaderCheck CheckChunkHeader(const ChunkHeader& header, ByteView data);

}  // namespace credmesh
