// link_emulator.h: a slow, lossy network link emulated in user space, for
// benchmarks on kernels without sch_netem. Two network namespaces, each
// with a tun device; a relay thread moves IP packets between the two tuns
// through one LinkDirection per direction (rate, one-way delay, random
// loss, a bounded queue). Code that enters a side (EmulatedLink::Enter)
// opens sockets in that namespace, so a server on one side and a client on
// the other talk only through the emulated link. Needs root (or
// CAP_NET_ADMIN and CAP_SYS_ADMIN) and /dev/net/tun. Benchmark code: it
// prints figures, it is not a test.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/status.h"
#include "storage/posix_file.h"

namespace credmesh::bench {

struct LinkConfig {
  int64_t rate_bits_per_s = 4'000'000;  // each direction
  int64_t delay_us = 75'000;            // one way
  double loss = 0.01;                   // per packet, each direction
  // A router's buffer: a packet that finds this many bytes waiting for the
  // rate is dropped (tail drop), as netem's default limit of 1000 packets.
  size_t queue_bytes = 1000 * 1500;
  // Token bucket depth: 1 MTU sends packets back to back at the rate.
  size_t burst_bytes = 1500;
  uint64_t seed = 1;  // the loss pattern: the same seed, the same drops
};

// One direction of the link, pure logic with time passed in (microseconds
// of any monotonic clock): a packet offered is dropped at random (loss) or
// when the queue is full, else waits in the queue until the token bucket
// holds its size, leaves, and arrives delay_us later.
class LinkDirection {
 public:
  explicit LinkDirection(const LinkConfig& config);

  // False if the packet was dropped (lost, or the queue was full).
  bool Offer(Bytes packet, int64_t now_us);
  // The packets that have arrived by `now_us`, in order.
  std::vector<Bytes> Arrived(int64_t now_us);
  // When the next packet leaves the queue or arrives; INT64_MAX if none.
  int64_t NextEventUs() const;

  struct Stats {
    uint64_t packets = 0, bytes = 0;  // offered
    uint64_t lost = 0, overflowed = 0;
    uint64_t delivered_bytes = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  // Moves queued packets onto the wire while the bucket allows, up to `now_us`.
  void Advance(int64_t now_us);
  int64_t ReadyAtUs() const;  // when the head of the queue may leave

  LinkConfig config_;
  std::mt19937_64 rng_;
  std::bernoulli_distribution lose_;
  std::deque<Bytes> queue_;
  size_t queued_bytes_ = 0;
  std::deque<std::pair<int64_t, Bytes>> on_wire_;  // arrival time, packet
  double tokens_;                                  // bytes
  int64_t last_us_ = -1;
  Stats stats_;
};

class EmulatedLink {
 public:
  enum class Side { kA, kB };
  // The address of each side's tun device.
  static constexpr const char* kAddressA = "10.77.0.1";
  static constexpr const char* kAddressB = "10.77.0.2";

  // Creates the two namespaces and tun devices and starts the relay.
  // kFailedPrecondition (with the reason) when not allowed: not root, no
  // /dev/net/tun, or `ip` missing.
  static Result<std::unique_ptr<EmulatedLink>> Start(const LinkConfig& config);
  ~EmulatedLink();  // stops the relay; the namespaces go with their last user
  EmulatedLink(const EmulatedLink&) = delete;
  EmulatedLink& operator=(const EmulatedLink&) = delete;

  // Moves the calling thread into a side's namespace: sockets it (and
  // threads it starts, such as a ZeroMQ context's I/O thread) opens from
  // now on are on that side. Call before creating a ZeroMQ context there.
  Status Enter(Side side) const;

  // What each direction did so far (A to B, B to A). Read after the
  // traffic stopped; not synchronised with the relay.
  LinkDirection::Stats AtoB() const { return a_to_b_.stats(); }
  LinkDirection::Stats BtoA() const { return b_to_a_.stats(); }
  const LinkConfig& config() const { return config_; }

 private:
  explicit EmulatedLink(const LinkConfig& config)
      : config_(config), a_to_b_(config), b_to_a_(WithSeed(config, config.seed + 1)) {}
  static LinkConfig WithSeed(LinkConfig c, uint64_t seed) {
    c.seed = seed;
    return c;
  }
  void Relay();

  LinkConfig config_;
  UniqueFd ns_a_, ns_b_;    // the namespaces (/proc/thread-self/ns/net)
  UniqueFd tun_a_, tun_b_;  // the devices, one in each
  LinkDirection a_to_b_, b_to_a_;
  std::atomic<bool> stop_{false};
  std::thread relay_;
};

}  // namespace credmesh::bench
