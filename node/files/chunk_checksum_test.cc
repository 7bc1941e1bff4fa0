#include "node/files/chunk_checksum.h"

#include <doctest/doctest.h>

namespace credmesh {
namespace {

Bytes ChecksumPattern(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 11 + 5);
  return b;
}

TEST_CASE("chunk checksum: a header matches its bytes and no others") {
  Bytes data = ChecksumPattern(262144);
  ChunkHeader header = MakeChunkHeader(data);
  CHECK(header[0] == 'C');
  CHECK(header[7] == 1);  // format version
  CHECK(CheckChunkHeader(header, data) == ChunkHeaderCheck::kMatches);
  CHECK(CheckChunkHeader(MakeChunkHeader({}), {}) == ChunkHeaderCheck::kMatches);

  SUBCASE("one flipped bit in the bytes") {
    data[123456] ^= 0x10;
    CHECK(CheckChunkHeader(header, data) == ChunkHeaderCheck::kMismatch);
  }
  SUBCASE("one flipped bit in the stored checksum") {
    header[kChunkHeaderBytes - 1] ^= 0x01;
    CHECK(CheckChunkHeader(header, data) == ChunkHeaderCheck::kMismatch);
  }
  SUBCASE("bytes cut short") {
    CHECK(CheckChunkHeader(header, ByteView(data).first(data.size() - 1)) ==
          ChunkHeaderCheck::kMismatch);
  }
}

TEST_CASE("chunk checksum: content that is not a version 1 header is absent, not damaged") {
  const Bytes data = ChecksumPattern(1000);
  ChunkHeader first{};  // the first 16 bytes of a chunk file written before checksums
  std::copy(data.begin(), data.begin() + kChunkHeaderBytes, first.begin());
  CHECK(CheckChunkHeader(first, data) == ChunkHeaderCheck::kAbsent);
  ChunkHeader later = MakeChunkHeader(data);
  later[7] = 2;  // a format this reader does not know
  CHECK(CheckChunkHeader(later, data) == ChunkHeaderCheck::kAbsent);
}

}  // namespace
}  // namespace credmesh
