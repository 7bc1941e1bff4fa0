// Evidence file chunks over sync, version 2 (docs/protocol.md §16): real
// nodes on disk, sessions driven in-process (and once over ZeroMQ on
// loopback), chunk stores checked byte for byte.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>

#include "node/sync/files_test_world.h"
#include "node/sync/sync_client.h"
#include "node/sync/sync_server.h"

namespace credmesh {
namespace {

using testing::AttachFile;
using testing::ChunksHeld;
using testing::CorruptingExchange;
using testing::ExchangeOf;
using testing::HoldsFile;
using testing::MakeFileClient;
using testing::MakeFileServer;
using testing::PatternBytes;
using testing::RunPairStepwise;
using testing::ScopesFor;
using testing::SyncPeer;
using testing::SyncWorld;

constexpr size_t kChunk = 262144;

// Writes the file of `m` from `p`'s chunk store and reads it back.
Bytes Assembled(SyncWorld& w, SyncPeer& p, const FileManifest& m) {
  auto store = ChunkStore::Open(p.node->Path(Node::kChunkDir));
  REQUIRE(store.ok());
  const std::string out = w.dir + "/assembled-" + m.hash.hex();
  Status s = AssembleFile(*store, m, out);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  std::ifstream f(out, std::ios::binary);
  Bytes data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::filesystem::remove(out);
  return data;
}

TEST_CASE("sync files: a multi-chunk file crosses each way in one session, bytes identical") {
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  // A file attached at the school (4 chunks, the last short) and one at the hub.
  const Bytes at_school = PatternBytes(3 * kChunk + 12345, 1);
  const Bytes at_hub = PatternBytes(2 * kChunk, 2);
  FileManifest school_file = AttachFile(w, pine, "school/pine", "sub-1", at_school, "a.mp4");
  FileManifest hub_file = AttachFile(w, *w.hub, "school/pine", "sub-2", at_hub, "b.pdf");
  REQUIRE(school_file.chunks.size() == 4);
  CHECK_FALSE(HoldsFile(*w.hub, school_file));

  auto pine_ex = ExchangeOf(pine);
  auto hub_ex = ExchangeOf(*w.hub);
  auto client = MakeFileClient(pine, *w.hub, w.clock, ScopesFor("pine"), pine_ex.get());
  auto server = MakeFileServer(*w.hub, pine.key(), w.clock, hub_ex.get());
  RunPairStepwise(*client, *server);
  INFO(client->Outcome());
  CHECK(client->completed());
  CHECK(server->closed());  // by the client's BYE
  CHECK(client->version() == 2);
  CHECK(client->stats().chunks_received == 2);
  CHECK(client->stats().chunks_sent == 4);
  CHECK(server->stats().chunks_received == 4);
  CHECK(Assembled(w, *w.hub, school_file) == at_school);
  CHECK(Assembled(w, pine, hub_file) == at_hub);
  // The reviewer's view at the hub: the file is here.
  auto entries = EvidenceFilesOf(w.hub->node->store(), hub_ex->chunks(), "sub-1");
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 1);
  CHECK(entries->front().bytes == FileBytes::kHere);

  // In step now: the next session moves no chunk.
  auto again = MakeFileClient(pine, *w.hub, w.clock, ScopesFor("pine"), pine_ex.get());
  auto again_server = MakeFileServer(*w.hub, pine.key(), w.clock, hub_ex.get());
  RunPairStepwise(*again, *again_server);
  CHECK(again->completed());
  CHECK(again->stats().chunks_received + again_server->stats().chunks_received == 0);
}

TEST_CASE("sync files: a chunk shared by two files is fetched once") {
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  const Bytes shared = PatternBytes(kChunk, 7);
  Bytes a = shared, b = shared;
  const Bytes tail_a = PatternBytes(1000, 8), tail_b = PatternBytes(2000, 9);
  a.insert(a.end(), tail_a.begin(), tail_a.end());
  b.insert(b.end(), tail_b.begin(), tail_b.end());
  FileManifest fa = AttachFile(w, pine, "school/pine", "sub-1", a, "a.bin");
  FileManifest fb = AttachFile(w, pine, "school/pine", "sub-1", b, "b.bin");
  REQUIRE(fa.chunks[0] == fb.chunks[0]);

  auto hub_ex = ExchangeOf(*w.hub);
  auto list = hub_ex->ChunksToFetch(ScopesFor("pine"), 100);
  REQUIRE(list.ok());
  CHECK(list->size() == 0);  // the hub has not seen the records yet
  auto pine_ex = ExchangeOf(pine);
  auto client = MakeFileClient(pine, *w.hub, w.clock, ScopesFor("pine"), pine_ex.get());
  auto server = MakeFileServer(*w.hub, pine.key(), w.clock, hub_ex.get());
  RunPairStepwise(*client, *server);
  CHECK(client->completed());
  CHECK(server->stats().chunks_received == 3);  // not 4: the shared chunk once
  CHECK(client->stats().chunks_sent == 3);
  CHECK(Assembled(w, *w.hub, fa) == a);
  CHECK(Assembled(w, *w.hub, fb) == b);
}

TEST_CASE("sync files: a transfer cut again and again resumes without fetching anything twice") {
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  const Bytes video = PatternBytes(20 * kChunk + 99, 3);
  FileManifest m = AttachFile(w, *w.hub, "school/pine", "sub-1", video);
  auto pine_ex = ExchangeOf(pine);
  auto hub_ex = ExchangeOf(*w.hub);
  constexpr unsigned kCredit = 4;
  uint64_t stored = 0, served = 0;
  int sessions = 0;
  for (; sessions < 30 && !HoldsFile(pine, m); ++sessions) {
    auto client = MakeFileClient(pine, *w.hub, w.clock, ScopesFor("pine"), pine_ex.get(), kCredit);
    auto server = MakeFileServer(*w.hub, pine.key(), w.clock, hub_ex.get());
    const uint64_t before = client->stats().chunks_received;
    // The link drops after three more chunks have arrived: both ends lose
    // the session, whatever was in flight.
    RunPairStepwise(*client, *server,
                    [&] { return client->stats().chunks_received >= before + 3; });
    stored += client->stats().chunks_received;
    served += server->stats().chunks_sent;
    if (!client->closed()) {
      client->Disconnected();
      server->Disconnected();
    }
    CHECK(client->gets_outstanding() <= kCredit);
    if (sessions == 0) {
      // Part of the file is here: a reviewer at pine sees it in transit.
      auto entries = EvidenceFilesOf(pine.node->store(), pine_ex->chunks(), "sub-1");
      REQUIRE(entries.ok());
      REQUIRE(entries->size() == 1);
      CHECK(entries->front().bytes == FileBytes::kInTransit);
      CHECK(entries->front().availability.bytes_missing ==
            static_cast<int64_t>(video.size() - 3 * kChunk));
    }
  }
  CHECK(sessions == 7);  // 21 chunks, three per session
  CHECK(HoldsFile(pine, m));
  CHECK(Assembled(w, pine, m) == video);
  // Every chunk was stored exactly once over all the sessions...
  CHECK(stored == m.chunks.size());
  // ...and what the hub sent beyond that was lost in flight at the cuts:
  // at most one credit window per cut.
  MESSAGE("chunks served ", served, " for ", m.chunks.size(), " over ", sessions, " sessions");
  CHECK(served - stored <= static_cast<uint64_t>(sessions) * kCredit);
}

TEST_CASE("sync files: chunks are held once their credit window is committed, and a cut commits") {
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  FileManifest m = AttachFile(w, *w.hub, "school/pine", "sub-1", PatternBytes(20 * kChunk, 4));
  auto pine_ex = ExchangeOf(pine);
  auto hub_ex = ExchangeOf(*w.hub);
  auto client = MakeFileClient(pine, *w.hub, w.clock, ScopesFor("pine"), pine_ex.get(), 4);
  auto server = MakeFileServer(*w.hub, pine.key(), w.clock, hub_ex.get());
  auto received = [&](uint64_t n) {
    RunPairStepwise(*client, *server, [&] { return client->stats().chunks_received >= n; });
    REQUIRE(client->stats().chunks_received == n);
  };
  // Three of a window of four: written, not yet durable, so not held.
  received(3);
  CHECK(ChunksHeld(pine, m) == 0);
  received(4);  // the window is complete: one commit makes all four held
  CHECK(ChunksHeld(pine, m) == 4);
  received(6);
  CHECK(ChunksHeld(pine, m) == 4);
  // The link drops: what arrived is committed as the session closes.
  client->Disconnected();
  server->Disconnected();
  CHECK(ChunksHeld(pine, m) == 6);
}

TEST_CASE("sync files: a corrupted chunk is rejected, counted and fetched again") {
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  const Bytes video = PatternBytes(5 * kChunk, 4);
  FileManifest m = AttachFile(w, *w.hub, "school/pine", "sub-1", video);
  auto pine_ex = ExchangeOf(pine);
  auto hub_ex = ExchangeOf(*w.hub);

  SUBCASE("two bad chunks: rejected, asked for again, the file arrives whole") {
    CorruptingExchange faulty(*hub_ex, 2);
    auto client = MakeFileClient(pine, *w.hub, w.clock, ScopesFor("pine"), pine_ex.get());
    auto server = MakeFileServer(*w.hub, pine.key(), w.clock, &faulty);
    RunPairStepwise(*client, *server);
    INFO(client->Outcome());
    CHECK(faulty.corrupted() == 2);
    CHECK(client->completed());
    CHECK(client->stats().chunks_rejected == 2);
    CHECK(client->stats().chunks_received == 5);
    CHECK(server->stats().chunks_sent == 7);
    CHECK(Assembled(w, pine, m) == video);
  }
  SUBCASE("a peer that only sends bad bytes is dropped with 400 and nothing is stored") {
    CorruptingExchange liar(*hub_ex, 1000);
    auto client = MakeFileClient(pine, *w.hub, w.clock, ScopesFor("pine"), pine_ex.get());
    auto server = MakeFileServer(*w.hub, pine.key(), w.clock, &liar);
    RunPairStepwise(*client, *server);
    CHECK(client->closed());
    CHECK_FALSE(client->completed());
    REQUIRE(client->error_sent());
    CHECK(client->error_sent()->code == 400);
    CHECK(client->stats().chunks_rejected == 8);
    CHECK(ChunksHeld(pine, m) == 0);
  }
}

// The same transfer with each session storing what it receives on a
// thread of its own (ChunkStorer), as a node does: the chunks are still
// verified before anything is stored, a bad one is still asked for again,
// and a cut still commits every chunk that arrived and verified.
TEST_CASE(
    "sync files: chunks stored off the session thread are still verified, refetched and kept") {
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  const Bytes video = PatternBytes(9 * kChunk + 5, 6);
  FileManifest m = AttachFile(w, *w.hub, "school/pine", "sub-1", video);
  auto pine_ex = ExchangeOf(pine);
  auto hub_ex = ExchangeOf(*w.hub);
  constexpr bool kStoreThread = true;

  SUBCASE("three bad chunks: rejected, asked for again, the file arrives whole") {
    CorruptingExchange faulty(*hub_ex, 3);
    auto client =
        MakeFileClient(pine, *w.hub, w.clock, ScopesFor("pine"), pine_ex.get(), 4, kStoreThread);
    auto server = MakeFileServer(*w.hub, pine.key(), w.clock, &faulty, kStoreThread);
    RunPairStepwise(*client, *server);
    INFO(client->Outcome());
    CHECK(faulty.corrupted() == 3);
    CHECK(client->completed());
    CHECK(client->stats().chunks_rejected == 3);
    CHECK(client->stats().chunks_received == m.chunks.size());
    CHECK(server->stats().chunks_sent == m.chunks.size() + 3);
    CHECK(Assembled(w, pine, m) == video);
  }
  SUBCASE("a peer that only sends bad bytes is dropped with 400 and nothing is stored") {
    CorruptingExchange liar(*hub_ex, 1000);
    auto client =
        MakeFileClient(pine, *w.hub, w.clock, ScopesFor("pine"), pine_ex.get(), 8, kStoreThread);
    auto server = MakeFileServer(*w.hub, pine.key(), w.clock, &liar);
    RunPairStepwise(*client, *server);
    CHECK(client->closed());
    CHECK_FALSE(client->completed());
    REQUIRE(client->error_sent());
    CHECK(client->error_sent()->code == 400);
    // The 8th rejection ends the session; chunks already received are still
    // checked as it closes (and rejected: at most two credit windows more).
    CHECK(client->stats().chunks_rejected >= 8);
    CHECK(client->stats().chunks_rejected <= 8 + 2 * 8);
    CHECK(client->stats().chunks_received == 0);
    CHECK(ChunksHeld(pine, m) == 0);
  }
  SUBCASE("a cut commits every chunk that arrived, and the next session fetches only the rest") {
    auto client =
        MakeFileClient(pine, *w.hub, w.clock, ScopesFor("pine"), pine_ex.get(), 4, kStoreThread);
    auto server = MakeFileServer(*w.hub, pine.key(), w.clock, hub_ex.get());
    uint64_t served_at_cut = 0;
    RunPairStepwise(*client, *server, [&] {
      served_at_cut = server->stats().chunks_sent;
      return served_at_cut >= 5;
    });
    client->Disconnected();  // waits for the chunks being stored, then commits
    server->Disconnected();
    // Every chunk the client had received is stored and held; the ones
    // still in flight at the cut were lost with the link.
    CHECK(client->stats().chunks_received >= 1);
    CHECK(client->stats().chunks_received <= served_at_cut);
    CHECK(ChunksHeld(pine, m) == static_cast<int64_t>(client->stats().chunks_received));
    auto again =
        MakeFileClient(pine, *w.hub, w.clock, ScopesFor("pine"), pine_ex.get(), 4, kStoreThread);
    auto server2 = MakeFileServer(*w.hub, pine.key(), w.clock, hub_ex.get());
    RunPairStepwise(*again, *server2);
    CHECK(again->completed());
    CHECK(again->stats().chunks_received + client->stats().chunks_received == m.chunks.size());
    CHECK(Assembled(w, pine, m) == video);
  }
}

// A chunk exchange that asks for chosen hashes, as a curious or hostile
// node would after learning them some other way.
class AskForExchange final : public ChunkExchange {
 public:
  AskForExchange(ChunkExchange& inner, std::vector<Hash256> ask)
      : inner_(inner), ask_(std::move(ask)) {}
  Result<std::vector<Hash256>> ChunksToFetch(const std::vector<std::string>&, size_t) override {
    return ask_;
  }
  Status StoreChunk(const Hash256& hash, ByteView data) override {
    return inner_.StoreChunk(hash, data);
  }
  Status CommitChunks() override { return inner_.CommitChunks(); }
  Result<std::optional<Bytes>> ServeChunk(const std::vector<std::string>& scopes,
                                          const Hash256& hash) override {
    return inner_.ServeChunk(scopes, hash);
  }

 private:
  ChunkExchange& inner_;
  std::vector<Hash256> ask_;
};

TEST_CASE("sync files: a school asking for another school's chunk by hash gets nothing") {
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  SyncPeer& oak = w.School("oak");
  const Bytes work = PatternBytes(2 * kChunk + 5, 5);
  FileManifest m = AttachFile(w, pine, "school/pine", "sub-1", work);
  auto pine_ex = ExchangeOf(pine);
  auto hub_ex = ExchangeOf(*w.hub);
  auto oak_ex = ExchangeOf(oak);
  {
    // Pine's file reaches the hub.
    auto client = MakeFileClient(pine, *w.hub, w.clock, ScopesFor("pine"), pine_ex.get());
    auto server = MakeFileServer(*w.hub, pine.key(), w.clock, hub_ex.get());
    RunPairStepwise(*client, *server);
    REQUIRE(client->completed());
    REQUIRE(HoldsFile(*w.hub, m));
  }
  // Oak syncs with the hub as usual: nothing of pine's.
  {
    auto client = MakeFileClient(oak, *w.hub, w.clock, ScopesFor("oak"), oak_ex.get());
    auto server = MakeFileServer(*w.hub, oak.key(), w.clock, hub_ex.get());
    RunPairStepwise(*client, *server);
    CHECK(client->completed());
    CHECK(client->stats().chunks_received == 0);
  }
  // Oak asks for pine's chunks by hash: every answer comes without bytes.
  {
    AskForExchange curious(*oak_ex, m.chunks);
    auto client = MakeFileClient(oak, *w.hub, w.clock, ScopesFor("oak"), &curious);
    auto server = MakeFileServer(*w.hub, oak.key(), w.clock, hub_ex.get());
    RunPairStepwise(*client, *server);
    CHECK(client->completed());
    CHECK(client->stats().chunks_unavailable == m.chunks.size());
    CHECK(client->stats().chunks_received == 0);
    CHECK(server->stats().chunks_sent == 0);
  }
  // Oak's chunk directory holds none of pine's bytes.
  CHECK(ChunksHeld(oak, m) == 0);
  auto usage = oak_ex->chunks().Measure();
  REQUIRE(usage.ok());
  CHECK(usage->chunks == 0);
}

TEST_CASE(
    "sync files: requests in flight stay within the credit, and 16 is the most a peer may ask") {
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  FileManifest m = AttachFile(w, *w.hub, "school/pine", "sub-1", PatternBytes(12 * kChunk, 6));
  auto pine_ex = ExchangeOf(pine);
  auto hub_ex = ExchangeOf(*w.hub);

  SUBCASE("credit 3") {
    auto client = MakeFileClient(pine, *w.hub, w.clock, ScopesFor("pine"), pine_ex.get(), 3);
    auto server = MakeFileServer(*w.hub, pine.key(), w.clock, hub_ex.get());
    size_t most_out = 0, most_held = 0;
    RunPairStepwise(*client, *server, {}, [&] {
      most_out = std::max(most_out, client->gets_outstanding());
      most_held = std::max(most_held, server->gets_held());
    });
    CHECK(client->completed());
    CHECK(HoldsFile(pine, m));
    CHECK(most_out == 3);  // reached, never passed
    CHECK(most_held <= 3);
  }
  SUBCASE("a peer with 16 GETs unanswered that asks again is dropped with 413") {
    auto client = MakeFileClient(pine, *w.hub, w.clock, ScopesFor("pine"), pine_ex.get(), 1);
    auto server = MakeFileServer(*w.hub, pine.key(), w.clock, hub_ex.get());
    // Run until the hub is in its file phase, then flood it with GETs
    // without reading any CHUNK (nothing is taken from the server).
    RunPairStepwise(*client, *server,
                    [&] { return server->state() == SyncSession::State::kFiles; });
    REQUIRE(server->state() == SyncSession::State::kFiles);
    size_t most_held = 0;
    for (int i = 0; i < 20 && !server->closed(); ++i) {
      server->OnFrame(wire::Get{m.chunks[static_cast<size_t>(i % 12)]}.Encode());
      most_held = std::max(most_held, server->gets_held());
    }
    CHECK(most_held == 16);
    CHECK(server->closed());
    REQUIRE(server->error_sent());
    CHECK(server->error_sent()->code == 413);
  }
}

TEST_CASE("sync files: a rate cap paces the requests by the clock") {
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  FileManifest m = AttachFile(w, *w.hub, "school/pine", "sub-1", PatternBytes(8 * kChunk, 10));
  auto pine_ex = ExchangeOf(pine);
  auto hub_ex = ExchangeOf(*w.hub);
  ClientOptions o;
  o.scopes = ScopesFor("pine");
  o.server_key = w.hub->key();
  o.chunks = pine_ex.get();
  o.max_rate_bytes = 2 * static_cast<int64_t>(kChunk);  // two chunks a second
  auto c = SyncClientSession::Create(*pine.backend, *pine.policy, w.clock, o);
  REQUIRE(c.ok());
  auto& client = **c;
  client.Start();
  auto server = MakeFileServer(*w.hub, pine.key(), w.clock, hub_ex.get());
  RunPairStepwise(client, *server);
  CHECK(client.stats().chunks_received == 1);  // the burst; the clock has not moved
  // Then two chunks (512 KiB) a second, on top of the burst.
  w.clock.Advance(1000);
  RunPairStepwise(client, *server);
  CHECK(client.stats().chunks_received == 3);
  w.clock.Advance(1000);
  RunPairStepwise(client, *server);
  CHECK(client.stats().chunks_received == 5);
  for (int i = 0; i < 4 && !client.closed(); ++i) {
    w.clock.Advance(1000);
    RunPairStepwise(client, *server);
  }
  CHECK(client.completed());
  CHECK(HoldsFile(pine, m));
}

TEST_CASE("sync files: a version-1 peer still syncs records, and no chunk moves") {
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  FileManifest m = AttachFile(w, *w.hub, "school/pine", "sub-1", PatternBytes(kChunk, 11));
  pine.Notes("school/pine", 3);
  auto pine_ex = ExchangeOf(pine);
  auto hub_ex = ExchangeOf(*w.hub);
  SUBCASE("old server") {
    auto client = MakeFileClient(pine, *w.hub, w.clock, ScopesFor("pine"), pine_ex.get());
    auto server = MakeFileServer(*w.hub, pine.key(), w.clock, nullptr);
    RunPairStepwise(*client, *server);
    CHECK(client->completed());
    CHECK(client->version() == 1);
  }
  SUBCASE("old client") {
    auto client = MakeFileClient(pine, *w.hub, w.clock, ScopesFor("pine"), nullptr);
    auto server = MakeFileServer(*w.hub, pine.key(), w.clock, hub_ex.get());
    RunPairStepwise(*client, *server);
    CHECK(client->completed());
    CHECK(client->version() == 1);
  }
  CHECK(w.hub->Count("school/pine") == pine.Count("school/pine"));
  CHECK(ChunksHeld(pine, m) == 0);
}

TEST_CASE("sync files: a file crosses loopback ZeroMQ and the receiver can assemble it") {
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  const Bytes video = PatternBytes(6 * kChunk + 777, 12);
  FileManifest m = AttachFile(w, pine, "school/pine", "sub-1", video);
  auto pine_ex = ExchangeOf(pine);
  auto hub_ex = ExchangeOf(*w.hub);
  zmq::context_t ctx;
  SessionOptions so;
  so.chunks = hub_ex.get();
  auto server = SyncServer::Start(ctx, w.hub->node->identity(), *w.hub->backend, *w.hub->policy,
                                  w.clock, "tcp://127.0.0.1:0", so);
  REQUIRE(server.ok());
  ClientOptions co;
  co.scopes = ScopesFor("pine");
  co.server_key = w.hub->key();
  co.chunks = pine_ex.get();
  auto client = SyncClient::Connect(ctx, pine.node->identity(), *pine.backend, *pine.policy,
                                    w.clock, (*server)->endpoint(), co);
  REQUIRE(client.ok());
  // A bound against a hang, not a speed check: under TSan this loop alone
  // takes ~20 s of CPU; a passing run leaves as soon as the client is done.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!(*client)->done() && std::chrono::steady_clock::now() < deadline) {
    zmq::pollitem_t items[] = {{(*server)->socket().handle(), 0, ZMQ_POLLIN, 0},
                               {(*client)->socket().handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, std::chrono::milliseconds(5));
    (*server)->Process();
    (*client)->Process();
  }
  INFO((*client)->Outcome());
  CHECK((*client)->ok());
  CHECK((*client)->stats().chunks_sent == m.chunks.size());
  CHECK(Assembled(w, *w.hub, m) == video);
}

}  // namespace
}  // namespace credmesh
