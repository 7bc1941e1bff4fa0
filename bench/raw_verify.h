// raw_verify.h: this machine's raw Ed25519 verify rate (libsodium
// crypto_sign_verify_detached on one fixed message), the yardstick the
// benchmarks print their figures against.
#pragma once

#include <sodium.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "protocol/crypto.h"

namespace credmesh::bench {

// Verifies `message` signed by `key` on `threads` threads at once for about
// `seconds`; returns verifications per second, all threads together.
inline double RawVerifyRate(const Bytes& message, const SigningKey& key, unsigned threads = 1,
                            double seconds = 1.0) {
  const Signature sig = key.Sign(message);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> total{0};
  auto work = [&] {
    uint64_t n = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      for (int i = 0; i < 100; ++i) {
        if (crypto_sign_verify_detached(sig.data.data(), message.data(), message.size(),
                                        key.public_key().data.data()) != 0) {
          std::fprintf(stderr, "raw verify failed\n");
          std::exit(1);
        }
      }
      n += 100;
    }
    total += n;
  };
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : pool) t.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(total.load()) / elapsed;
}

}  // namespace credmesh::bench
