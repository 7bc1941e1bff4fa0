#include "node/files/chunk_store.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "node/files/chunk_checksum.h"
#include "protocol/crypto.h"
#include "tests/temp_dir.h"

namespace credmesh {
namespace {

Bytes StorePattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7);
  return b;
}

TEST_CASE("chunk store: a chunk is stored once under its BLAKE2b hash and read back checked") {
  TempDir t;
  auto store = ChunkStore::Open(t.File("chunks"));
  REQUIRE(store.ok());
  Bytes a = StorePattern(1000, 1);
  auto h = store->Put(a);
  REQUIRE(h.ok());
  CHECK(*h == Blake2b256(a));
  CHECK(store->Has(*h));
  auto again = store->Put(a);  // same content: same hash, still one file
  REQUIRE(again.ok());
  CHECK(*again == *h);
  auto usage = store->Measure();
  REQUIRE(usage.ok());
  CHECK(usage->chunks == 1);
  CHECK(usage->bytes == 1000 + static_cast<int64_t>(kChunkHeaderBytes));
  auto got = store->Get(*h);
  REQUIRE(got.ok());
  CHECK(*got == a);
  CHECK((std::filesystem::status(t.File("chunks")).permissions() &
         std::filesystem::perms::others_read) == std::filesystem::perms::none);
}

TEST_CASE("chunk store: a chunk corrupted on disk is reported, never returned") {
  TempDir t;
  auto store = ChunkStore::Open(t.File("chunks"));
  REQUIRE(store.ok());
  Bytes a = StorePattern(4096, 3);
  auto h = store->Put(a);
  REQUIRE(h.ok());
  const std::string hex = h->hex();
  {
    std::fstream f(t.File("chunks") + "/" + hex.substr(0, 2) + "/" + hex,
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x00' + 1);
  }
  auto got = store->Get(*h);
  CHECK(got.status().code() == Status::Code::kCorruption);
}

// The file of chunk `h` in the store at `dir`.
std::string ChunkFileOf(const std::string& dir, const Hash256& h) {
  return dir + "/" + h.hex().substr(0, 2) + "/" + h.hex();
}

void OverwriteFile(const std::string& path, ByteView content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(content.data()),
          static_cast<std::streamsize>(content.size()));
}

TEST_CASE("chunk store: a chunk file is its checksum header, then its bytes") {
  TempDir t;
  auto store = ChunkStore::Open(t.File("chunks"));
  REQUIRE(store.ok());
  const Bytes a = StorePattern(3000, 8);
  auto h = store->Put(a);
  REQUIRE(h.ok());
  const std::string path = ChunkFileOf(t.File("chunks"), *h);
  REQUIRE(std::filesystem::file_size(path) == a.size() + kChunkHeaderBytes);
  std::ifstream f(path, std::ios::binary);
  ChunkHeader header{};
  f.read(reinterpret_cast<char*>(header.data()), static_cast<std::streamsize>(header.size()));
  CHECK(header == MakeChunkHeader(a));

  SUBCASE("a damaged checksum alone: the hash vouches for the bytes") {
    std::fstream rw(path, std::ios::in | std::ios::out | std::ios::binary);
    rw.seekp(kChunkHeaderBytes - 1);
    rw.put(static_cast<char>(header.back() ^ 0x40));
    rw.close();
    auto got = store->Get(*h);
    REQUIRE(got.ok());
    CHECK(*got == a);
  }
  SUBCASE("damaged bytes behind a good header") {
    std::fstream rw(path, std::ios::in | std::ios::out | std::ios::binary);
    rw.seekp(static_cast<std::streamoff>(kChunkHeaderBytes + 2999));
    rw.put(static_cast<char>(a[2999] ^ 0x01));
    rw.close();
    CHECK(store->Get(*h).status().code() == Status::Code::kCorruption);
  }
}

TEST_CASE("chunk store: chunks written before checksums are read and checked against the hash") {
  TempDir t;
  auto store = ChunkStore::Open(t.File("chunks"));
  REQUIRE(store.ok());
  // Files of the earlier format: the bytes alone, including a chunk too
  // small for a header and one whose content begins like a header.
  const Bytes plain = StorePattern(4000, 2), tiny = StorePattern(5, 4);
  Bytes lookalike = StorePattern(2000, 6);
  const ChunkHeader fake = MakeChunkHeader(StorePattern(100, 1));
  std::copy(fake.begin(), fake.end(), lookalike.begin());
  for (const Bytes* b : std::vector<const Bytes*>{&plain, &tiny, &lookalike}) {
    CAPTURE(b->size());
    const Hash256 h = Blake2b256(*b);
    OverwriteFile(ChunkFileOf(t.File("chunks"), h), *b);
    CHECK(store->Has(h));
    auto got = store->Get(h);
    REQUIRE(got.ok());
    CHECK(*got == *b);
  }
  Bytes damaged = plain;
  damaged[10] ^= 0x08;
  OverwriteFile(ChunkFileOf(t.File("chunks"), Blake2b256(plain)), damaged);
  CHECK(store->Get(Blake2b256(plain)).status().code() == Status::Code::kCorruption);
}

TEST_CASE("chunk store: PutVerified refuses bytes that do not match the claimed hash") {
  TempDir t;
  auto store = ChunkStore::Open(t.File("chunks"));
  REQUIRE(store.ok());
  Bytes a = StorePattern(500, 5);
  Hash256 wrong = Blake2b256(StorePattern(500, 6));
  CHECK(store->PutVerified(wrong, a).code() == Status::Code::kCorruption);
  CHECK_FALSE(store->Has(wrong));
  CHECK(store->PutVerified(Blake2b256(a), a).ok());
  CHECK(store->Has(Blake2b256(a)));
}

TEST_CASE(
    "chunk store: Remove deletes, an absent chunk is not found and removing it again is fine") {
  TempDir t;
  auto store = ChunkStore::Open(t.File("chunks"));
  REQUIRE(store.ok());
  auto h = store->Put(StorePattern(10, 9));
  REQUIRE(h.ok());
  CHECK(store->Remove(*h).ok());
  CHECK_FALSE(store->Has(*h));
  CHECK(store->Get(*h).status().code() == Status::Code::kNotFound);
  CHECK(store->Remove(*h).ok());
}

TEST_CASE("chunk store: a purged chunk is deleted and never stored again until unmarked") {
  TempDir t;
  auto store = ChunkStore::Open(t.File("chunks"));
  REQUIRE(store.ok());
  Bytes a = StorePattern(5000, 3);
  Bytes b = StorePattern(5000, 4);
  auto ha = store->Put(a);
  auto hb = store->Put(b);
  REQUIRE(ha.ok());
  REQUIRE(hb.ok());
  REQUIRE(store->MarkPurged(*ha).ok());
  CHECK_FALSE(store->Has(*ha));
  CHECK(store->IsPurged(*ha));
  CHECK(store->Has(*hb));  // only the purged chunk goes
  CHECK_FALSE(store->IsPurged(*hb));
  REQUIRE(store->MarkPurged(*ha).ok());  // idempotent
  auto usage = store->Measure();
  REQUIRE(usage.ok());
  CHECK(usage->chunks == 1);  // the mark is not a chunk

  // Neither a local attach nor a peer's verified chunk brings it back.
  auto put = store->Put(a);
  REQUIRE_FALSE(put.ok());
  CHECK(put.status().code() == Status::Code::kFailedPrecondition);
  CHECK(put.status().message().find("purged") != std::string::npos);
  Status verified = store->PutVerified(*ha, a);
  CHECK(verified.code() == Status::Code::kFailedPrecondition);
  CHECK_FALSE(store->Has(*ha));
  // A store opened again on the folder still refuses it.
  auto reopened = ChunkStore::Open(t.File("chunks"));
  REQUIRE(reopened.ok());
  CHECK_FALSE(reopened->Put(a).ok());
  // Nor does a bundle's staging area handing the chunk over.
  auto staging = ChunkStore::Open(t.File("staging"));
  REQUIRE(staging.ok());
  REQUIRE(staging->Put(a).ok());
  CHECK(store->Adopt(*staging, *ha).code() == Status::Code::kFailedPrecondition);
  CHECK_FALSE(store->Has(*ha));

  // A crash after the mark, before the deletion: the bytes are still there,
  // refused to readers of the mark, and purging again deletes them.
  std::filesystem::copy_file(t.File("chunks") + "/" + hb->hex().substr(0, 2) + "/" + hb->hex(),
                             t.File("saved"));
  REQUIRE(store->MarkPurged(*hb).ok());
  std::filesystem::copy_file(t.File("saved"),
                             t.File("chunks") + "/" + hb->hex().substr(0, 2) + "/" + hb->hex());
  CHECK(store->Has(*hb));
  REQUIRE(store->MarkPurged(*hb).ok());
  CHECK_FALSE(store->Has(*hb));

  REQUIRE(store->Unmark(*ha).ok());
  REQUIRE(store->Unmark(*ha).ok());
  CHECK_FALSE(store->IsPurged(*ha));
  REQUIRE(store->Put(a).ok());
  CHECK(store->Has(*ha));
}

}  // namespace
}  // namespace credmesh
