// hlc.h: hybrid logical clock. A timestamp is a uint64: the upper 48 bits are
// Unix milliseconds, the lower 16 a logical counter. Now() never returns a
// value <= any earlier result of Now() or Observe(), even when the injected
// wall clock jumps back. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>

#include "protocol/clock.h"

namespace credmesh {

class HybridClock {
 public:
  static constexpr int kLogicalBits = 16;
  // Timestamps further than this ahead of our wall clock are "from the future":
  // Observe() refuses them so one node with a wrong clock cannot drag every
  // other node's clock forward. See docs/records.md, "Clock skew".
  static constexpr int64_t kDefaultMaxFutureSkewMs = 10 * 60 * 1000;

  explicit HybridClock(Clock& clock, int64_t max_future_skew_ms = kDefaultMaxFutureSkewMs)
      : clock_(clock), max_skew_ms_(max_future_skew_ms) {}

  static uint64_t Make(int64_t millis, uint64_t logical) {
    return (static_cast<uint64_t>(millis) << kLogicalBits) | logical;
  }
  static int64_t Millis(uint64_t ts) { return static_cast<int64_t>(ts >> kLogicalBits); }
  static uint64_t Logical(uint64_t ts) { return ts & ((1u << kLogicalBits) - 1); }

  // A fresh timestamp for a local event, strictly greater than every earlier one.
  uint64_t Now();
  // Merges a timestamp seen on another node's record. Returns false, leaving
  // the clock unchanged, if `remote` is too far in the future.
  bool Observe(uint64_t remote);
  // True if `ts` is more than the allowed skew ahead of the wall clock now.
  bool IsTooFarInFuture(uint64_t ts);
  // Raises the floor (e.g. to the newest stored timestamp after a restart).
  void RaiseTo(uint64_t ts);
  uint64_t last() const;

 private:
  Clock& clock_;
  const int64_t max_skew_ms_;
  mutable std::mutex mu_;
  uint64_t last_ = 0;  // GUARDED_BY(mu_)
};

}  // namespace credmesh
