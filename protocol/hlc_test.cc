#include "protocol/hlc.h"

#include <doctest/doctest.h>

namespace credmesh {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;  // ms
constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kHour = 60 * kMinute;

TEST_CASE("protocol/hlc: layout is 48-bit milliseconds over a 16-bit counter") {
  uint64_t ts = HybridClock::Make(kT0, 5);
  CHECK(ts == (static_cast<uint64_t>(kT0) << 16 | 5));
  CHECK(HybridClock::Millis(ts) == kT0);
  CHECK(HybridClock::Logical(ts) == 5);
  CHECK(HybridClock::Logical(HybridClock::Make(kT0, 65535)) == 65535);
  CHECK(HybridClock::Make(kT0, 0) < HybridClock::Make(kT0, 1));
  CHECK(HybridClock::Make(kT0, 65535) < HybridClock::Make(kT0 + 1, 0));
}

TEST_CASE("protocol/hlc: follows the wall clock while it moves forward") {
  ManualClock wall(kT0);
  HybridClock hlc(wall);
  CHECK(hlc.Now() == HybridClock::Make(kT0, 0));
  wall.Advance(5);
  CHECK(hlc.Now() == HybridClock::Make(kT0 + 5, 0));
  CHECK(hlc.last() == HybridClock::Make(kT0 + 5, 0));
}

TEST_CASE("protocol/hlc: monotonic when the wall clock jumps back by hours") {
  ManualClock wall(kT0);
  HybridClock hlc(wall);
  uint64_t prev = hlc.Now();
  wall.Set(kT0 - 3 * kHour);
  for (int i = 0; i < 100; ++i) {
    uint64_t t = hlc.Now();
    CHECK(t > prev);
    prev = t;
    wall.Advance(1);
  }
  // Still anchored at kT0: only the counter moved.
  CHECK(HybridClock::Millis(prev) == kT0);
  CHECK(HybridClock::Logical(prev) == 100);
  wall.Set(kT0 + 10);
  CHECK(hlc.Now() == HybridClock::Make(kT0 + 10, 0));
}

TEST_CASE("protocol/hlc: a stalled clock ticks the counter and carries past 65535") {
  ManualClock wall(kT0);
  HybridClock hlc(wall);
  uint64_t prev = hlc.Now();
  CHECK(HybridClock::Logical(prev) == 0);
  int not_next = 0;
  for (int i = 1; i <= 65535; ++i) {
    uint64_t t = hlc.Now();
    if (t != prev + 1) ++not_next;
    prev = t;
  }
  CHECK(not_next == 0);
  CHECK(prev == HybridClock::Make(kT0, 65535));
  uint64_t carried = hlc.Now();
  CHECK(carried == HybridClock::Make(kT0 + 1, 0));
  // When the wall clock reaches the borrowed millisecond, the counter goes on.
  wall.Advance(1);
  CHECK(hlc.Now() == HybridClock::Make(kT0 + 1, 1));
  wall.Advance(1);
  CHECK(hlc.Now() == HybridClock::Make(kT0 + 2, 0));
}

TEST_CASE("protocol/hlc: Observe within the skew raises the clock") {
  ManualClock wall(kT0);
  HybridClock hlc(wall);
  uint64_t remote = HybridClock::Make(kT0 + 5 * kMinute, 9);
  CHECK_FALSE(hlc.IsTooFarInFuture(remote));
  CHECK(hlc.Observe(remote));
  CHECK(hlc.last() == remote);
  CHECK(hlc.Now() == remote + 1);
  // Observing an older timestamp is accepted and changes nothing.
  uint64_t before = hlc.last();
  CHECK(hlc.Observe(HybridClock::Make(kT0 - kHour, 0)));
  CHECK(hlc.last() == before);
}

TEST_CASE("protocol/hlc: Observe refuses timestamps more than 10 minutes ahead") {
  ManualClock wall(kT0);
  HybridClock hlc(wall);
  uint64_t start = hlc.Now();
  const int64_t limit = HybridClock::kDefaultMaxFutureSkewMs;
  CHECK(limit == 10 * kMinute);
  uint64_t at_limit = HybridClock::Make(kT0 + limit, 65535);
  uint64_t past_limit = HybridClock::Make(kT0 + limit + 1, 0);
  CHECK(hlc.IsTooFarInFuture(past_limit));
  CHECK_FALSE(hlc.Observe(past_limit));
  CHECK_FALSE(hlc.Observe(HybridClock::Make(kT0 + 24 * kHour, 0)));
  CHECK_FALSE(hlc.Observe(UINT64_MAX));
  CHECK(hlc.last() == start);
  CHECK(hlc.Now() == start + 1);
  // Exactly at the limit is accepted.
  CHECK(hlc.Observe(at_limit));
  CHECK(hlc.last() == at_limit);
  // Once the wall clock catches up, the refused timestamp is accepted.
  wall.Advance(1);
  CHECK(hlc.Observe(past_limit));
  CHECK(hlc.last() == past_limit);
}

TEST_CASE("protocol/hlc: the skew limit is configurable") {
  ManualClock wall(kT0);
  HybridClock hlc(wall, 1000);
  CHECK(hlc.Observe(HybridClock::Make(kT0 + 1000, 0)));
  CHECK_FALSE(hlc.Observe(HybridClock::Make(kT0 + 1001, 0)));
}

TEST_CASE("protocol/hlc: RaiseTo sets a floor, never lowers") {
  ManualClock wall(kT0);
  HybridClock hlc(wall);
  uint64_t stored = HybridClock::Make(kT0 + kHour, 3);
  hlc.RaiseTo(stored);  // even beyond the skew limit: local history is trusted
  CHECK(hlc.last() == stored);
  CHECK(hlc.Now() == stored + 1);
  hlc.RaiseTo(HybridClock::Make(kT0, 0));
  CHECK(hlc.last() == stored + 1);
}

}  // namespace
}  // namespace credmesh
