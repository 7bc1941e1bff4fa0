// time_format.h: the one way credmesh prints a point in time — ISO 8601 in
// UTC with milliseconds, e.g. "2026-11-23T09:37:58.123Z" — for messages,
// logs and command output. Pure functions of their argument (no clock, no
// locale, no time zone); thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace credmesh {

// Unix milliseconds -> "2026-11-23T09:37:58.123Z". Times before 1970 are
// rounded towards the past, so -1 is "1969-12-31T23:59:59.999Z".
std::string FormatMillisUtc(int64_t ms);
// The wall-clock part of an HLC timestamp (protocol/hlc.h), as FormatMillisUtc;
// the logical counter is dropped.
std::string FormatHlcUtc(uint64_t hlc);
// FormatHlcUtc followed by ".N" when the logical counter N is not zero, so two
// timestamps of the same millisecond print apart: "2026-11-23T09:37:58.123Z.2".
std::string FormatHlc(uint64_t hlc);

}  // namespace credmesh
