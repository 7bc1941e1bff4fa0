#include "protocol/time_format.h"

#include <cstdio>
#include <ctime>

#include "protocol/hlc.h"

namespace credmesh {

std::string FormatMillisUtc(int64_t ms) {
  // Floor division, so the milliseconds are always 0..999.
  int64_t secs = ms / 1000;
  int64_t millis = ms % 1000;
  if (millis < 0) {
    millis += 1000;
    secs -= 1;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return "(time out of range: " + std::to_string(ms) + " ms)";
  char out[80];
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return out;
}

std::string FormatHlcUtc(uint64_t hlc) { return FormatMillisUtc(HybridClock::Millis(hlc)); }

std::string FormatHlc(uint64_t hlc) {
  std::string out = FormatHlcUtc(hlc);
  if (const uint64_t logical = HybridClock::Logical(hlc)) out += "." + std::to_string(logical);
  return out;
}

}  // namespace credmesh
