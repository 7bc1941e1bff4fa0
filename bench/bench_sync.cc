// bench_sync: two nodes (hub and school) syncing over ZeroMQ/CURVE on
// loopback, in one process. Prints, per set size N: full sync (records/s with
// every signature verified, bytes, round trips), the in-sync check (round
// trips, bytes, ms) and a 1% difference (bytes vs the missing records' size).
// Usage: bench_sync [N...]   (default: 100000 1000000). Not a test.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

#include "bench/parallel_for.h"
#include "bench/process_cpu.h"
#include "bench/raw_verify.h"
#include "node/sync/sync_client.h"
#include "node/sync/sync_server.h"
#include "node/sync/sync_test_world.h"

using namespace credmesh;
using namespace credmesh::testing;

namespace {

struct Figures {
  SyncStats stats;
  double ms = 0;
  double cpu_ms = 0;  // user + system time of the whole process (both nodes)
};

double CpuMillis() { return bench::ProcessCpuSeconds() * 1e3; }

// Syncs `client` with `server` over loopback, scope school/pine only.
Figures SyncOver(SyncWorld& w, SyncPeer& client, SyncPeer& server) {
  zmq::context_t ctx;
  SessionOptions so;
  so.verify_threads = 2;
  auto srv = SyncServer::Start(ctx, server.node->identity(), *server.backend, *server.policy,
                               SystemClock::Instance(), "tcp://127.0.0.1:0", so);
  if (!srv.ok()) {
    std::cerr << srv.status().ToString() << "\n";
    std::exit(1);
  }
  ClientOptions co;
  static_cast<SessionOptions&>(co) = so;
  co.scopes = {"school/pine"};
  co.server_key = server.key();
  auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = CpuMillis();
  auto cl = SyncClient::Connect(ctx, client.node->identity(), *client.backend, *client.policy,
                                SystemClock::Instance(), (*srv)->endpoint(), co);
  if (!cl.ok()) {
    std::cerr << cl.status().ToString() << "\n";
    std::exit(1);
  }
  // Each node runs its own event loop on its own thread, as two processes
  // would; they share nothing but the loopback connection.
  std::atomic<bool> stop{false};
  std::thread server_loop([&] {
    while (!stop.load()) {
      zmq::pollitem_t items[] = {{(*srv)->socket().handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 1, std::chrono::milliseconds(10));
      (*srv)->Process();
    }
  });
  while (!(*cl)->done()) {
    zmq::pollitem_t items[] = {{(*cl)->socket().handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, std::chrono::milliseconds(10));
    (*cl)->Process();
  }
  Figures f;
  f.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  f.cpu_ms = CpuMillis() - cpu0;
  stop = true;
  server_loop.join();
  f.stats = (*cl)->stats();
  if (!(*cl)->ok()) std::cerr << "sync failed: " << (*cl)->Outcome() << "\n";
  (void)w;
  return f;
}

// Writes n signed records of school/pine into `peer` (signed by pine's node
// key, so valid on both sides), in ingest batches; returns their total size.
// Signing is spread over all cores (setup, not measured).
uint64_t Fill(SyncPeer& peer, const SigningKey& key, uint64_t hlc0, size_t n, size_t tag) {
  constexpr size_t kBatch = 20000;
  uint64_t bytes = 0;
  for (size_t first = 0; first < n; first += kBatch) {
    const size_t count = std::min(kBatch, n - first);
    std::vector<std::optional<VerifiedRecord>> signed_records(count);
    bench::ParallelFor(count, [&](size_t k) {
      const size_t i = first + k;
      auto r = VerifiedRecord::Create(
          "note", "school/pine", "e" + std::to_string(tag) + "-" + std::to_string(i),
          hlc0 + i * 8 + tag, Value::Map{{"text", "benchmark record " + std::to_string(i)}}, key);
      if (r.ok()) signed_records[k] = std::move(*r);
    });
    std::vector<VerifiedRecord> batch;
    batch.reserve(count);
    for (auto& r : signed_records) {
      if (!r) {
        std::cerr << "signing a benchmark record failed\n";
        std::exit(1);
      }
      bytes += r->bytes().size();
      batch.push_back(std::move(*r));
    }
    auto s = peer.node->ledger().IngestVerified(std::move(batch));
    if (!s.ok()) {
      std::cerr << s.status().ToString() << "\n";
      std::exit(1);
    }
  }
  (void)peer.backend->cache().Refresh();  // written behind the backend's back
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::strtoul(argv[i], nullptr, 10));
  if (sizes.empty()) sizes = {100'000, 1'000'000};
  // The yardstick: every synced record costs one Ed25519 verification.
  auto key = SigningKey::Generate();
  const Bytes msg(189, 0x5a);  // as long as the signed bytes of a typical record
  const double raw_one = bench::RawVerifyRate(msg, key, 1),
               raw_two = bench::RawVerifyRate(msg, key, 2);
  std::printf("raw Ed25519 verify on this machine: %.0f /s on 1 thread, %.0f /s on 2 threads\n",
              raw_one, raw_two);
  std::printf("%-9s | %-34s | %-28s | %-30s\n", "records", "full sync", "in-sync check",
              "1% difference");
  for (size_t n : sizes) {
    SyncWorld w;
    SyncPeer& pine = w.School("pine");
    const uint64_t hlc0 = HybridClock::Make(w.clock.NowMillis() + 1000, 0);
    Fill(pine, pine.node->identity(), hlc0, n, 0);
    w.clock.Advance(5000);
    // Full sync: the hub has nothing of school/pine. The yardstick is the
    // 2-thread raw rate measured right before and after it: a shared VM's
    // speed drifts by up to ±25% within minutes.
    const double raw_before = bench::RawVerifyRate(msg, key, 2);
    Figures full = SyncOver(w, *w.hub, pine);
    const double raw_around = (raw_before + bench::RawVerifyRate(msg, key, 2)) / 2;
    // In sync.
    Figures same = SyncOver(w, *w.hub, pine);
    // 1%: new records on the school only, interleaved one to one with the
    // oldest 1% (the dense case: as many written while offline as were
    // already there in that time).
    const size_t diff = n / 100;
    const uint64_t diff_bytes = Fill(pine, pine.node->identity(), hlc0, diff, 1);
    Figures one = SyncOver(w, *w.hub, pine);
    const uint64_t one_bytes = one.stats.bytes_sent + one.stats.bytes_received;
    // Another 1%, newer than everything (a school that wrote while offline).
    const uint64_t newest_bytes = Fill(pine, pine.node->identity(), hlc0 + 8 * n, diff, 2);
    Figures newest = SyncOver(w, *w.hub, pine);
    const uint64_t newest_sync_bytes = newest.stats.bytes_sent + newest.stats.bytes_received;
    std::printf(
        "%-9zu | %8.0f rec/s %6.1f MB %4llu rt | %4llu rt %6llu B %7.1f ms | %7.2f MB vs %7.2f MB "
        "(x%.2f)\n",
        n, full.stats.records_received * 1000.0 / full.ms,
        (full.stats.bytes_sent + full.stats.bytes_received) / 1e6,
        static_cast<unsigned long long>(full.stats.round_trips),
        static_cast<unsigned long long>(same.stats.round_trips),
        static_cast<unsigned long long>(same.stats.bytes_sent + same.stats.bytes_received), same.ms,
        one_bytes / 1e6, diff_bytes / 1e6,
        static_cast<double>(one_bytes) / static_cast<double>(diff_bytes));
    std::printf(
        "%-9s   full sync: %.0f%% of the 2-thread raw verify rate (%.0f /s around it), %.1f s "
        "wall, %.1f s CPU (%.2f "
        "cores "
        "busy); 1%%: %llu rt, %llu records\n"
        "%-9s   1%% newest records: %.2f MB vs %.2f MB (x%.2f), %llu rt, %llu records\n",
        "", 100.0 * full.stats.records_received * 1000.0 / full.ms / raw_around, raw_around,
        full.ms / 1e3, full.cpu_ms / 1e3, full.cpu_ms / full.ms,
        static_cast<unsigned long long>(one.stats.round_trips),
        static_cast<unsigned long long>(one.stats.records_received), "", newest_sync_bytes / 1e6,
        newest_bytes / 1e6,
        static_cast<double>(newest_sync_bytes) / static_cast<double>(newest_bytes),
        static_cast<unsigned long long>(newest.stats.round_trips),
        static_cast<unsigned long long>(newest.stats.records_received));
    std::fflush(stdout);
  }
  return 0;
}
