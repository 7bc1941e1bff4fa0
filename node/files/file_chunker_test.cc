#include "node/files/file_chunker.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "node/files/chunk_checksum.h"
#include "protocol/crypto.h"
#include "tests/temp_dir.h"

namespace credmesh {
namespace {

Bytes ChunkerPattern(size_t n, uint8_t seed) {
  Bytes b(n);
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    b[i] = static_cast<uint8_t>(x >> 24);
  }
  return b;
}

void WriteBytes(const std::string& path, const Bytes& b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

Bytes ReadBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

TEST_CASE("chunking: a multi-chunk file round-trips through the store, hash-checked") {
  TempDir t;
  auto store = ChunkStore::Open(t.File("chunks"));
  REQUIRE(store.ok());
  const size_t n = static_cast<size_t>(kChunkSize) * 3 + 12345;  // three full chunks and a tail
  Bytes content = ChunkerPattern(n, 1);
  WriteBytes(t.File("lesson.pdf"), content);
  std::vector<int64_t> seen;
  auto m = ChunkFile(*store, t.File("lesson.pdf"), {}, [&](int64_t done, int64_t total) {
    CHECK(total == static_cast<int64_t>(n));
    seen.push_back(done);
  });
  REQUIRE(m.ok());
  CHECK(m->name == "lesson.pdf");
  CHECK(m->size == static_cast<int64_t>(n));
  CHECK(m->chunks.size() == 4);
  CHECK(m->hash == Blake2b256(content));
  CHECK(m->chunks[3] == Blake2b256(ByteView(content).subspan(3 * kChunkSize)));
  CHECK(seen ==
        std::vector<int64_t>{kChunkSize, 2 * kChunkSize, 3 * kChunkSize, static_cast<int64_t>(n)});
  CHECK(m->media_type == "application/pdf");  // by extension: content is not a PDF

  REQUIRE(AssembleFile(*store, *m, t.File("out.pdf")).ok());
  CHECK(ReadBytes(t.File("out.pdf")) == content);
  CHECK(AssembleFile(*store, *m, t.File("out.pdf")).code() == Status::Code::kAlreadyExists);
}

TEST_CASE("chunking: chunks become durable a batch at a time, all of them before it returns") {
  TempDir t;
  auto store = ChunkStore::Open(t.File("chunks"));
  REQUIRE(store.ok());
  const size_t chunks = kChunksPerCommit + 8;
  const Bytes content = ChunkerPattern(static_cast<size_t>(kChunkSize) * chunks, 7);
  WriteBytes(t.File("video.mp4"), content);
  auto chunk_hash = [&](size_t i) {
    return Blake2b256(ByteView(content).subspan(i * kChunkSize, kChunkSize));
  };
  std::vector<bool> held_when_added;  // chunk i held when progress reported it
  bool first_held_at_commit = false;
  auto m = ChunkFile(*store, t.File("video.mp4"), {}, [&](int64_t done, int64_t) {
    const size_t i = static_cast<size_t>(done / kChunkSize) - 1;
    held_when_added.push_back(store->Has(chunk_hash(i)));
    if (i + 1 == kChunksPerCommit) first_held_at_commit = store->Has(chunk_hash(0));
  });
  REQUIRE(m.ok());
  REQUIRE(held_when_added.size() == chunks);
  // Not one fsync per chunk: a chunk is written, not yet held...
  CHECK_FALSE(held_when_added[0]);
  CHECK_FALSE(held_when_added[kChunksPerCommit - 2]);
  CHECK_FALSE(held_when_added[kChunksPerCommit]);
  // ...until its batch's commit makes the whole batch durable at once.
  CHECK(held_when_added[kChunksPerCommit - 1]);
  CHECK(first_held_at_commit);
  // On return every chunk is held and no temporary file is left.
  for (size_t i = 0; i < chunks; ++i) CHECK(store->Has(chunk_hash(i)));
  int others = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(t.File("chunks"))) {
    if (e.is_regular_file() && e.path().filename().string().size() != 64) ++others;
  }
  CHECK(others == 0);
  REQUIRE(AssembleFile(*store, *m, t.File("out.mp4")).ok());
  CHECK(ReadBytes(t.File("out.mp4")) == content);
}

TEST_CASE("chunking: identical content is stored once (dedupe across files)") {
  TempDir t;
  auto store = ChunkStore::Open(t.File("chunks"));
  REQUIRE(store.ok());
  Bytes content = ChunkerPattern(static_cast<size_t>(kChunkSize) * 2, 7);
  WriteBytes(t.File("a.bin"), content);
  WriteBytes(t.File("b.bin"), content);
  auto a = ChunkFile(*store, t.File("a.bin"), {});
  auto b = ChunkFile(*store, t.File("b.bin"), {});
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->chunks == b->chunks);
  auto usage = store->Measure();
  REQUIRE(usage.ok());
  CHECK(usage->chunks == 2);
  CHECK(usage->bytes == 2 * (kChunkSize + static_cast<int64_t>(kChunkHeaderBytes)));
}

TEST_CASE("chunking: empty and exact-multiple files") {
  TempDir t;
  auto store = ChunkStore::Open(t.File("chunks"));
  REQUIRE(store.ok());
  WriteBytes(t.File("empty.txt"), {});
  auto e = ChunkFile(*store, t.File("empty.txt"), {});
  REQUIRE(e.ok());
  CHECK(e->size == 0);
  CHECK(e->chunks.empty());
  CHECK(e->media_type == "text/plain");
  REQUIRE(AssembleFile(*store, *e, t.File("empty.out")).ok());
  CHECK(std::filesystem::file_size(t.File("empty.out")) == 0);

  Bytes exact = ChunkerPattern(static_cast<size_t>(kChunkSize) * 2, 2);
  WriteBytes(t.File("exact.bin"), exact);
  auto x = ChunkFile(*store, t.File("exact.bin"), {});
  REQUIRE(x.ok());
  CHECK(x->chunks.size() == 2);
  REQUIRE(AssembleFile(*store, *x, t.File("exact.out")).ok());
  CHECK(ReadBytes(t.File("exact.out")) == exact);
}

TEST_CASE("chunking: the size policy refuses a file before storing anything") {
  TempDir t;
  auto store = ChunkStore::Open(t.File("chunks"));
  REQUIRE(store.ok());
  WriteBytes(t.File("big.mp4"), ChunkerPattern(static_cast<size_t>(kChunkSize) + 1, 3));
  ChunkingOptions o;
  o.max_file_size = kChunkSize;
  auto m = ChunkFile(*store, t.File("big.mp4"), o);
  CHECK(m.status().code() == Status::Code::kResourceExhausted);
  CHECK(m.status().message().find("limit") != std::string::npos);
  CHECK(store->Measure()->chunks == 0);
  CHECK(ChunkFile(*store, t.File("missing.pdf"), {}).status().code() == Status::Code::kNotFound);
}

TEST_CASE("assembling: a missing or corrupt chunk fails and leaves no output file") {
  TempDir t;
  auto store = ChunkStore::Open(t.File("chunks"));
  REQUIRE(store.ok());
  WriteBytes(t.File("v.mp4"), ChunkerPattern(static_cast<size_t>(kChunkSize) * 2 + 10, 4));
  auto m = ChunkFile(*store, t.File("v.mp4"), {});
  REQUIRE(m.ok());
  FileAvailability full = Availability(*store, *m);
  CHECK(full.complete());
  CHECK(full.bytes_missing == 0);

  REQUIRE(store->Remove(m->chunks[2]).ok());
  FileAvailability partial = Availability(*store, *m);
  CHECK_FALSE(partial.complete());
  CHECK(partial.chunks_present == 2);
  CHECK(partial.bytes_missing == 10);
  CHECK(AssembleFile(*store, *m, t.File("out.mp4")).code() == Status::Code::kNotFound);
  CHECK_FALSE(std::filesystem::exists(t.File("out.mp4")));
  CHECK_FALSE(std::filesystem::exists(t.File("out.mp4.part")));

  FileManifest lying = *m;
  lying.hash = Blake2b256(AsBytes("something else"));
  REQUIRE(store->Put(ChunkerPattern(10, 99)).ok());
  lying.chunks[2] = Blake2b256(ChunkerPattern(10, 99));
  CHECK(AssembleFile(*store, lying, t.File("out2.mp4")).code() == Status::Code::kCorruption);
  CHECK_FALSE(std::filesystem::exists(t.File("out2.mp4")));
}

TEST_CASE("manifest validation: chunk count must match the size") {
  FileManifest m;
  m.name = "a.txt";
  m.size = kChunkSize + 1;
  m.chunks.resize(1);
  CHECK(m.Validate().code() == Status::Code::kInvalidArgument);
  m.chunks.resize(2);
  CHECK(m.Validate().ok());
  m.name = "../etc/passwd";
  CHECK_FALSE(m.Validate().ok());
  m.name = "a.txt";
  m.chunk_size = kChunkSize * 2;
  CHECK_FALSE(m.Validate().ok());
}

}  // namespace
}  // namespace credmesh
