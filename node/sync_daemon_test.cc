#include "node/sync_daemon.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "node/sync/sync_test_world.h"

namespace credmesh {
namespace {

using testing::SyncPeer;
using testing::SyncWorld;

// A daemon over a test node's own backend and policy, on the world's
// ManualClock, with jitter fixed at its maximum.
std::unique_ptr<SyncDaemon> MakeDaemon(SyncPeer& p, Clock& clock, zmq::context_t& ctx) {
  SyncDaemon::Options o;
  o.uniform01 = [] { return 1.0; };
  auto d = SyncDaemon::Create(*p.node, clock, ctx, *p.backend, *p.policy, o);
  REQUIRE(d.ok());
  return std::move(*d);
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST_CASE("sync daemon: a school asks for the district, its school and public scopes") {
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  zmq::context_t ctx;
  auto d = MakeDaemon(pine, w.clock, ctx);
  CHECK(d->scopes() == std::vector<std::string>{"district/valley", "school/pine", "public/valley"});
}

TEST_CASE("sync daemon: a hub asks for a school certified after it started") {
  SyncWorld w;
  zmq::context_t ctx;
  auto d = MakeDaemon(*w.hub, w.clock, ctx);
  CHECK(d->scopes() == std::vector<std::string>{"district/valley", "public/valley"});
  d->Turn(0);
  w.School("oak");  // the hub certifies Oak: a record stored at the hub
  w.clock.Advance(500);
  d->Turn(0);
  CHECK(Has(d->scopes(), "school/oak"));
}

TEST_CASE("sync daemon: an unreachable peer is retried from 1 s, doubling, a write brings it on") {
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  // Nothing listens on port 1: each attempt ends by the session's idle
  // time-out (408), a transport failure.
  REQUIRE(PeerStore::Migrate(pine.node->store().db()).ok());
  REQUIRE(PeerStore(pine.node->store().db())
              .Upsert("hub", "tcp://127.0.0.1:1", w.hub->key(), w.clock.NowMillis())
              .ok());
  zmq::context_t ctx;
  auto d = MakeDaemon(pine, w.clock, ctx);
  d->Turn(0);
  REQUIRE(d->Running() == std::vector<std::string>{"hub"});
  for (int failures = 1; failures <= 5; ++failures) {
    CAPTURE(failures);
    w.clock.Advance(SessionOptions().idle_timeout_ms + 1);
    d->Turn(0);
    REQUIRE(d->Running().empty());
    CHECK(d->schedule().Failures("hub") == failures);
    const int64_t wait = d->schedule().NextMillis("hub") - w.clock.MonotonicMillis();
    CHECK(wait == std::min<int64_t>(5000, 1000 << (failures - 1)));
    if (failures == 5) break;
    w.clock.Advance(wait);
    d->Turn(0);
    REQUIRE(d->Running() == std::vector<std::string>{"hub"});
  }
  auto peers = PeerStore(pine.node->store().db()).List();
  REQUIRE(peers.ok());
  CHECK((*peers)[0].last_error.find("408") != std::string::npos);
  // 5 s to wait; a local write brings the attempt to 1 s after the failure.
  const int64_t failed_at = w.clock.MonotonicMillis();
  pine.Notes("school/pine", 1);
  w.clock.Advance(600);
  d->Turn(0);
  CHECK(d->schedule().NextMillis("hub") == failed_at + 1100);
  w.clock.Advance(500);
  d->Turn(0);
  CHECK(d->Running() == std::vector<std::string>{"hub"});
}

}  // namespace
}  // namespace credmesh
