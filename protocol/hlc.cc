#include "protocol/hlc.h"

#include <algorithm>

namespace credmesh {

uint64_t HybridClock::Now() {
  std::lock_guard lock(mu_);
  uint64_t wall = Make(std::max<int64_t>(clock_.NowMillis(), 0), 0);
  // Either the wall clock moved past us, or we tick the logical part (which
  // carries into the millisecond part on overflow; that is still monotonic).
  last_ = std::max(wall, last_ + 1);
  return last_;
}

bool HybridClock::IsTooFarInFuture(uint64_t ts) {
  return Millis(ts) > clock_.NowMillis() + max_skew_ms_;
}

bool HybridClock::Observe(uint64_t remote) {
  if (IsTooFarInFuture(remote)) return false;
  RaiseTo(remote);
  return true;
}

void HybridClock::RaiseTo(uint64_t ts) {
  std::lock_guard lock(mu_);
  last_ = std::max(last_, ts);
}

uint64_t HybridClock::last() const {
  std::lock_guard lock(mu_);
  return last_;
}

}  // namespace credmesh
