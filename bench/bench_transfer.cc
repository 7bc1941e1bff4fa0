// bench_transfer: evidence file transfer over sync (docs/protocol.md §16)
// between two nodes in one process, over ZeroMQ/CURVE on loopback, against
// raw ZeroMQ/CURVE throughput of the same bytes measured in the same run;
// then the bytes sent again after cuts, against one credit window.
// With --link the two nodes sit in two network namespaces joined by an
// emulated school link (bench/link_emulator.h: 4 Mbit/s each way, 75 ms
// one way, 1 % loss per packet, seeded; needs root and /dev/net/tun,
// skipped cleanly otherwise), and both rates are compared with the link's
// capacity. Usage: bench_transfer [MiB] [--runs N] [--credit N] [--link]
// [--delay-ms D] [--loss PERCENT] [--rate-kbit R] [--inline-store]
// (--inline-store: received chunks stored on the session's thread, as
// before ChunkStorer; default 64 MiB, 8 MiB
// with --link; 3 runs on loopback, 1 over the link, each raw then the
// transfer, back to back; credit as SessionOptions; --netem is an older
// name of --link). Figures of the last run are the ones compared with the
// link.
// Prints figures; not a test.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "bench/link_emulator.h"
#include "bench/process_cpu.h"
#include "node/heap_tuning.h"
#include "node/sync/curve_keys.h"
#include "node/sync/files_test_world.h"
#include "node/sync/sync_client.h"
#include "node/sync/sync_server.h"
#include "protocol/crypto.h"

using namespace credmesh;
using namespace credmesh::testing;

namespace {

constexpr size_t kChunkBytes = 262144;
unsigned g_credit = SessionOptions{}.chunk_credit;  // --credit N
bool g_store_thread = true;                         // --inline-store: false

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void Die(const std::string& what) {
  std::cerr << "bench_transfer: " << what << "\n";
  std::exit(1);
}

// Where the two ends of a run live: on loopback, in one ZeroMQ context;
// over the emulated link, the serving end in namespace A and the asking
// end in namespace B, each with a context of its own (a context's I/O
// thread starts, and so opens its sockets, in the namespace of the thread
// that creates the context's first socket). Each run makes fresh contexts.
struct Ends {
  bool two_contexts = false;
  std::string bind;                    // the server's endpoint, port 0
  std::function<void()> enter_server;  // before the server's sockets
  std::function<void()> enter_client;  // before the client's sockets
};

// Raw ZeroMQ: a CURVE ROUTER sends `total` bytes in 256 KiB messages to a
// CURVE DEALER that asked for them; returns bytes per second.
double RawZmq(size_t total, const Ends& ends) {
  zmq::context_t server_ctx, client_ctx;
  zmq::context_t& cctx = ends.two_contexts ? client_ctx : server_ctx;
  SigningKey server_id = SigningKey::Generate(), client_id = SigningKey::Generate();
  CurveKeyPair sk = CurveFromSigningKey(server_id), ck = CurveFromSigningKey(client_id);
  ends.enter_server();
  zmq::socket_t router(server_ctx, zmq::socket_type::router);
  router.set(zmq::sockopt::curve_server, 1);
  router.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(sk.secret_key.data(), 32));
  router.set(zmq::sockopt::linger, 0);
  router.bind(ends.bind);
  const std::string endpoint = router.get(zmq::sockopt::last_endpoint);
  ends.enter_client();
  zmq::socket_t dealer(cctx, zmq::socket_type::dealer);
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
  // The two ends on two threads, as the transfer's nodes are; the sender
  // keeps at most 16 messages (4 MiB) ahead of the receiver, as a sender
  // with credit would.
  std::mutex mu;
  std::condition_variable caught_up;
  size_t received = 0;
  std::thread sender([&] {
    for (size_t sent = 0; sent < total; sent += payload.size()) {
      {
        std::unique_lock<std::mutex> lock(mu);
        caught_up.wait(lock, [&] { return sent - received < 16 * kChunkBytes; });
      }
      router.send(zmq::buffer(rid.data(), rid.size()), zmq::send_flags::sndmore);
      router.send(zmq::buffer(payload.data(), payload.size()), zmq::send_flags::none);
    }
  });
  for (bool more = true; more;) {
    zmq::message_t m;
    if (!dealer.recv(m)) continue;
    std::lock_guard<std::mutex> lock(mu);
    received += m.size();
    more = received < total;
    caught_up.notify_one();
  }
  sender.join();
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
    if (s.ok()) stored_bytes += data.size();
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
  // Written on the client's storer thread, read once the session is gone.
  double store_s = 0, serve_s = 0;
  uint64_t stored_bytes = 0;

 private:
  ChunkExchange& inner_;
};

struct Transfer {
  double seconds = 0;
  // From the first chunk stored to the end: the file phase without the
  // session's start (connection, handshake, records), and its bytes.
  double chunk_seconds = 0;
  uint64_t chunk_bytes = 0;
  SyncStats client, server;
  bool ok = false;
  std::string outcome;
};

// One session of `client` towards `server` over loopback, each node on its
// own thread as two processes would be; `cut_after` chunks received (0:
// never) drops the client's connection.
Transfer SessionOver(const Ends& ends, SyncPeer& client, ChunkExchange& client_ex, SyncPeer& server,
                     ChunkExchange& server_ex, uint64_t cut_after = 0) {
  zmq::context_t server_ctx, client_ctx;
  SessionOptions so;
  so.chunks = &server_ex;
  so.chunk_credit = g_credit;
  so.verify_threads = 2;
  so.chunk_store_thread = g_store_thread;
  ends.enter_server();
  auto srv = SyncServer::Start(server_ctx, server.node->identity(), *server.backend, *server.policy,
                               SystemClock::Instance(), ends.bind, so);
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
  ends.enter_client();
  auto cl = SyncClient::Connect(ends.two_contexts ? client_ctx : server_ctx,
                                client.node->identity(), *client.backend, *client.policy,
                                SystemClock::Instance(), (*srv)->endpoint(), co);
  if (!cl.ok()) Die(cl.status().ToString());
  std::optional<std::chrono::steady_clock::time_point> first_chunk;
  uint64_t first_chunk_bytes = 0;
  while (!(*cl)->done() && Seconds(t0) < 600) {
    zmq::pollitem_t item{(*cl)->socket().handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(2));
    (*cl)->Process();
    if (!first_chunk && (*cl)->stats().chunks_received > 0) {
      first_chunk = std::chrono::steady_clock::now();
      first_chunk_bytes = (*cl)->stats().chunk_bytes_received;
    }
    if (cut_after > 0 && (*cl)->stats().chunks_received >= cut_after) break;
  }
  t.seconds = Seconds(t0);
  if (first_chunk) {
    t.chunk_seconds = Seconds(*first_chunk);
    t.chunk_bytes = (*cl)->stats().chunk_bytes_received - first_chunk_bytes;
  }
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

// Deletes every chunk `p` holds, so that a run fetches the file again.
void ForgetChunks(SyncPeer& p) {
  const std::filesystem::path dir = p.node->Path(Node::kChunkDir);
  for (const auto& e : std::filesystem::directory_iterator(dir)) std::filesystem::remove_all(e);
}

// What the link's sysctl says from inside side A, e.g. "bbr".
std::string CongestionControl() {
  std::ifstream f("/proc/sys/net/ipv4/tcp_congestion_control");
  std::string cc;
  std::getline(f, cc);
  return cc.empty() ? "?" : cc;
}

}  // namespace

int main(int argc, char** argv) {
  bool on_link = false;
  size_t mib = 0;
  int runs = 0;
  bench::LinkConfig link_config;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--link" || a == "--netem") {
      on_link = true;
    } else if (a == "--inline-store") {
      g_store_thread = false;
    } else if (a == "--runs" && has_value) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--credit" && has_value) {
      g_credit = static_cast<unsigned>(std::atoi(argv[++i]));
    } else if (a == "--delay-ms" && has_value) {
      link_config.delay_us = std::atol(argv[++i]) * 1000;
    } else if (a == "--loss" && has_value) {
      link_config.loss = std::atof(argv[++i]) / 100;
    } else if (a == "--rate-kbit" && has_value) {
      link_config.rate_bits_per_s = std::atol(argv[++i]) * 1000;
    } else {
      mib = static_cast<size_t>(std::atol(argv[i]));
    }
  }
  if (mib == 0) mib = on_link ? 8 : 64;
  if (runs == 0) runs = on_link ? 1 : 3;
  // As the node's command line does (both runs below get it).
  (void)KeepFreedChunkBuffers();
  const size_t bytes = mib * 1024 * 1024;

  Ends ends{false, "tcp://127.0.0.1:0", [] {}, [] {}};
  std::unique_ptr<bench::EmulatedLink> link;
  if (on_link) {
    auto started = bench::EmulatedLink::Start(link_config);
    if (!started.ok()) {
      std::cout << "link: skipped (" << started.status().message() << ")\n";
      return 0;
    }
    link = std::move(*started);
    const auto enter = [&](bench::EmulatedLink::Side side) {
      if (Status s = link->Enter(side); !s.ok()) Die(s.ToString());
    };
    ends = Ends{true, std::string("tcp://") + bench::EmulatedLink::kAddressA + ":0",
                [=] { enter(bench::EmulatedLink::Side::kA); },
                [=] { enter(bench::EmulatedLink::Side::kB); }};
  }

  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  const Bytes video = PatternBytes(bytes, 1);
  FileManifest m = AttachFile(w, *w.hub, "school/pine", "sub-1", video);
  auto pine_ex = ExchangeOf(pine);
  auto hub_ex = ExchangeOf(*w.hub);

  if (on_link) {
    ends.enter_server();
    std::printf(
        "emulated link: %.1f Mbit/s each way, %.0f ms one way (%.0f ms round trip), %.1f %% "
        "loss each way (seed %llu), TCP %s\n",
        link_config.rate_bits_per_s / 1e6, link_config.delay_us / 1e3,
        2 * link_config.delay_us / 1e3, 100 * link_config.loss,
        static_cast<unsigned long long>(link_config.seed), CongestionControl().c_str());
  }
  std::printf("%s: %zu MiB file, %zu chunks of 256 KiB, credit %u\n", on_link ? "link" : "loopback",
              mib, m.chunks.size(), g_credit);
  // Raw, then the transfer, `runs` times: the machine is shared, so each
  // pair is measured back to back and the spread is printed.
  std::vector<double> ratios;
  double raw = 0, rate = 0, phase_rate = 0, raw_cpu = 0, transfer_cpu = 0;
  for (int run = 0; run < runs; ++run) {
    if (run > 0) ForgetChunks(pine);  // the next run fetches the whole file again
    const double cpu0 = bench::ProcessCpuSeconds();
    raw = RawZmq(bytes, ends);
    const double cpu1 = bench::ProcessCpuSeconds();
    TimedExchange pine_timed(*pine_ex), hub_timed(*hub_ex);
    Transfer t = SessionOver(ends, pine, pine_timed, *w.hub, hub_timed);
    const double cpu2 = bench::ProcessCpuSeconds();
    if (!t.ok) Die("transfer failed: " + t.outcome);
    if (!HoldsFile(pine, m)) Die("transfer incomplete");
    rate = static_cast<double>(t.client.chunk_bytes_received) / t.seconds;
    raw_cpu = cpu1 - cpu0;
    transfer_cpu = cpu2 - cpu1;
    ratios.push_back(rate / raw);
    std::printf("run %d:\n", run + 1);
    std::printf("  raw ZeroMQ/CURVE:   %8.3f MB/s\n", raw / 1e6);
    std::printf(
        "  file transfer:      %8.3f MB/s (%.2f s, whole session; each chunk hashed, "
        "written and made durable)\n",
        rate / 1e6, t.seconds);
    phase_rate = t.chunk_seconds > 0 ? t.chunk_bytes / t.chunk_seconds : 0;
    std::printf("  file phase:         %8.3f MB/s (from the first chunk stored to the last)\n",
                phase_rate / 1e6);
    std::printf("  ratio:              %8.0f %% of raw\n", 100.0 * rate / raw);
    std::printf("  time in the chunk store: client storing %.2f s, server serving %.2f s\n",
                pine_timed.store_s, hub_timed.serve_s);
    // Both ends run in this process: what each run cost the machine's CPUs.
    std::printf("  CPU (process, all threads): raw %.2f s, transfer %.2f s\n", raw_cpu,
                transfer_cpu);
  }
  std::sort(ratios.begin(), ratios.end());
  std::printf("ratio over %d runs: %.0f-%.0f %% of raw, median %.0f %%\n", runs,
              100 * ratios.front(), 100 * ratios.back(), 100 * ratios[ratios.size() / 2]);
  // What one BLAKE2b pass over the file costs here: the transfer makes one
  // (the client verifies what it gets; the server checks what it reads
  // against the chunk file's XXH3 checksum, docs/files.md §3).
  const double cpu3 = bench::ProcessCpuSeconds();
  for (size_t off = 0; off < video.size(); off += kChunkBytes) {
    (void)Blake2b256(ByteView(video.data() + off, std::min(kChunkBytes, video.size() - off)));
  }
  const double hash_cpu = bench::ProcessCpuSeconds() - cpu3;
  std::printf("one BLAKE2b pass over the file: %.2f s of CPU\n", hash_cpu);
  if (on_link) {
    const double capacity = static_cast<double>(link_config.rate_bits_per_s) / 8;
    std::printf(
        "  link capacity:      %8.3f MB/s: raw %.0f %%, transfer %.0f %% (file phase %.0f %%) "
        "of it\n",
        capacity / 1e6, 100.0 * raw / capacity, 100.0 * rate / capacity,
        100.0 * phase_rate / capacity);
    const auto ab = link->AtoB(), ba = link->BtoA();
    std::printf(
        "  link, both runs: A->B %llu packets, %llu lost, %llu over the queue; "
        "B->A %llu packets, %llu lost, %llu over the queue\n",
        static_cast<unsigned long long>(ab.packets), static_cast<unsigned long long>(ab.lost),
        static_cast<unsigned long long>(ab.overflowed), static_cast<unsigned long long>(ba.packets),
        static_cast<unsigned long long>(ba.lost), static_cast<unsigned long long>(ba.overflowed));
    return 0;
  }

  // Cuts: a fresh node pulls the file through sessions dropped after every
  // 8 chunks; what the hub sent beyond the file is what the cuts cost.
  FileManifest m2 = AttachFile(w, *w.hub, "school/pine", "sub-2", PatternBytes(bytes / 4, 2), "b");
  uint64_t stored = 0, served = 0;
  int sessions = 0;
  while (!HoldsFile(pine, m2) && sessions < 1000) {
    // Counted by the exchange: chunks still being stored at the cut are
    // stored as the session closes, after its figures were taken.
    TimedExchange counted(*pine_ex);
    Transfer c = SessionOver(ends, pine, counted, *w.hub, *hub_ex, 8);
    stored += counted.stored_bytes;
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
