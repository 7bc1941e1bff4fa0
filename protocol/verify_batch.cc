#include "protocol/verify_batch.h"

#include <thread>

namespace credmesh {

std::vector<Result<VerifiedRecord>> VerifyRecords(std::vector<Bytes> encoded, unsigned threads) {
  const size_t n = encoded.size();
  std::vector<std::optional<Result<VerifiedRecord>>> slots(n);
  auto work = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i)
      slots[i].emplace(VerifiedRecord::Verify(std::move(encoded[i])));
  };
  if (threads <= 1 || n < 64) {
    work(0, n);
  } else {
    std::vector<std::thread> pool;
    size_t chunk = (n + threads - 1) / threads;
    for (size_t b = 0; b < n; b += chunk) pool.emplace_back(work, b, std::min(n, b + chunk));
    for (auto& t : pool) t.join();
  }
  std::vector<Result<VerifiedRecord>> out;
  out.reserve(n);
  for (auto& s : slots) out.push_back(std::move(*s));
  return out;
}

}  // namespace credmesh
