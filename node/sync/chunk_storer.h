// chunk_storer.h: stores the chunks a session receives (docs/protocol.md
// §16.3) on a thread of its own, in the order received, so that hashing and
// writing one chunk, and the durable commit of a credit window, overlap the
// network and the session's next frames instead of stalling them.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "node/sync/chunk_exchange.h"

namespace credmesh {

// One worker thread per storer, started by the first Store or Commit. Work
// runs in the order queued, so a Commit covers every Store queued before it
// (ChunkExchange::CommitChunks: nothing is held before it is durable), and
// results come back in that order. The caller bounds how much it queues:
// the storer holds every chunk queued and not yet stored.
//
// Thread-safety: one owner thread calls the methods; the exchange's
// StoreChunk and CommitChunks run on the worker (ChunkExchange allows it).
class ChunkStorer {
 public:
  explicit ChunkStorer(ChunkExchange& exchange) : exchange_(exchange) {}
  // Waits for the work queued, then ends the thread.
  ~ChunkStorer();
  ChunkStorer(const ChunkStorer&) = delete;
  ChunkStorer& operator=(const ChunkStorer&) = delete;

  // What one queued job did.
  struct Done {
    bool commit = false;  // a Commit; otherwise a Store of `hash`
    Hash256 hash;
    uint64_t bytes = 0;  // the chunk's size (a Store)
    Status status;       // StoreChunk's (kCorruption: bytes did not match) or CommitChunks'
  };

  // Queues ChunkExchange::StoreChunk(hash, data), taking the bytes.
  void Store(const Hash256& hash, Bytes data);
  // Queues ChunkExchange::CommitChunks, after every Store queued so far.
  void Commit();
  // The oldest job's result if it has finished, else nullopt (also when
  // nothing is queued).
  std::optional<Done> Poll();
  // The oldest job's result, waiting for it. REQUIRES: pending() > 0.
  Done Wait();
  // Jobs queued whose result has not been taken; stores among them.
  size_t pending() const { return pending_; }
  size_t stores_pending() const { return stores_pending_; }

 private:
  struct Job {
    bool commit = false;
    Hash256 hash;
    Bytes data;
  };
  void Queue(Job job);
  Done Perform(const Job& job);  // runs it against the exchange
  void Run();
  Done TakeFront();  // REQUIRES: mu_ held, done_ not empty

  ChunkExchange& exchange_;
  std::mutex mu_;
  std::condition_variable work_, finished_;
  std::deque<Job> todo_;   // guarded by mu_
  std::deque<Done> done_;  // guarded by mu_
  bool stop_ = false;      // guarded by mu_
  std::thread thread_;
  size_t pending_ = 0, stores_pending_ = 0;  // the owner's counts
};

}  // namespace credmesh
