// parallel_for.h: benchmark setup work (signing test records) spread over
// all cores. Not for measured work.
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace credmesh::bench {

// Calls fn(i) for every i in [0, n), each i once, on one thread per core;
// returns when all are done. fn must be safe to call concurrently.
template <typename Fn>
void ParallelFor(size_t n, const Fn& fn) {
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t i = t; i < n; i += threads) fn(i);
    });
  }
  for (auto& th : pool) th.join();
}

}  // namespace credmesh::bench
