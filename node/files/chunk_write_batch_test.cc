#include "node/files/chunk_write_batch.h"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "node/files/chunk_checksum.h"
#include "protocol/crypto.h"
#include "tests/temp_dir.h"

namespace credmesh {
namespace {

Bytes BatchPattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed * 31 + i * 13);
  return b;
}

// Every regular file under `dir`: chunks, marks and temporary files alike.
int FilesUnder(const std::string& dir) {
  int n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    n += e.is_regular_file() ? 1 : 0;
  }
  return n;
}

TEST_CASE("chunk write batch: chunks are held only after the commit, then read back checked") {
  TempDir t;
  auto store = ChunkStore::Open(t.File("chunks"));
  REQUIRE(store.ok());
  ChunkWriteBatch batch(*store);
  const Bytes a = BatchPattern(5000, 1), b = BatchPattern(7000, 2);
  REQUIRE(batch.AddVerified(Blake2b256(a), a).ok());
  REQUIRE(batch.AddVerified(Blake2b256(b), b).ok());
  CHECK(batch.size() == 2);
  CHECK(batch.bytes() == 12000);
  // Written, but not durable yet: not held, not counted, not readable.
  CHECK_FALSE(store->Has(Blake2b256(a)));
  CHECK(store->Measure()->chunks == 0);
  CHECK(store->Get(Blake2b256(b)).status().code() == Status::Code::kNotFound);
  REQUIRE(batch.Commit().ok());
  CHECK(batch.size() == 0);
  CHECK(store->Has(Blake2b256(a)));
  CHECK(*store->Get(Blake2b256(b)) == b);
  // Written with its checksum header, as ChunkStore::Put writes it.
  const std::string hex = Blake2b256(b).hex();
  CHECK(std::filesystem::file_size(t.File("chunks") + "/" + hex.substr(0, 2) + "/" + hex) ==
        b.size() + kChunkHeaderBytes);
  CHECK(FilesUnder(t.File("chunks")) == 2);  // no temporary file left
  REQUIRE(batch.Commit().ok());              // the renames' sync: nothing changes
  CHECK(store->Measure()->chunks == 2);
}

TEST_CASE("chunk write batch: bytes that do not match their hash are refused and not written") {
  TempDir t;
  auto store = ChunkStore::Open(t.File("chunks"));
  REQUIRE(store.ok());
  ChunkWriteBatch batch(*store);
  Bytes a = BatchPattern(4096, 3);
  const Hash256 h = Blake2b256(a);
  a[10] ^= 0x40;
  CHECK(batch.AddVerified(h, a).code() == Status::Code::kCorruption);
  CHECK(batch.size() == 0);
  REQUIRE(batch.Commit().ok());
  CHECK_FALSE(store->Has(h));
  CHECK(FilesUnder(t.File("chunks")) == 0);
}

TEST_CASE("chunk write batch: a batch dropped before its commit leaves nothing behind") {
  TempDir t;
  auto store = ChunkStore::Open(t.File("chunks"));
  REQUIRE(store.ok());
  const Bytes a = BatchPattern(3000, 4);
  {
    ChunkWriteBatch batch(*store);
    REQUIRE(batch.AddVerified(Blake2b256(a), a).ok());
    CHECK(FilesUnder(t.File("chunks")) == 1);  // its temporary file
  }
  CHECK_FALSE(store->Has(Blake2b256(a)));
  CHECK(FilesUnder(t.File("chunks")) == 0);
}

TEST_CASE("chunk write batch: a chunk held or added already is written once") {
  TempDir t;
  auto store = ChunkStore::Open(t.File("chunks"));
  REQUIRE(store.ok());
  const Bytes a = BatchPattern(2000, 5), b = BatchPattern(2500, 6);
  REQUIRE(store->Put(a).ok());
  ChunkWriteBatch batch(*store);
  REQUIRE(batch.AddVerified(Blake2b256(a), a).ok());
  REQUIRE(batch.AddVerified(Blake2b256(b), b).ok());
  REQUIRE(batch.AddVerified(Blake2b256(b), b).ok());
  CHECK(batch.size() == 1);
  REQUIRE(batch.Commit().ok());
  CHECK(store->Measure()->chunks == 2);
  CHECK(FilesUnder(t.File("chunks")) == 2);
}

TEST_CASE("chunk write batch: a purged chunk is refused, even if purged while it waits") {
  TempDir t;
  auto store = ChunkStore::Open(t.File("chunks"));
  REQUIRE(store.ok());
  const Bytes a = BatchPattern(2000, 7), b = BatchPattern(2100, 8);
  REQUIRE(store->MarkPurged(Blake2b256(a)).ok());
  ChunkWriteBatch batch(*store);
  CHECK(batch.AddVerified(Blake2b256(a), a).code() == Status::Code::kFailedPrecondition);
  REQUIRE(batch.AddVerified(Blake2b256(b), b).ok());
  REQUIRE(store->MarkPurged(Blake2b256(b)).ok());  // a purge arrives before the commit
  REQUIRE(batch.Commit().ok());
  CHECK_FALSE(store->Has(Blake2b256(a)));
  CHECK_FALSE(store->Has(Blake2b256(b)));
  CHECK(store->IsPurged(Blake2b256(b)));
}

// A process that has ended: its id is free (until reused, which the test
// does not wait for).
pid_t EndedProcess() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

TEST_CASE("chunk write batch: temporaries of a process that died mid-batch are removed") {
  TempDir t;
  auto store = ChunkStore::Open(t.File("chunks"));
  REQUIRE(store.ok());
  const Bytes held = BatchPattern(1000, 1), waiting = BatchPattern(1000, 2);
  REQUIRE(store->Put(held).ok());
  // This process's batch, not committed yet: its temporary stays.
  ChunkWriteBatch mine(*store);
  REQUIRE(mine.AddVerified(Blake2b256(waiting), waiting).ok());
  // Left by a crash: a batch file of an ended process; and one of a live
  // process (init) that is not ours to remove.
  const std::string hex = Blake2b256(BatchPattern(10, 3)).hex();
  const std::string folder = t.File("chunks") + "/" + hex.substr(0, 2);
  std::filesystem::create_directories(folder);
  const std::string dead = folder + "/" + hex + "." + std::to_string(EndedProcess()) + "-4.tmp";
  const std::string live = folder + "/" + hex + ".1-9.tmp";
  std::ofstream(dead) << "half a chunk";
  std::ofstream(live) << "being written";
  REQUIRE(FilesUnder(t.File("chunks")) == 4);

  auto removed = ChunkWriteBatch::RemoveAbandoned(*store);
  REQUIRE(removed.ok());
  CHECK(*removed == 1);
  CHECK_FALSE(std::filesystem::exists(dead));
  CHECK(std::filesystem::exists(live));
  CHECK(FilesUnder(t.File("chunks")) == 3);
  // The held chunk and this process's batch are untouched.
  CHECK(store->Get(Blake2b256(held)).ok());
  REQUIRE(mine.Commit().ok());
  CHECK(store->Has(Blake2b256(waiting)));
}

}  // namespace
}  // namespace credmesh
