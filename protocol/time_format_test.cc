#include "protocol/time_format.h"

#include <doctest/doctest.h>

#include "protocol/hlc.h"

namespace credmesh {
namespace {

TEST_CASE("time_format: Unix milliseconds in ISO 8601 UTC") {
  CHECK(FormatMillisUtc(0) == "1970-01-01T00:00:00.000Z");
  CHECK(FormatMillisUtc(1'795'426'678'123) == "2026-11-23T09:37:58.123Z");
  CHECK(FormatMillisUtc(951'782'400'007) == "2000-02-29T00:00:00.007Z");  // leap day
  CHECK(FormatMillisUtc(-1) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("time_format: HLC timestamps print their wall clock, the logical counter only when set") {
  const int64_t ms = 1'795'426'678'123;
  CHECK(FormatHlcUtc(HybridClock::Make(ms, 0)) == "2026-11-23T09:37:58.123Z");
  CHECK(FormatHlcUtc(HybridClock::Make(ms, 7)) == "2026-11-23T09:37:58.123Z");
  CHECK(FormatHlc(HybridClock::Make(ms, 0)) == "2026-11-23T09:37:58.123Z");
  CHECK(FormatHlc(HybridClock::Make(ms, 7)) == "2026-11-23T09:37:58.123Z.7");
}

}  // namespace
}  // namespace credmesh
