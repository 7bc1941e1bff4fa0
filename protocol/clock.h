// clock.h: injected time. Code reads time only through a Clock so tests can
// move it, freeze it, or make it jump backwards.
#pragma once

#include <atomic>
#include <cstdint>

namespace credmesh {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, milliseconds since the Unix epoch. May jump.
  virtual int64_t NowMillis() = 0;
  // Monotonic time in milliseconds, for time-outs and schedules.
  virtual int64_t MonotonicMillis() = 0;
};

// The real clock (CLOCK_REALTIME / CLOCK_MONOTONIC).
class SystemClock final : public Clock {
 public:
  int64_t NowMillis() override;
  int64_t MonotonicMillis() override;
  // A process-wide instance for executables; libraries take a Clock&.
  static SystemClock& Instance();
};

// A clock tests set by hand. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_ms = 1'700'000'000'000) : now_(now_ms), mono_(0) {}
  int64_t NowMillis() override { return now_.load(); }
  int64_t MonotonicMillis() override { return mono_.load(); }
  void Set(int64_t now_ms) { now_ = now_ms; }
  // Advances both wall and monotonic time.
  void Advance(int64_t ms) {
    now_ += ms;
    mono_ += ms;
  }

 private:
  std::atomic<int64_t> now_;
  std::atomic<int64_t> mono_;
};

}  // namespace credmesh
