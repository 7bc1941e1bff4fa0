// sync_schedule.h: when the daemon next syncs with each peer. Pure logic on
// injected time and randomness, so every rule is unit-tested:
//  - a peer never tried, or seen coming back, is due at once;
//  - after a completed session, the next one is due `interval_ms` later, or
//    `change_delay_ms` after a local change if that is sooner;
//  - after a failure, the wait grows by kind (RetryDelayMillis; the numbers
//    are in docs/protocol.md §10.4); a local change brings a failing peer's
//    next attempt forward, but no closer to its last failure than the first
//    retry of that kind would be (so a stream of writes cannot make a retry
//    loop); a failed attempt that stored something counts as a first
//    failure; a session the peer opens to us (it is up, and holds a
//    certificate we accept) ends its back-off.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "node/sync/sync_client.h"

namespace credmesh {

// The wait before retrying after the `failures`-th consecutive failure
// (1-based) of `kind`: min(cap, base * 2^(failures-1)) * U(0.5, 1.0), with
//   kTransport    base 1 s, cap 5 s   (unreachable, reset, timed out, busy)
//   kRefused      base 2 s, cap 60 s  (401/403: certificates may still be
//                                      on their way through the hub)
//   kError        base 1 s, cap `max_ms` (any other ERROR)
//   kIncompatible `max_ms`            (426: needs an administrator)
// `uniform01` is a uniform random number in [0, 1].
int64_t RetryDelayMillis(FailureKind kind, int failures, double uniform01, int64_t max_ms);

class SyncSchedule {
 public:
  struct Options {
    int64_t interval_ms = 60'000;
    int64_t change_delay_ms = 500;
    int64_t max_backoff_ms = 300'000;
    std::function<double()> uniform01;  // REQUIRED: randomness for jitter
  };
  explicit SyncSchedule(Options options) : options_(std::move(options)) {}

  // Whether `peer` is due an attempt at monotonic time `now_ms`.
  bool Due(const std::string& peer, int64_t now_ms) const;
  // When `peer` is next due (0: at once).
  int64_t NextMillis(const std::string& peer) const;
  // Consecutive failures of `peer` (0 after a success).
  int Failures(const std::string& peer) const;

  // An attempt completed.
  void Succeeded(const std::string& peer, int64_t now_ms);
  // An attempt failed: returns the wait before the next one. `progressed`:
  // it stored something before it ended (records or file chunks), so the
  // peer is reachable and the work goes on from there: the back-off starts
  // again from a first failure rather than growing (a link that drops every
  // few seconds still moves data most of the time).
  int64_t Failed(const std::string& peer, FailureKind kind, int64_t now_ms,
                 bool progressed = false);
  // Records were stored here (a local write, or received from a peer).
  void LocalChange(int64_t now_ms);
  // `peer` opened a session to us: it is up and reachable, and may just
  // have learnt our certificate. Retry it soon, forgetting its failures
  // (unless they need an administrator: 426).
  void PeerSeen(const std::string& peer, int64_t now_ms);
  // Forgets peers no longer configured.
  void Forget(const std::string& peer) { peers_.erase(peer); }

 private:
  struct Peer {
    int64_t next_ms = 0;
    int failures = 0;
    FailureKind last = FailureKind::kNone;
    int64_t failed_ms = 0;  // when the last failure happened
  };
  Options options_;
  std::map<std::string, Peer> peers_;
};

}  // namespace credmesh
