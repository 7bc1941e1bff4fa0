#include "node/sync/chunk_storer.h"

#include <system_error>

namespace credmesh {

ChunkStorer::~ChunkStorer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void ChunkStorer::Store(const Hash256& hash, Bytes data) {
  ++stores_pending_;
  Queue(Job{false, hash, std::move(data)});
}

void ChunkStorer::Commit() { Queue(Job{true, Hash256{}, {}}); }

void ChunkStorer::Queue(Job job) {
  ++pending_;
  if (!thread_.joinable()) {
    try {
      thread_ = std::thread([this] { Run(); });
    } catch (const std::system_error&) {
      // No thread to be had: do the job here, as the inline path would.
      Done d = Perform(job);
      std::lock_guard<std::mutex> lock(mu_);
      done_.push_back(std::move(d));
      return;
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    todo_.push_back(std::move(job));
  }
  work_.notify_one();
}

ChunkStorer::Done ChunkStorer::Perform(const Job& job) {
  return Done{job.commit, job.hash, job.data.size(),
              job.commit ? exchange_.CommitChunks() : exchange_.StoreChunk(job.hash, job.data)};
}

void ChunkStorer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_.wait(lock, [&] { return stop_ || !todo_.empty(); });
    if (todo_.empty()) return;  // stopping, and everything queued is done
    Job job = std::move(todo_.front());
    todo_.pop_front();
    lock.unlock();
    Done d = Perform(job);
    job.data = Bytes();  // the chunk's memory goes now, not when the result is taken
    lock.lock();
    done_.push_back(std::move(d));
    finished_.notify_one();
  }
}

ChunkStorer::Done ChunkStorer::TakeFront() {
  Done d = std::move(done_.front());
  done_.pop_front();
  --pending_;
  if (!d.commit) --stores_pending_;
  return d;
}

std::optional<ChunkStorer::Done> ChunkStorer::Poll() {
  std::lock_guard<std::mutex> lock(mu_);
  if (done_.empty()) return std::nullopt;
  return TakeFront();
}

ChunkStorer::Done ChunkStorer::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  finished_.wait(lock, [&] { return !done_.empty(); });
  return TakeFront();
}

}  // namespace credmesh
