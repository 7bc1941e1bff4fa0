#include "node/sync_schedule.h"

#include <algorithm>
#include <cmath>

namespace credmesh {

int64_t RetryDelayMillis(FailureKind kind, int failures, double uniform01, int64_t max_ms) {
  double base = 1000.0, cap = static_cast<double>(max_ms);
  switch (kind) {
    case FailureKind::kNone:
    case FailureKind::kTransport:
      cap = std::min(cap, 5000.0);
      break;
    case FailureKind::kRefused:
      base = 2000.0;
      cap = std::min(cap, 60'000.0);
      break;
    case FailureKind::kError:
      break;
    case FailureKind::kIncompatible:
      base = cap;
      break;
  }
  const int doublings = std::clamp(failures - 1, 0, 30);
  const double delay = std::min(cap, base * std::pow(2.0, doublings));
  return static_cast<int64_t>(delay * (0.5 + 0.5 * std::clamp(uniform01, 0.0, 1.0)));
}

bool SyncSchedule::Due(const std::string& peer, int64_t now_ms) const {
  return now_ms >= NextMillis(peer);
}

int64_t SyncSchedule::NextMillis(const std::string& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : it->second.next_ms;
}

int SyncSchedule::Failures(const std::string& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : it->second.failures;
}

void SyncSchedule::Succeeded(const std::string& peer, int64_t now_ms) {
  Peer& p = peers_[peer];
  p = Peer();
  p.next_ms = now_ms + options_.interval_ms;
}

int64_t SyncSchedule::Failed(const std::string& peer, FailureKind kind, int64_t now_ms,
                             bool progressed) {
  Peer& p = peers_[peer];
  if (progressed) p.failures = 0;
  ++p.failures;
  p.last = kind;
  p.failed_ms = now_ms;
  const int64_t delay =
      RetryDelayMillis(kind, p.failures, options_.uniform01(), options_.max_backoff_ms);
  p.next_ms = now_ms + delay;
  return delay;
}

void SyncSchedule::LocalChange(int64_t now_ms) {
  const int64_t soon = now_ms + options_.change_delay_ms;
  for (auto& [name, p] : peers_) {
    if (p.failures == 0) {
      p.next_ms = std::min(p.next_ms, soon);
    } else if (p.last != FailureKind::kIncompatible) {
      // No sooner than a first retry would come.
      const int64_t earliest =
          p.failed_ms + RetryDelayMillis(p.last, 1, 1.0, options_.max_backoff_ms);
      p.next_ms = std::min(p.next_ms, std::max(soon, earliest));
    }
  }
}

void SyncSchedule::PeerSeen(const std::string& peer, int64_t now_ms) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;  // never tried: already due
  Peer& p = it->second;
  if (p.failures == 0 || p.last == FailureKind::kIncompatible) return;
  p = Peer();
  p.next_ms = now_ms + options_.change_delay_ms;
}

}  // namespace credmesh
