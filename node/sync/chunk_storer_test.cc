#include "node/sync/chunk_storer.h"

#include <doctest/doctest.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "protocol/crypto.h"

namespace credmesh {
namespace {

// Records what was asked of it, and on which thread; refuses bytes that do
// not hash to their name, as a real exchange does.
class RecordingExchange final : public ChunkExchange {
 public:
  Result<std::vector<Hash256>> ChunksToFetch(const std::vector<std::string>&, size_t) override {
    return std::vector<Hash256>{};
  }
  Status StoreChunk(const Hash256& hash, ByteView data) override {
    std::lock_guard<std::mutex> lock(mu);
    threads.push_back(std::this_thread::get_id());
    if (Blake2b256(data) != hash) {
      log.push_back("bad");
      return Status::Corruption("does not match");
    }
    log.push_back("store " + std::to_string(data.size()));
    return Status::Ok();
  }
  Status CommitChunks() override {
    std::lock_guard<std::mutex> lock(mu);
    log.push_back("commit");
    return Status::Ok();
  }
  Result<std::optional<Bytes>> ServeChunk(const std::vector<std::string>&,
                                          const Hash256&) override {
    return std::optional<Bytes>();
  }
  std::mutex mu;
  std::vector<std::string> log;
  std::vector<std::thread::id> threads;
};

Bytes Filled(size_t n, uint8_t b) { return Bytes(n, b); }

TEST_CASE("chunk storer: stores off the caller's thread, in order, commits after what preceded") {
  RecordingExchange ex;
  ChunkStorer storer(ex);
  const Bytes a = Filled(100, 1), b = Filled(200, 2), c = Filled(300, 3);
  storer.Store(Blake2b256(a), a);
  storer.Store(Blake2b256(b), b);
  storer.Commit();
  storer.Store(Blake2b256(c), c);
  CHECK(storer.pending() == 4);
  CHECK(storer.stores_pending() == 3);
  std::vector<ChunkStorer::Done> done;
  while (storer.pending() > 0) done.push_back(storer.Wait());
  REQUIRE(done.size() == 4);
  CHECK_FALSE(done[0].commit);
  CHECK(done[0].hash == Blake2b256(a));
  CHECK(done[0].bytes == 100);
  CHECK(done[1].hash == Blake2b256(b));
  CHECK(done[2].commit);
  CHECK(done[3].hash == Blake2b256(c));
  for (const auto& d : done) CHECK(d.status.ok());
  CHECK(storer.stores_pending() == 0);
  CHECK(ex.log == std::vector<std::string>{"store 100", "store 200", "commit", "store 300"});
  for (auto id : ex.threads) CHECK(id != std::this_thread::get_id());
  CHECK_FALSE(storer.Poll());  // nothing left
}

TEST_CASE("chunk storer: a chunk whose bytes do not match its hash comes back as corruption") {
  RecordingExchange ex;
  ChunkStorer storer(ex);
  const Bytes good = Filled(64, 7);
  Bytes bad = good;
  bad[10] ^= 1;
  storer.Store(Blake2b256(good), bad);
  storer.Store(Blake2b256(good), good);
  ChunkStorer::Done first = storer.Wait();
  CHECK(first.status.code() == Status::Code::kCorruption);
  CHECK(first.hash == Blake2b256(good));
  CHECK(storer.Wait().status.ok());
  CHECK(ex.log == std::vector<std::string>{"bad", "store 64"});
}

TEST_CASE("chunk storer: destroying it finishes the work queued") {
  RecordingExchange ex;
  {
    ChunkStorer storer(ex);
    for (int i = 0; i < 5; ++i) {
      const Bytes d = Filled(10 + i, static_cast<uint8_t>(i));
      storer.Store(Blake2b256(d), d);
    }
    storer.Commit();
  }
  CHECK(ex.log.size() == 6);
  CHECK(ex.log.back() == "commit");
}

}  // namespace
}  // namespace credmesh
