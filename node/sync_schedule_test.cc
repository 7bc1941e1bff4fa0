#include "node/sync_schedule.h"

#include <doctest/doctest.h>

namespace credmesh {
namespace {

constexpr int64_t kMax = 300'000;

TEST_CASE("retry delay: transport failures retry from 1 s, doubling, capped at 5 s") {
  CHECK(RetryDelayMillis(FailureKind::kTransport, 1, 1.0, kMax) == 1000);
  CHECK(RetryDelayMillis(FailureKind::kTransport, 2, 1.0, kMax) == 2000);
  CHECK(RetryDelayMillis(FailureKind::kTransport, 3, 1.0, kMax) == 4000);
  CHECK(RetryDelayMillis(FailureKind::kTransport, 4, 1.0, kMax) == 5000);
  CHECK(RetryDelayMillis(FailureKind::kTransport, 50, 1.0, kMax) == 5000);
  // Jitter: between half and all of the delay.
  CHECK(RetryDelayMillis(FailureKind::kTransport, 1, 0.0, kMax) == 500);
  CHECK(RetryDelayMillis(FailureKind::kTransport, 3, 0.5, kMax) == 3000);  // 4 s * 0.75
}

TEST_CASE("retry delay: a refusal retries within seconds, capped at a minute") {
  // Right after enrolment a peer refuses us until our certificate reaches
  // it through the hub: the first retries come within seconds.
  CHECK(RetryDelayMillis(FailureKind::kRefused, 1, 1.0, kMax) == 2000);
  CHECK(RetryDelayMillis(FailureKind::kRefused, 2, 1.0, kMax) == 4000);
  CHECK(RetryDelayMillis(FailureKind::kRefused, 6, 1.0, kMax) == 60'000);
  CHECK(RetryDelayMillis(FailureKind::kRefused, 30, 1.0, kMax) == 60'000);
}

TEST_CASE("retry delay: other errors back off to the maximum, 426 waits the maximum") {
  CHECK(RetryDelayMillis(FailureKind::kError, 1, 1.0, kMax) == 1000);
  CHECK(RetryDelayMillis(FailureKind::kError, 9, 1.0, kMax) == 256'000);
  CHECK(RetryDelayMillis(FailureKind::kError, 10, 1.0, kMax) == kMax);
  CHECK(RetryDelayMillis(FailureKind::kIncompatible, 1, 1.0, kMax) == kMax);
  CHECK(RetryDelayMillis(FailureKind::kIncompatible, 1, 0.0, kMax) == kMax / 2);
  // A smaller maximum caps every kind.
  CHECK(RetryDelayMillis(FailureKind::kRefused, 6, 1.0, 10'000) == 10'000);
}

TEST_CASE("failure kinds: transport-like codes retry soon, trust refusals are refusals") {
  CHECK(FailureKindOf(0) == FailureKind::kNone);
  CHECK(FailureKindOf(401) == FailureKind::kRefused);
  CHECK(FailureKindOf(403) == FailureKind::kRefused);
  CHECK(FailureKindOf(426) == FailureKind::kIncompatible);
  CHECK(FailureKindOf(408) == FailureKind::kTransport);
  CHECK(FailureKindOf(429) == FailureKind::kTransport);
  CHECK(FailureKindOf(503) == FailureKind::kTransport);
  CHECK(FailureKindOf(400) == FailureKind::kError);
  CHECK(FailureKindOf(500) == FailureKind::kError);
}

SyncSchedule MakeSchedule() {
  SyncSchedule::Options o;
  o.interval_ms = 60'000;
  o.change_delay_ms = 500;
  o.max_backoff_ms = kMax;
  o.uniform01 = [] { return 1.0; };
  return SyncSchedule(o);
}

TEST_CASE("sync schedule: new peers at once, then every interval, sooner after a local change") {
  SyncSchedule s = MakeSchedule();
  CHECK(s.Due("hub", 0));
  s.Succeeded("hub", 1000);
  CHECK(s.NextMillis("hub") == 61'000);
  CHECK_FALSE(s.Due("hub", 60'999));
  s.LocalChange(5000);
  CHECK(s.NextMillis("hub") == 5500);
  s.LocalChange(5200);  // never pushed later
  CHECK(s.NextMillis("hub") == 5500);
}

TEST_CASE("sync schedule: failures back off by kind, a success resets") {
  SyncSchedule s = MakeSchedule();
  CHECK(s.Failed("hub", FailureKind::kTransport, 0) == 1000);
  CHECK(s.Failed("hub", FailureKind::kTransport, 1000) == 2000);
  CHECK(s.Failed("hub", FailureKind::kTransport, 3000) == 4000);
  CHECK(s.Failures("hub") == 3);
  CHECK(s.NextMillis("hub") == 7000);
  s.Succeeded("hub", 8000);
  CHECK(s.Failures("hub") == 0);
  CHECK(s.Failed("hub", FailureKind::kRefused, 70'000) == 2000);
  CHECK(s.Failed("oak", FailureKind::kIncompatible, 0) == kMax);
}

TEST_CASE("sync schedule: a failed attempt that stored something backs off as a first failure") {
  SyncSchedule s = MakeSchedule();
  CHECK(s.Failed("hub", FailureKind::kTransport, 0) == 1000);
  CHECK(s.Failed("hub", FailureKind::kTransport, 1000) == 2000);
  // Cut mid-transfer after storing chunks: retried as after a first failure.
  CHECK(s.Failed("hub", FailureKind::kTransport, 3000, /*progressed=*/true) == 1000);
  CHECK(s.Failures("hub") == 1);
  CHECK(s.NextMillis("hub") == 4000);
  CHECK(s.Failed("hub", FailureKind::kTransport, 4000, /*progressed=*/true) == 1000);
  // Without progress the back-off grows again from there.
  CHECK(s.Failed("hub", FailureKind::kTransport, 5000) == 2000);
  CHECK(s.Failures("hub") == 2);
}

TEST_CASE("sync schedule: a local change brings a failing peer forward, not into a loop") {
  SyncSchedule s = MakeSchedule();
  for (int i = 0; i < 8; ++i) s.Failed("hub", FailureKind::kRefused, 0);
  CHECK(s.NextMillis("hub") == 60'000);
  s.LocalChange(5000);
  CHECK(s.NextMillis("hub") == 5500);
  // Right after another refusal, a write brings the retry no closer than
  // a first refusal's delay (2 s), however often writes come.
  s.Failed("hub", FailureKind::kRefused, 6000);
  CHECK(s.NextMillis("hub") == 66'000);
  s.LocalChange(6100);
  CHECK(s.NextMillis("hub") == 8000);
  s.LocalChange(6600);
  CHECK(s.NextMillis("hub") == 8000);
  // A transport failure's first retry is 1 s.
  s.Failed("oak", FailureKind::kTransport, 0);
  for (int i = 0; i < 4; ++i) s.Failed("oak", FailureKind::kTransport, 10'000);
  s.LocalChange(10'100);
  CHECK(s.NextMillis("oak") == 11'000);
  // ...and a peer that needs an administrator is left alone.
  s.Failed("old", FailureKind::kIncompatible, 0);
  s.LocalChange(12'000);
  CHECK(s.NextMillis("old") == kMax);
}

TEST_CASE("sync schedule: a peer seen coming back is retried soon, failures forgotten") {
  SyncSchedule s = MakeSchedule();
  for (int i = 0; i < 5; ++i) s.Failed("pine", FailureKind::kTransport, 0);
  s.PeerSeen("pine", 1000);
  CHECK(s.Failures("pine") == 0);
  CHECK(s.NextMillis("pine") == 1500);
  // Not for a version mismatch, and a healthy peer keeps its schedule.
  s.Failed("old", FailureKind::kIncompatible, 0);
  s.PeerSeen("old", 1000);
  CHECK(s.NextMillis("old") == kMax);
  s.Succeeded("oak", 0);
  s.PeerSeen("oak", 1000);
  CHECK(s.NextMillis("oak") == 60'000);
}

}  // namespace
}  // namespace credmesh
