#include "node/files/chunk_checksum.h"

#include <xxhash.h>

#include <algorithm>

namespace credmesh {
namespace {

constexpr std::array<uint8_t, 8> kChunkMagic = {'C', 'M', 'C', 'H', 'U', 'N', 'K', 1};

uint64_t ChunkChecksum(ByteView data) { return XXH3_64bits(data.data(), data.size()); }

}  // namespace

ChunkHeader MakeChunkHeader(ByteView data) {
  ChunkHeader h{};
  std::copy(kChunkMagic.begin(), kChunkMagic.end(), h.begin());
  const uint64_t sum = ChunkChecksum(data);
  for (size_t i = 0; i < 8; ++i) h[kChunkMagic.size() + i] = static_cast<uint8_t>(sum >> (8 * i));
  return h;
}

ChunkHeaderCheck CheckChunkHeader(const ChunkHeader& header, ByteView data) {
  if (!std::equal(kChunkMagic.begin(), kChunkMagic.end(), header.begin())) {
    return ChunkHeaderCheck::kAbsent;
  }
  uint64_t stored = 0;
  for (size_t i = 0; i < 8; ++i) {
    stored |= static_cast<uint64_t>(header[kChunkMagic.size() + i]) << (8 * i);
  }
  return stored == ChunkChecksum(data) ? ChunkHeaderCheck::kMatches : ChunkHeaderCheck::kMismatch;
}

}  // namespace credmesh
