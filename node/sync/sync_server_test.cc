// SyncServer over real ZeroMQ sockets on loopback, in-process: raw DEALER
// clients with the schools' CURVE keys speak to a hub's server, so each
// test can play a well-behaved or a hostile peer frame by frame.
#include "node/sync/sync_server.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <functional>

#include "node/sync/sync_client.h"
#include "node/sync/sync_test_world.h"
#include "node/trust/trust_records.h"
#include "protocol/wire.h"

namespace credmesh {
namespace {

using testing::ScopesFor;
using testing::SyncPeer;
using testing::SyncWorld;

// A DEALER speaking for `peer`, frame by frame.
struct RawClient {
  zmq::socket_t socket;
  RawClient(zmq::context_t& ctx, SyncPeer& peer, SyncPeer& server, const std::string& endpoint)
      : socket(ctx, zmq::socket_type::dealer) {
    CurveKeyPair keys = CurveFromSigningKey(peer.node->identity());
    auto server_curve = CurveFromPublicKey(server.key());
    REQUIRE(server_curve.ok());
    socket.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(server_curve->data(), 32));
    socket.set(zmq::sockopt::curve_publickey, zmq::const_buffer(keys.public_key.data(), 32));
    socket.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(keys.secret_key.data(), 32));
    socket.set(zmq::sockopt::linger, 0);
    socket.connect(endpoint);
  }
  void Send(const wire::Message& m) {
    Bytes f = wire::Encode(m);
    socket.send(zmq::buffer(f.data(), f.size()), zmq::send_flags::none);
  }
  void Hello(SyncPeer& peer, const std::string& school) {
    wire::Hello h;
    h.chain = *peer.policy->OwnChain();
    h.scopes = ScopesFor(school);
    Send(h);
  }
  // The next message from the server, if one is ready.
  std::optional<wire::Message> Receive() {
    zmq::message_t msg;
    if (!socket.recv(msg, zmq::recv_flags::dontwait)) return std::nullopt;
    auto m = wire::DecodeMessage(ByteView(static_cast<const uint8_t*>(msg.data()), msg.size()),
                                 wire::SessionLimits{});
    REQUIRE(m.ok());
    return std::move(*m);
  }
};

struct ServerWorld {
  SyncWorld w;
  zmq::context_t ctx;
  std::unique_ptr<SyncServer> server;
  std::vector<std::string> ended;  // outcomes of ended sessions

  explicit ServerWorld(const std::vector<std::string>& schools, SessionOptions options = {}) {
    for (const auto& s : schools) w.School(s);
    auto s = SyncServer::Start(ctx, w.hub->node->identity(), *w.hub->backend, *w.hub->policy,
                               w.clock, "tcp://127.0.0.1:0", options);
    REQUIRE(s.ok());
    server = std::move(*s);
    server->set_on_session_end([this](const PublicKey&, const std::string& outcome,
                                      const SyncStats&) { ended.push_back(outcome); });
  }
  ~ServerWorld() { server.reset(); }
  std::unique_ptr<RawClient> Client(const std::string& school) {
    return std::make_unique<RawClient>(ctx, w.School(school), *w.hub, server->endpoint());
  }
  // Runs the server's loop until `done` holds (at most 10 s of real time).
  bool RunUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      zmq::pollitem_t item{server->socket().handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(5));
      server->Process();
      if (done()) return true;
    }
    return false;
  }
  // Runs the loop until `c` has a message, and returns it.
  std::optional<wire::Message> Await(RawClient& c) {
    std::optional<wire::Message> m;
    RunUntil([&] { return (m = c.Receive()).has_value(); });
    return m;
  }
};

int64_t ErrorCode(const std::optional<wire::Message>& m) {
  if (!m) return -1;
  auto* e = std::get_if<wire::Error>(&*m);
  return e ? e->code : 0;
}

TEST_CASE("sync server: one node holds at most two sessions, other schools still get in") {
  ServerWorld sw({"pine", "oak"});
  auto p1 = sw.Client("pine"), p2 = sw.Client("pine"), p3 = sw.Client("pine");
  p1->Hello(sw.w.School("pine"), "pine");
  auto m1 = sw.Await(*p1);
  REQUIRE(m1);
  CHECK(std::holds_alternative<wire::Welcome>(*m1));
  p2->Hello(sw.w.School("pine"), "pine");
  auto m2 = sw.Await(*p2);
  REQUIRE(m2);
  CHECK(std::holds_alternative<wire::Welcome>(*m2));
  // A third session of the same key is refused, however the first two behave.
  p3->Hello(sw.w.School("pine"), "pine");
  CHECK(ErrorCode(sw.Await(*p3)) == 429);
  CHECK(sw.server->sessions() == 2);
  // Pine keeps its sessions alive with PINGs; oak is served all the same.
  p1->Send(wire::Ping{1});
  p2->Send(wire::Ping{2});
  auto oak = sw.Client("oak");
  oak->Hello(sw.w.School("oak"), "oak");
  auto mo = sw.Await(*oak);
  REQUIRE(mo);
  CHECK(std::holds_alternative<wire::Welcome>(*mo));
  CHECK(sw.server->sessions() == 3);
}

TEST_CASE("sync server: revoking a node's certificate ends its open sessions with 401") {
  ServerWorld sw({"pine", "oak"});
  SyncPeer& pine = sw.w.School("pine");
  auto p = sw.Client("pine"), o = sw.Client("oak");
  p->Hello(pine, "pine");
  o->Hello(sw.w.School("oak"), "oak");
  auto mp = sw.Await(*p), mo = sw.Await(*o);
  REQUIRE(mp);
  REQUIRE(mo);
  REQUIRE(std::holds_alternative<wire::Welcome>(*mp));
  REQUIRE(std::holds_alternative<wire::Welcome>(*mo));
  REQUIRE(sw.server->sessions() == 2);

  // The district revokes pine's certificate (here written at the hub; it
  // could as well have arrived by sync).
  auto cert = VerifiedRecord::Verify((*pine.policy->OwnChain())[1]);
  REQUIRE(cert.ok());
  sw.w.clock.Advance(1000);
  RevokeBody body{cert->id(), "left the district"};
  REQUIRE(sw.w.hub->node->ledger()
              .Write(kRevokeKind, "district/valley", "revoke/" + cert->id().hex(), body.ToValue(),
                     sw.w.root)
              .ok());
  sw.w.clock.Advance(1000);  // the server re-reads its admission every second
  auto end = sw.Await(*p);
  CHECK(ErrorCode(end) == 401);
  CHECK(sw.server->sessions() == 1);  // oak's stays open
  REQUIRE(sw.ended.size() == 1);
  CHECK(sw.ended[0].find("401") != std::string::npos);
}

TEST_CASE("sync server: a peer that asks and never reads cannot grow the server's memory") {
  SessionOptions so;
  so.send_window_bytes = 256 * 1024;
  ServerWorld sw({"pine", "oak"}, so);
  sw.w.hub->Notes("district/valley", 4000, "d");
  std::vector<RecordId> ids;
  for (const RecordId& id : sw.w.hub->Ids("district/valley")) ids.push_back(id);
  ids.resize(4000);
  SyncPeer& pine = sw.w.School("pine");

  // Pine: HELLO with the smallest frames, then an empty run of
  // district/valley, then WANTs for every district record; it never reads.
  auto p = sw.Client("pine");
  wire::Hello h;
  h.chain = *pine.policy->OwnChain();
  h.scopes = {"district/valley"};
  h.limits.max_message_bytes = wire::SessionLimits::kMinMessageBytes;
  p->Send(h);
  auto welcome = sw.Await(*p);  // the last frame it reads
  REQUIRE(welcome);
  REQUIRE(std::holds_alternative<wire::Welcome>(*welcome));
  p->Send(wire::Reconcile{"district/valley", {0x90}});
  for (int i = 0; i < 4; ++i) p->Send(wire::Want{"district/valley", ids});
  // Four answers of ~600 KB each would be 2.4 MB; the server holds at most
  // its window, one frame crossing it and one frame made ahead.
  const int64_t bound =
      so.send_window_bytes + 2 * wire::SessionLimits::kMinMessageBytes + 64 * 1024;
  int64_t most = 0;
  auto sample = [&] {
    most = std::max(most, sw.server->QueuedBytes(pine.key()));
    return false;
  };
  sw.RunUntil([&] {
    sample();
    return sw.server->QueuedBytes(pine.key()) >= so.send_window_bytes;
  });
  CHECK(most >= so.send_window_bytes);  // it did fill the window
  for (int i = 0; i < 50; ++i) {
    zmq::pollitem_t item{sw.server->socket().handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(2));
    sw.server->Process();
    sample();
  }
  CHECK(sw.server->sessions() == 1);  // pine is stalled, not dropped

  // Meanwhile oak syncs the whole district.
  SyncPeer& oak = sw.w.School("oak");
  ClientOptions co;
  co.scopes = ScopesFor("oak");
  co.server_key = sw.w.hub->key();
  auto client = SyncClient::Connect(sw.ctx, oak.node->identity(), *oak.backend, *oak.policy,
                                    sw.w.clock, sw.server->endpoint(), co);
  REQUIRE(client.ok());
  CHECK(sw.RunUntil([&] {
    sample();
    (*client)->Process();
    return (*client)->done();
  }));
  INFO((*client)->Outcome());
  CHECK((*client)->ok());
  CHECK(oak.Ids("district/valley") == sw.w.hub->Ids("district/valley"));

  // Pine asks on without reading: a fifth WANT outstanding ends its session.
  p->Send(wire::Want{"district/valley", {ids.front()}});
  CHECK(sw.RunUntil([&] {
    sample();
    return sw.server->sessions() == 0;
  }));
  MESSAGE("most bytes held for the peer that does not read: ", most, " (bound ", bound, ")");
  CHECK(most <= bound);
  // Two sessions ended, in either order: oak's completed, pine's with 413.
  REQUIRE(sw.ended.size() == 2);
  CHECK(std::count(sw.ended.begin(), sw.ended.end(), "ok") == 1);
  CHECK(std::any_of(sw.ended.begin(), sw.ended.end(),
                    [](const std::string& o) { return o.find("413") != std::string::npos; }));
}

}  // namespace
}  // namespace credmesh
