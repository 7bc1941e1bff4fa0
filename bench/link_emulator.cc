#include "bench/link_emulator.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace credmesh::bench {

// ---- one direction --------------------------------------------------------

LinkDirection::LinkDirection(const LinkConfig& config)
    : config_(config),
      rng_(config.seed),
      lose_(config.loss),
      tokens_(static_cast<double>(config.burst_bytes)) {}

int64_t LinkDirection::ReadyAtUs() const {
  // The head leaves once the bucket holds its size (or a full bucket, for a
  // packet larger than the bucket).
  const double need =
      std::min<double>(static_cast<double>(queue_.front().size()), config_.burst_bytes) - tokens_;
  if (need <= 0) return last_us_;
  return last_us_ + static_cast<int64_t>(std::ceil(need * 8e6 / config_.rate_bits_per_s));
}

void LinkDirection::Advance(int64_t now_us) {
  if (last_us_ < 0) last_us_ = now_us;
  const auto refill = [&](int64_t to_us) {
    tokens_ =
        std::min<double>(config_.burst_bytes, tokens_ + static_cast<double>(to_us - last_us_) *
                                                            config_.rate_bits_per_s / 8e6);
    last_us_ = to_us;
  };
  while (!queue_.empty()) {
    const int64_t ready = ReadyAtUs();
    if (ready > now_us) break;
    refill(ready);
    Bytes p = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= p.size();
    tokens_ -= static_cast<double>(p.size());
    on_wire_.emplace_back(ready + config_.delay_us, std::move(p));
  }
  if (now_us > last_us_) refill(now_us);
}

bool LinkDirection::Offer(Bytes packet, int64_t now_us) {
  Advance(now_us);
  ++stats_.packets;
  stats_.bytes += packet.size();
  if (lose_(rng_)) {
    ++stats_.lost;
    return false;
  }
  if (queued_bytes_ + packet.size() > config_.queue_bytes) {
    ++stats_.overflowed;
    return false;
  }
  queued_bytes_ += packet.size();
  queue_.push_back(std::move(packet));
  Advance(now_us);  // an idle link sends it at once
  return true;
}

std::vector<Bytes> LinkDirection::Arrived(int64_t now_us) {
  Advance(now_us);
  std::vector<Bytes> out;
  while (!on_wire_.empty() && on_wire_.front().first <= now_us) {
    stats_.delivered_bytes += on_wire_.front().second.size();
    out.push_back(std::move(on_wire_.front().second));
    on_wire_.pop_front();
  }
  return out;
}

int64_t LinkDirection::NextEventUs() const {
  int64_t next = INT64_MAX;
  if (!on_wire_.empty()) next = on_wire_.front().first;
  if (!queue_.empty()) next = std::min(next, ReadyAtUs());
  return next;
}

// ---- namespaces, tun devices and the relay ----------------------------------

namespace {

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct SideSetup {
  UniqueFd ns, tun;
  Status status;
};

// On a thread of its own (namespaces belong to threads): a new network
// namespace holding a tun device `dev` with address `self`, routed to `peer`.
SideSetup MakeSide(const std::string& dev, const std::string& self, const std::string& peer) {
  SideSetup out;
  std::thread t([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      out.status = ErrnoStatus("unshare(CLONE_NEWNET)");
      return;
    }
    out.ns = UniqueFd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!out.ns.valid()) {
      out.status = ErrnoStatus("open /proc/thread-self/ns/net");
      return;
    }
    out.tun = UniqueFd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!out.tun.valid()) {
      out.status = ErrnoStatus("open /dev/net/tun");
      return;
    }
    struct ifreq ifr;
    std::memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;  // bare IP packets
    std::strncpy(ifr.ifr_name, dev.c_str(), IFNAMSIZ - 1);
    if (::ioctl(out.tun.get(), TUNSETIFF, &ifr) != 0) {
      out.status = ErrnoStatus("TUNSETIFF " + dev);
      return;
    }
    // A child forked here starts in this thread's namespace.
    const std::string cmd = "ip link set lo up && ip addr add " + self + "/32 peer " + peer +
                            "/32 dev " + dev + " && ip link set " + dev + " up";
    if (std::system(cmd.c_str()) != 0) {
      out.status = Status::FailedPrecondition("`" + cmd + "` failed");
    }
  });
  t.join();
  return out;
}

}  // namespace

Result<std::unique_ptr<EmulatedLink>> EmulatedLink::Start(const LinkConfig& config) {
  if (::geteuid() != 0) return Status::FailedPrecondition("needs root (network namespaces, tun)");
  if (::access("/dev/net/tun", R_OK | W_OK) != 0) {
    return Status::FailedPrecondition("no usable /dev/net/tun");
  }
  if (std::system("ip -V > /dev/null 2>&1") != 0) {
    return Status::FailedPrecondition("the `ip` command (iproute2) is missing");
  }
  std::unique_ptr<EmulatedLink> link(new EmulatedLink(config));
  SideSetup a = MakeSide("cmlinkA", kAddressA, kAddressB);
  if (!a.status.ok()) return Status::FailedPrecondition("side A: " + a.status.ToString());
  SideSetup b = MakeSide("cmlinkB", kAddressB, kAddressA);
  if (!b.status.ok()) return Status::FailedPrecondition("side B: " + b.status.ToString());
  link->ns_a_ = std::move(a.ns);
  link->tun_a_ = std::move(a.tun);
  link->ns_b_ = std::move(b.ns);
  link->tun_b_ = std::move(b.tun);
  link->relay_ = std::thread([l = link.get()] { l->Relay(); });
  return link;
}

EmulatedLink::~EmulatedLink() {
  stop_ = true;
  if (relay_.joinable()) relay_.join();
}

Status EmulatedLink::Enter(Side side) const {
  const int fd = (side == Side::kA ? ns_a_ : ns_b_).get();
  if (::setns(fd, CLONE_NEWNET) != 0) return ErrnoStatus("setns");
  return Status::Ok();
}

void EmulatedLink::Relay() {
  uint8_t buf[65536];
  struct Way {
    int from, to;
    LinkDirection* link;
  };
  Way ways[2] = {{tun_a_.get(), tun_b_.get(), &a_to_b_}, {tun_b_.get(), tun_a_.get(), &b_to_a_}};
  while (!stop_.load()) {
    // Sleep until a packet comes in, one is due out, or 5 ms (to see stop_).
    int64_t next = std::min(a_to_b_.NextEventUs(), b_to_a_.NextEventUs());
    int64_t wait_us = std::clamp<int64_t>(next == INT64_MAX ? 5000 : next - NowUs(), 0, 5000);
    struct pollfd fds[2] = {{tun_a_.get(), POLLIN, 0}, {tun_b_.get(), POLLIN, 0}};
    struct timespec ts = {0, static_cast<long>(wait_us * 1000)};
    if (::ppoll(fds, 2, &ts, nullptr) < 0 && errno != EINTR) return;
    for (const Way& w : ways) {
      for (;;) {
        const ssize_t n = ::read(w.from, buf, sizeof buf);
        if (n <= 0) break;  // EAGAIN: drained
        w.link->Offer(Bytes(buf, buf + n), NowUs());
      }
      for (const Bytes& p : w.link->Arrived(NowUs())) {
        (void)!::write(w.to, p.data(), p.size());  // a full tun queue drops, as a wire would
      }
    }
  }
}

}  // namespace credmesh::bench
