// bench_transfer: evidence file transfer over sync (docs/protocol.md §16)
// between two nodes in one process, over ZeroMQ/CURVE on loopback, against
// raw ZeroMQ/CURVE throughput of the same bytes measured in the same run;
// then the bytes sent again after cuts, against one credit window.
// With --netem it first moves into a new network namespace whose loopback
// is shaped by `tc qdisc netem rate 4mbit delay 150ms loss 1%` (needs root;
// skipped cleanly otherwise) and compares with the link's capacity.
// Usage: bench_transfer [MiB] [--credit N] [--netem]   (default 64 MiB,
// 3 MiB with --netem; credit as SessionOptions). Prints figures; not a test.
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>

#include "node/sync/curve_keys.h"
#include "node/sync/files_test_world.h"
#include "node/sync/sync_client.h"
#include "node/sync/sync_server.h"

using namespace credmesh;
using namespace credmesh::testing;

namespace {

constexpr size_t kChunkBytes = 262144;
unsigned g_credit = SessionOptions{}.chunk_credit;  // --credit N

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void Die(const std::string& what) {
  std::cerr << "bench_transfer: " << what << "\n";
  std::exit(1);
}

// Raw ZeroMQ: a CURVE ROUTER sends `total` bytes in 256 KiB messages to a
// CURVE DEALER that asked for them; returns bytes per second.
double RawZmq(size_t total) {
  zmq::context_t ctx;
  SigningKey server_id = SigningKey::Generate(), client_id = SigningKey::Generate();
  CurveKeyPair sk = CurveFromSigningKey(server_id), ck = CurveFromSigningKey(client_id);
  zmq::socket_t router(ctx, zmq::socket_type::router), dealer(ctx, zmq::socket_type::dealer);
  router.set(zmq::sockopt::curve_server, 1);
  router.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(sk.secret_key.data(), 32));
  router.set(zmq::sockopt::linger, 0);
  router.bind("tcp://127.0.0.1:*");
  const std::string endpoint = router.get(zmq::sockopt::last_endpoint);
  dealer.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(sk.public_key.data(), 32));
  dealer.set(zmq::sockopt::curve_publickey, zmq::const_buffer(ck.public_key.data(), 32));
  dealer.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(ck.secret_key.data(), 32));
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(endpoint);
  const Bytes payload = PatternBytes(kChunkBytes, 99);
  const auto t0 = std::chrono::steady_clock::now();
  dealer.send(zmq::str_buffer("go"), zmq::send_flags::none);
  zmq::message_t rid, go;
  (void)router.recv(rid);
  (void)router.recv(go);
  size_t sent = 0, received = 0;
  while (received < total) {
    // Keep a few MiB queued, as a sender with credit would.
    while (sent < total && sent - received < 16 * kChunkBytes) {
      router.send(zmq::buffer(rid.data(), rid.size()), zmq::send_flags::sndmore);
      router.send(zmq::buffer(payload.data(), payload.size()), zmq::send_flags::none);
      sent += payload.size();
    }
    zmq::message_t m;
    if (dealer.recv(m)) received += m.size();
  }
  return static_cast<double>(total) / Seconds(t0);
}

// Times a node's chunk exchange calls: where a transfer's time goes.
class TimedExchange final : public ChunkExchange {
 public:
  explicit TimedExchange(ChunkExchange& inner) : inner_(inner) {}
  Result<std::vector<Hash256>> ChunksToFetch(const std::vector<std::string>& scopes,
                                             size_t limit) override {
    return inner_.ChunksToFetch(scopes, limit);
  }
  Status StoreChunk(const Hash256& hash, ByteView data) override {
    const auto t0 = std::chrono::steady_clock::now();
    Status s = inner_.StoreChunk(hash, data);
    store_s += Seconds(t0);
    return s;
  }
  Status CommitChunks() override {
    const auto t0 = std::chrono::steady_clock::now();
    Status s = inner_.CommitChunks();
    store_s += Seconds(t0);
    return s;
  }
  Result<std::optional<Bytes>> ServeChunk(const std::vector<std::string>& scopes,
                                          const Hash256& hash) override {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = inner_.ServeChunk(scopes, hash);
    serve_s += Seconds(t0);
    return r;
  }
  double store_s = 0, serve_s = 0;

 private:
  ChunkExchange& inner_;
};

struct Transfer {
  double seconds = 0;
  SyncStats client, server;
  bool ok = false;
  std::string outcome;
};

// One session of `client` towards `server` over loopback, each node on its
// own thread as two processes would be; `cut_after` chunks received (0:
// never) drops the client's connection.
Transfer SessionOver(SyncPeer& client, ChunkExchange& client_ex, SyncPeer& server,
                     ChunkExchange& server_ex, uint64_t cut_after = 0) {
  zmq::context_t ctx;
  SessionOptions so;
  so.chunks = &server_ex;
  so.chunk_credit = g_credit;
  so.verify_threads = 2;
  auto srv = SyncServer::Start(ctx, server.node->identity(), *server.backend, *server.policy,
                               SystemClock::Instance(), "tcp://127.0.0.1:0", so);
  if (!srv.ok()) Die(srv.status().ToString());
  Transfer t;
  std::atomic<bool> server_done{false};
  (*srv)->set_on_session_end([&](const PublicKey&, const std::string&, const SyncStats& s) {
    t.server = s;
    server_done = true;
  });
  std::atomic<bool> stop{false};
  std::thread server_thread([&] {
    while (!stop.load()) {
      zmq::pollitem_t item{(*srv)->socket().handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(2));
      (*srv)->Process();
    }
  });
  ClientOptions co;
  static_cast<SessionOptions&>(co) = so;
  co.chunks = &client_ex;
  co.scopes = ScopesFor("pine");
  co.server_key = server.key();
  const auto t0 = std::chrono::steady_clock::now();
  auto cl = SyncClient::Connect(ctx, client.node->identity(), *client.backend, *client.policy,
                                SystemClock::Instance(), (*srv)->endpoint(), co);
  if (!cl.ok()) Die(cl.status().ToString());
  while (!(*cl)->done() && Seconds(t0) < 600) {
    zmq::pollitem_t item{(*cl)->socket().handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(2));
    (*cl)->Process();
    if (cut_after > 0 && (*cl)->stats().chunks_received >= cut_after) break;
  }
  t.seconds = Seconds(t0);
  t.client = (*cl)->stats();
  t.ok = (*cl)->ok();
  t.outcome = (*cl)->Outcome();
  cl->reset();  // the link drops: the server finds the peer gone when it sends
  const auto t1 = std::chrono::steady_clock::now();
  while (!server_done.load() && Seconds(t1) < 3) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  server_thread.join();
  if (!server_done.load()) (*srv)->Shutdown();  // it had nothing left to send
  return t;
}

bool EnterNetem() {
  if (unshare(CLONE_NEWNET) != 0) {
    std::cout << "netem: skipped (unshare(CLONE_NEWNET): " << std::strerror(errno) << ")\n";
    return false;
  }
  if (std::system("ip link set lo up") != 0 ||
      std::system("tc qdisc add dev lo root netem rate 4mbit delay 150ms loss 1%") != 0) {
    std::cout << "netem: skipped (ip/tc failed: needs root and the sch_netem module)\n";
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  bool netem = false;
  size_t mib = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--netem") {
      netem = true;
    } else if (std::string(argv[i]) == "--credit" && i + 1 < argc) {
      g_credit = static_cast<unsigned>(std::atoi(argv[++i]));
    } else {
      mib = static_cast<size_t>(std::atol(argv[i]));
    }
  }
  if (mib == 0) mib = netem ? 3 : 64;
  // Before any thread exists (unshare refuses in a threaded process).
  if (netem && !EnterNetem()) return 0;
  const size_t bytes = mib * 1024 * 1024;

  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  const Bytes video = PatternBytes(bytes, 1);
  FileManifest m = AttachFile(w, *w.hub, "school/pine", "sub-1", video);
  auto pine_ex = ExchangeOf(pine);
  auto hub_ex = ExchangeOf(*w.hub);

  std::printf("%s: %zu MiB file, %zu chunks of 256 KiB, credit %u\n",
              netem ? "netem 4 Mbit/s, 150 ms, 1% loss" : "loopback", mib, m.chunks.size(),
              g_credit);
  const double raw = RawZmq(bytes);
  TimedExchange pine_timed(*pine_ex), hub_timed(*hub_ex);
  Transfer t = SessionOver(pine, pine_timed, *w.hub, hub_timed);
  if (!t.ok) Die("transfer failed: " + t.outcome);
  const double rate = static_cast<double>(t.client.chunk_bytes_received) / t.seconds;
  std::printf("  raw ZeroMQ/CURVE:   %8.1f MB/s\n", raw / 1e6);
  std::printf(
      "  file transfer:      %8.1f MB/s (%.2f s, whole session; each chunk hashed, "
      "written and fsynced)\n",
      rate / 1e6, t.seconds);
  std::printf("  ratio:              %8.0f %% of raw\n", 100.0 * rate / raw);
  std::printf("  time in the chunk store: client storing %.2f s, server serving %.2f s\n",
              pine_timed.store_s, hub_timed.serve_s);
  if (netem) {
    const double capacity = 4e6 / 8;
    std::printf("  link capacity:      %8.3f MB/s: raw %.0f %%, transfer %.0f %% of it\n",
                capacity / 1e6, 100.0 * raw / capacity, 100.0 * rate / capacity);
    return 0;
  }

  // Cuts: a fresh node pulls the file through sessions dropped after every
  // 8 chunks; what the hub sent beyond the file is what the cuts cost.
  FileManifest m2 = AttachFile(w, *w.hub, "school/pine", "sub-2", PatternBytes(bytes / 4, 2), "b");
  uint64_t stored = 0, served = 0;
  int sessions = 0;
  while (!HoldsFile(pine, m2) && sessions < 1000) {
    Transfer c = SessionOver(pine, *pine_ex, *w.hub, *hub_ex, 8);
    stored += c.client.chunk_bytes_received;
    served += c.server.chunk_bytes_sent;
    ++sessions;
  }
  const double window = static_cast<double>(g_credit * kChunkBytes);
  const double resent = static_cast<double>(served - stored);
  std::printf("cut every 8 chunks: %d sessions, %.1f MiB stored once, %.2f MiB sent again\n",
              sessions, stored / 1048576.0, resent / 1048576.0);
  std::printf("  re-sent per cut:    %8.0f KiB (one credit window: %.0f KiB)\n",
              sessions > 1 ? resent / (sessions - 1) / 1024 : 0.0, window / 1024);
  return 0;
}
