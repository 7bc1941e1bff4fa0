// SyncServer over real ZeroMQ sockets on loopback, in-process: raw DEALER
// clients with the schools' CURVE keys speak to a hub's server, so each
// test can play a well-behaved or a hostile peer frame by frame.
#include "node/sync/sync_server.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <thread>
#include <utility>

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
  // `small_queues`: the client itself queues at most one frame (a flooding
  // test measures what the server holds, not what the client does).
  RawClient(zmq::context_t& ctx, SyncPeer& peer, SyncPeer& server, const std::string& endpoint,
            bool small_queues = false)
      : socket(ctx, zmq::socket_type::dealer) {
    if (small_queues) {
      socket.set(zmq::sockopt::sndhwm, 1);
      socket.set(zmq::sockopt::sndbuf, 64 * 1024);
    }
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
                               w.clock, "tcp://127.0.0.1:0", std::move(options));
    REQUIRE(s.ok());
    server = std::move(*s);
    server->set_on_session_end([this](const PublicKey&, const std::string& outcome,
                                      const SyncStats&) { ended.push_back(outcome); });
  }
  ServerWorld(const ServerWorld&) = delete;
  ServerWorld& operator=(const ServerWorld&) = delete;
  ~ServerWorld() { server.reset(); }
  std::unique_ptr<RawClient> Client(const std::string& school, bool small_queues = false) {
    return std::make_unique<RawClient>(ctx, w.School(school), *w.hub, server->endpoint(),
                                       small_queues);
  }
  // Runs the server's loop until `done` holds (at most 60 s of real time:
  // generous, so that a slow machine or a sanitizer build cannot fail a
  // test that only waits for progress; a passing run returns at once).
  bool RunUntil(const std::function<bool()>& done) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      zmq::pollitem_t item{server->socket().handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(5));
      server->Process();
      if (done()) return true;
    }
    return false;
  }
  // Runs the loop until `c` has a message, and returns it.
  std::optional<wire::Message> Await(RawClient& c) const {
    std::optional<wire::Message> m;
    RunUntil([&] { return (m = c.Receive()).has_value(); });
    return m;
  }
};

// Sends `frame` (to routing id `rid` on a ROUTER, if given) without
// blocking, until the transport has taken none for 3 s because every queue
// on the way is full (the receiver does not read), or `cap` frames went;
// returns how many went. A slow machine can only make it stop early.
int FloodUntilStalled(zmq::socket_t& s, const std::string* rid, const Bytes& frame, int cap) {
  int sent = 0;
  while (sent < cap) {
    bool went = false;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (!went && std::chrono::steady_clock::now() < until) {
      try {
        if (rid == nullptr ||
            s.send(zmq::buffer(*rid), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
          went = s.send(zmq::buffer(frame.data(), frame.size()), zmq::send_flags::dontwait)
                     .has_value();
        }
      } catch (const zmq::error_t&) {
      }
      if (!went) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!went) break;
    ++sent;
  }
  return sent;
}

// Frames of `frame_bytes` the kernel's socket buffers of one loopback
// connection can hold at most (receive side autotuned up to tcp_rmem's
// maximum; the flooding side's send buffer is kept small), plus slack.
int KernelFrames(int64_t frame_bytes) {
  int64_t rmem_max = 6 * 1024 * 1024;
  std::ifstream f("/proc/sys/net/ipv4/tcp_rmem");
  int64_t lo = 0, def = 0, hi = 0;
  if (f >> lo >> def >> hi) rmem_max = hi;
  return static_cast<int>(rmem_max / frame_bytes) + 2;
}

int64_t ErrorCode(const std::optional<wire::Message>& m) {
  if (!m) return -1;
  const auto* e = std::get_if<wire::Error>(&*m);
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

TEST_CASE("sync server: a node back after a cut is not refused for sessions whose link is gone") {
  ServerWorld sw({"pine"});
  auto p1 = sw.Client("pine"), p2 = sw.Client("pine");
  for (auto* c : {p1.get(), p2.get()}) {
    c->Hello(sw.w.School("pine"), "pine");
    auto m = sw.Await(*c);
    REQUIRE(m);
    REQUIRE(std::holds_alternative<wire::Welcome>(*m));
  }
  // Pine's first connection goes (its link was cut); the server, with
  // nothing to send, has not noticed.
  p1.reset();
  for (int i = 0; i < 40; ++i) sw.RunUntil([] { return true; });  // a few passes of its loop
  CHECK(sw.server->sessions() == 2);
  // Pine comes back: its dead session makes room, the live one stays.
  auto p3 = sw.Client("pine");
  p3->Hello(sw.w.School("pine"), "pine");
  auto m3 = sw.Await(*p3);
  REQUIRE(m3);
  CHECK(std::holds_alternative<wire::Welcome>(*m3));
  CHECK(sw.server->sessions() == 2);
  REQUIRE(sw.ended.size() == 1);
  // Both live: a third is still refused.
  auto p4 = sw.Client("pine");
  p4->Hello(sw.w.School("pine"), "pine");
  CHECK(ErrorCode(sw.Await(*p4)) == 429);
  CHECK(sw.server->sessions() == 2);
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

TEST_CASE("sync client: revoking the server's certificate ends the client's open session") {
  ServerWorld sw({"oak"});
  SyncPeer& oak = sw.w.School("oak");
  ClientOptions co;
  co.scopes = ScopesFor("oak");
  co.server_key = sw.w.hub->key();
  auto client = SyncClient::Connect(sw.ctx, oak.node->identity(), *oak.backend, *oak.policy,
                                    sw.w.clock, sw.server->endpoint(), co);
  REQUIRE(client.ok());
  SyncClient& c = **client;
  // Run both until the client is past WELCOME; from then on the server's
  // loop is not run, so the session stays open.
  REQUIRE(sw.RunUntil([&] {
    c.Process();
    return c.session().state() == SyncSession::State::kSyncing;
  }));
  sw.w.clock.Advance(1000);
  c.Process();
  CHECK_FALSE(c.done());  // the server's standing was checked again, and holds

  // Oak learns that the district revoked the hub's certificate (written at
  // oak with the root key here; it could as well have arrived from a peer).
  auto cert = VerifiedRecord::Verify((*sw.w.hub->policy->OwnChain())[1]);
  REQUIRE(cert.ok());
  RevokeBody body{cert->id(), "hub key compromised"};
  REQUIRE(oak.node->ledger()
              .Write(kRevokeKind, "district/valley", "revoke/" + cert->id().hex(), body.ToValue(),
                     sw.w.root)
              .ok());
  sw.w.clock.Advance(1000);
  c.Process();
  REQUIRE(c.done());
  CHECK(c.error_code() == 401);
  CHECK(c.failure() == FailureKind::kRefused);
  CHECK(c.Outcome().find("we refused the peer") != std::string::npos);
  CHECK(c.Outcome().find("no longer valid") != std::string::npos);
}

TEST_CASE("sync server: a peer flooding large frames while the server is busy is held to a few") {
  SessionOptions so;
  so.limits.max_message_bytes = wire::SessionLimits::kMinMessageBytes;  // 512 KiB
  ServerWorld sw({"pine", "oak"}, so);
  // The server's loop is busy elsewhere (not run) while pine sends frames
  // of the largest size the server accepts, and never reads.
  auto p = sw.Client("pine", /*small_queues=*/true);
  const Bytes frame(static_cast<size_t>(so.limits.max_message_bytes), 0xc1);
  // What the server's process may hold for the connection: the frames the
  // transport reads ahead, one being decoded and one waiting for room;
  // then the kernel's buffers and the one frame pine's own queue holds.
  const int held = so.inbound_frames + 2;
  const int bound = held + KernelFrames(so.limits.max_message_bytes) + 2;
  const int sent = FloodUntilStalled(p->socket, nullptr, frame, bound + 32);
  MESSAGE("frames of 512 KiB taken before pine stalled: ", sent, " (bound ", bound, ")");
  CHECK(sent <= bound);

  // The server reads on: pine's session ends (its first frame is no HELLO),
  // the rest is read and dropped, and oak is served as usual.
  CHECK(sw.RunUntil([&] { return !sw.ended.empty() && sw.server->sessions() == 0; }));
  REQUIRE_FALSE(sw.ended.empty());
  CHECK(sw.ended[0].find("413") != std::string::npos);
  SyncPeer& oak = sw.w.School("oak");
  ClientOptions co;
  co.scopes = ScopesFor("oak");
  co.server_key = sw.w.hub->key();
  auto client = SyncClient::Connect(sw.ctx, oak.node->identity(), *oak.backend, *oak.policy,
                                    sw.w.clock, sw.server->endpoint(), co);
  REQUIRE(client.ok());
  CHECK(sw.RunUntil([&] {
    (*client)->Process();
    return (*client)->done();
  }));
  INFO((*client)->Outcome());
  CHECK((*client)->ok());
}

TEST_CASE("sync client: a server flooding large frames while the client is busy is held to a few") {
  ServerWorld sw({"oak"});
  SyncPeer& oak = sw.w.School("oak");
  // A hostile server with the hub's key, in a context of its own (no ZAP
  // handler there: it takes any client).
  zmq::context_t hostile_ctx;
  zmq::socket_t hostile(hostile_ctx, zmq::socket_type::router);
  CurveKeyPair hub_keys = CurveFromSigningKey(sw.w.hub->node->identity());
  hostile.set(zmq::sockopt::curve_server, 1);
  hostile.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(hub_keys.secret_key.data(), 32));
  hostile.set(zmq::sockopt::router_mandatory, 1);
  hostile.set(zmq::sockopt::sndhwm, 1);
  hostile.set(zmq::sockopt::sndbuf, 64 * 1024);
  hostile.set(zmq::sockopt::linger, 0);
  hostile.bind("tcp://127.0.0.1:*");
  ClientOptions co;
  co.scopes = ScopesFor("oak");
  co.server_key = sw.w.hub->key();
  co.limits.max_message_bytes = wire::SessionLimits::kMinMessageBytes;
  auto client = SyncClient::Connect(sw.ctx, oak.node->identity(), *oak.backend, *oak.policy,
                                    sw.w.clock, hostile.get(zmq::sockopt::last_endpoint), co);
  REQUIRE(client.ok());
  // The client's HELLO tells the hostile server its routing id.
  zmq::pollitem_t item{hostile.handle(), 0, ZMQ_POLLIN, 0};
  REQUIRE(zmq::poll(&item, 1, std::chrono::seconds(60)) == 1);
  zmq::message_t rid, hello;
  REQUIRE(hostile.recv(rid, zmq::recv_flags::none));
  REQUIRE(hostile.recv(hello, zmq::recv_flags::none));
  const std::string to = rid.to_string();
  // The client's loop is busy (not run) while the server floods it.
  const Bytes frame(static_cast<size_t>(co.limits.max_message_bytes), 0xc1);
  const int bound = co.inbound_frames + 2 + KernelFrames(co.limits.max_message_bytes) + 2;
  const int sent = FloodUntilStalled(hostile, &to, frame, bound + 32);
  MESSAGE("frames of 512 KiB taken before the server stalled: ", sent, " (bound ", bound, ")");
  CHECK(sent <= bound);
  // The client then reads the first frame, refuses it and ends.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!(*client)->done() && std::chrono::steady_clock::now() < deadline) {
    zmq::pollitem_t ci{(*client)->socket().handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&ci, 1, std::chrono::milliseconds(10));
    (*client)->Process();
  }
  CHECK((*client)->done());
  CHECK((*client)->error_code() == 413);
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
