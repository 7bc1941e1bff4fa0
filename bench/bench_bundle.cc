// bench_bundle: sneakernet bundles against network sync, in one run. A hub
// holds N signed district records; it carries them to Pine by bundle
// (export, then import: MB/s and records/s) and to Oak by a sync session
// over ZeroMQ/CURVE on loopback (records/s, wire bytes). Then Pine carries an
// evidence file of M MiB to the hub by bundle (export and import MB/s: the
// chunks are encrypted, hashed, staged and made durable by one sync before
// they enter the hub's chunk store; bench_transfer measures them by sync).
// Usage: bench_bundle [--records N] [--mb M]   (default 100000, 64). Not a test.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "node/bundle/bundle_export.h"
#include "node/bundle/bundle_import.h"
#include "node/credentials/credential_records.h"
#include "node/sync/sync_client.h"
#include "node/sync/sync_server.h"
#include "node/sync/sync_test_world.h"
#include "node/trust/trust_index.h"
#include "node/trust/trust_records.h"

using namespace credmesh;
using namespace credmesh::testing;

namespace {

using BenchClock = std::chrono::steady_clock;

double SecondsSince(BenchClock::time_point t0) {
  return std::chrono::duration<double>(BenchClock::now() - t0).count();
}

template <typename T>
T OrDie(Result<T> r, const char* what) {
  if (!r.ok()) {
    std::cerr << what << ": " << r.status().ToString() << "\n";
    std::exit(1);
  }
  return std::move(*r);
}

ChunkStore BenchChunks(SyncPeer& p) {
  return OrDie(ChunkStore::Open(p.node->Path(Node::kChunkDir)), "chunk store");
}

BundleExportSummary Export(SyncPeer& from, SyncPeer& to, const std::string& path,
                           const BundleState* since = nullptr) {
  TrustIndex index(from.node->store().db());
  const uint64_t now = HybridClock::Make(from.node->clock().NowMillis(), 0xffff);
  NodeCertInfo cert = OrDie(NodeCertificateOf(index, to.key(), now, "valley"), "certificate");
  BundleExportRequest req;
  req.scopes = OrDie(BundleScopesFor(from.node->store(), *from.policy, cert), "scopes");
  req.recipient = to.key();
  req.since = since;
  ScopeItemCache cache(from.node->store());
  ChunkStore chunks = BenchChunks(from);
  return OrDie(ExportBundle(from.node->store(), cache, chunks, from.node->identity(), "valley",
                            from.node->clock().NowMillis(), std::move(req), path),
               "export");
}

BundleImportSummary Import(SyncPeer& to, const std::string& path) {
  ChunkStore chunks = BenchChunks(to);
  BundleImportTarget t;
  t.store = &to.node->store();
  t.ledger = &to.node->ledger();
  t.chunks = &chunks;
  t.identity = &to.node->identity();
  t.district = "valley";
  t.policy = to.policy.get();
  t.now_hlc = HybridClock::Make(to.node->clock().NowMillis(), 0xffff);
  t.staging_parent = to.node->dir();
  return OrDie(ImportBundle(t, path), "import");
}

// One sync session of `client` with `server` over loopback, district scope.
SyncStats SyncDistrict(SyncPeer& client, SyncPeer& server) {
  zmq::context_t ctx;
  SessionOptions so;
  so.verify_threads = 2;
  auto srv = OrDie(SyncServer::Start(ctx, server.node->identity(), *server.backend, *server.policy,
                                     SystemClock::Instance(), "tcp://127.0.0.1:0", so),
                   "server");
  ClientOptions co;
  static_cast<SessionOptions&>(co) = so;
  co.scopes = {"district/valley"};
  co.server_key = server.key();
  auto cl = OrDie(SyncClient::Connect(ctx, client.node->identity(), *client.backend, *client.policy,
                                      SystemClock::Instance(), srv->endpoint(), co),
                  "client");
  std::atomic<bool> stop{false};
  std::thread server_loop([&] {
    while (!stop.load()) {
      zmq::pollitem_t items[] = {{srv->socket().handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 1, std::chrono::milliseconds(10));
      srv->Process();
    }
  });
  while (!cl->done()) {
    zmq::pollitem_t items[] = {{cl->socket().handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, std::chrono::milliseconds(10));
    cl->Process();
  }
  stop = true;
  server_loop.join();
  if (!cl->ok()) std::cerr << "sync failed: " << cl->Outcome() << "\n";
  return cl->stats();
}

// n district notes signed by the hub, stored in batches; returns their bytes.
uint64_t FillDistrict(SyncPeer& hub, size_t n) {
  uint64_t bytes = 0;
  // After the hub's certificate, which must be in effect at each record.
  const uint64_t hlc0 = HybridClock::Make(hub.node->clock().NowMillis() + 1000, 0);
  for (size_t first = 0; first < n; first += 10000) {
    std::vector<VerifiedRecord> batch;
    for (size_t i = first; i < std::min(n, first + 10000); ++i) {
      auto r = OrDie(
          VerifiedRecord::Create("note", "district/valley", "b-" + std::to_string(i), hlc0 + i * 4,
                                 Value::Map{{"text", "benchmark record " + std::to_string(i)}},
                                 hub.node->identity()),
          "sign");
      bytes += r.bytes().size();
      batch.push_back(std::move(r));
    }
    OrDie(hub.node->ledger().IngestVerified(std::move(batch)), "ingest");
  }
  return bytes;
}

// An educator of Pine attaches a file of `mb` MiB of random bytes.
void AttachBenchFile(SyncWorld& w, SyncPeer& pine, size_t mb) {
  SigningKey ed = SigningKey::Generate();
  GrantBody g;
  g.subject = ed.public_key();
  g.role = Role::kEducator;
  g.scope = "school/pine";
  g.not_before_ms = w.clock.NowMillis();
  g.not_after_ms = g.not_before_ms + 86'400'000;
  g.name = "bench";
  OrDie(pine.node->ledger().Write(kGrantKind, "district/valley", "person/" + ed.public_key().hex(),
                                  g.ToValue(), pine.node->identity()),
        "grant");
  w.clock.Advance(1000);
  ChunkStore store = BenchChunks(pine);
  EvidenceFile f;
  f.name = "video.bin";
  f.type = "application/octet-stream";
  f.size = static_cast<int64_t>(mb) * 1024 * 1024;
  f.chunk_size = 256 * 1024;
  Blake2bHasher whole;
  Bytes chunk(256 * 1024);
  for (int64_t at = 0; at < f.size; at += f.chunk_size) {
    RandomBytes(chunk.data(), chunk.size());
    whole.Update(chunk);
    f.chunks.push_back(OrDie(store.Put(chunk), "put chunk"));
  }
  f.hash = whole.Final();
  EvidenceBody b;
  b.slot = "video";
  b.file = f;
  OrDie(pine.node->ledger().Write(kSubmissionEvidenceKind, "school/pine", "submission/bench",
                                  b.ToValue(), ed),
        "evidence");
}

void Row(const char* what, double secs, uint64_t bytes, uint64_t records) {
  std::printf("  %-34s %8.2f s  %8.1f MB/s  %10.0f records/s\n", what, secs, bytes / 1e6 / secs,
              records / secs);
}

}  // namespace

int main(int argc, char** argv) {
  size_t records = 100000, mb = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--records") {
      records = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (a == "--mb") {
      mb = std::strtoull(argv[i + 1], nullptr, 10);
    } else {
      std::cerr << "usage: bench_bundle [--records N] [--mb M]\n";
      return 2;
    }
  }
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  SyncPeer& oak = w.School("oak");
  const uint64_t record_bytes = FillDistrict(*w.hub, records);
  w.clock.Advance(60'000);
  std::printf("bench_bundle: %zu district records (%.1f MB), a %zu MiB evidence file\n", records,
              record_bytes / 1e6, mb);

  std::printf("records, hub -> school:\n");
  auto t0 = BenchClock::now();
  BundleExportSummary ex = Export(*w.hub, pine, w.dir + "/records.bundle");
  Row("bundle export (sealed, signed)", SecondsSince(t0), ex.io.bytes, ex.io.counts.records);
  t0 = BenchClock::now();
  BundleImportSummary im = Import(pine, w.dir + "/records.bundle");
  Row("bundle import (verify, ingest)", SecondsSince(t0), im.io.bytes, im.ingest.received);
  t0 = BenchClock::now();
  SyncStats st = SyncDistrict(oak, *w.hub);
  const double sync_s = SecondsSince(t0);
  Row("network sync (same records)", sync_s, st.bytes_received + st.bytes_sent,
      st.records_received);
  std::printf(
      "  bundle file %.1f MB for %.1f MB of records; sync moved %.1f MB in %llu round trips\n",
      ex.io.bytes / 1e6, record_bytes / 1e6, (st.bytes_received + st.bytes_sent) / 1e6,
      static_cast<unsigned long long>(st.round_trips));

  AttachBenchFile(w, pine, mb);
  std::printf("evidence file, school -> hub, --since the hub's state:\n");
  t0 = BenchClock::now();
  ScopeItemCache hub_cache(w.hub->node->store());
  ChunkStore hub_chunks = BenchChunks(*w.hub);
  const BundleState hub_state =
      OrDie(SummarizeHoldings(w.hub->node->store(), hub_cache, hub_chunks, w.hub->key(), "valley",
                              w.clock.NowMillis(), FixedBytes<16>{}),
            "state");
  const size_t state_bytes = hub_state.Encode(w.hub->node->identity()).size();
  std::printf("  %-34s %8.2f s  %zu bytes for %zu records\n", "bundle state (hub)",
              SecondsSince(t0), state_bytes, records);
  t0 = BenchClock::now();
  BundleExportSummary fx = Export(pine, *w.hub, w.dir + "/files.bundle", &hub_state);
  Row("bundle export (sealed, signed)", SecondsSince(t0), fx.io.bytes, fx.io.counts.records);
  t0 = BenchClock::now();
  BundleImportSummary fi = Import(*w.hub, w.dir + "/files.bundle");
  Row("bundle import (hash, stage, sync, adopt)", SecondsSince(t0), fi.io.bytes,
      fi.ingest.received);
  std::printf("  %llu chunks; peak frame buffers: export %zu bytes, import %zu bytes\n",
              static_cast<unsigned long long>(fi.io.counts.chunks), fx.io.peak_buffer_bytes,
              fi.io.peak_buffer_bytes);
  return 0;
}
