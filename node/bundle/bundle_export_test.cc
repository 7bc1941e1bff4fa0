#include "node/bundle/bundle_export.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "node/bundle/bundle_test_world.h"
#include "node/sync/peers.h"

namespace credmesh {
namespace {

using testing::SyncWorld;

bool Contains(const Bytes& hay, ByteView needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

// A district where each node holds records of its own: notes in every
// scope, and a file attached at Pine.
struct ExportWorld {
  SyncWorld w;
  testing::SyncPeer& pine = w.School("pine");
  testing::SyncPeer& oak = w.School("oak");
  Bytes file;
  std::vector<Hash256> file_chunks;
  ExportWorld() {
    w.hub->Notes("district/valley", 30, "district-secret-");
    w.hub->Notes("public/valley", 5, "public-note-");
    pine.Notes("school/pine", 20, "pine-secret-");
    oak.Notes("school/oak", 20, "oak-secret-");
    SigningKey ed = testing::AddEducator(w, pine, "pine");
    file.resize(3 * 256 * 1024 + 1000);
    RandomBytes(file.data(), file.size());
    file_chunks = testing::AttachEvidence(w, pine, "pine", ed, "plan.bin", file);
  }
  std::string Path(const std::string& name) const { return w.dir + "/" + name; }
};

}  // namespace

TEST_CASE(
    "a bundle carries what sync would: the recipient's scopes, and a sync after it moves nothing") {
  ExportWorld x;
  // Pine's records reach the hub by bundle, as they would by sync.
  auto up = testing::ExportFor(x.pine, *x.w.hub, x.Path("pine-to-hub.bundle"));
  REQUIRE(up.ok());
  auto in = testing::ImportInto(*x.w.hub, x.Path("pine-to-hub.bundle"));
  REQUIRE_MESSAGE(in.ok(), in.status().ToString());
  CHECK(in->chunks_new == x.file_chunks.size());
  CHECK(testing::ValidIds(*x.w.hub, "school/pine") == testing::ValidIds(x.pine, "school/pine"));

  // The hub's bundle for Oak: district, public, Oak's own; never Pine's.
  auto down = testing::ExportFor(*x.w.hub, x.oak, x.Path("hub-to-oak.bundle"));
  REQUIRE(down.ok());
  const auto before = testing::HoldingsOf(x.oak);
  auto got = testing::ImportInto(x.oak, x.Path("hub-to-oak.bundle"));
  REQUIRE_MESSAGE(got.ok(), got.status().ToString());
  CHECK(got->ingest.inserted > 0);
  CHECK(testing::ValidIds(x.oak, "school/pine").empty());
  CHECK(testing::HoldingsOf(x.oak).chunks == before.chunks);  // Pine's file stays off Oak
  for (const std::string scope : {"district/valley", "public/valley"}) {
    CHECK(testing::ValidIds(x.oak, scope) == testing::ValidIds(*x.w.hub, scope));
  }
  // A sync session between them afterwards brings Oak nothing more (it
  // still sends the hub Oak's own notes, which no bundle carried up).
  auto client = testing::MakeClient(x.oak, *x.w.hub, x.w.clock, testing::ScopesFor("oak"));
  auto server = testing::MakeServer(*x.w.hub, x.oak.key(), x.w.clock);
  testing::RunPair(*client, *server);
  CHECK(client->stats().records_received == 0);
  CHECK(client->stats().records_sent == 20);
}

TEST_CASE("a sealed bundle's bytes hold no record body and no file chunk in plaintext") {
  ExportWorld x;
  const std::string path = x.Path("pine-to-hub.bundle");
  REQUIRE(testing::ExportFor(x.pine, *x.w.hub, path).ok());
  const Bytes bytes = testing::ReadAllBytes(path);
  CHECK(bytes.size() > x.file.size());  // the file is in there, encrypted
  CHECK_FALSE(Contains(bytes, AsBytes("pine-secret-")));
  CHECK_FALSE(Contains(bytes, AsBytes("district-secret-")));
  CHECK_FALSE(Contains(bytes, AsBytes("school/pine")));
  for (size_t at = 0; at + 64 <= x.file.size(); at += 256 * 1024) {
    CHECK_FALSE(Contains(bytes, ByteView(x.file).subspan(at, 64)));
  }
  RecordQuery q;
  q.scope = "school/pine";
  REQUIRE(x.pine.node->store()
              .records()
              .ForEach(q,
                       [&](const RecordRow&, ByteView rec) {
                         CHECK_FALSE(Contains(bytes, rec.subspan(rec.size() / 2, 48)));
                         return Status::Ok();
                       })
              .ok());
  // The same content as a public bundle is readable: the check above can fail.
  BundleExportRequest req;
  req.scopes = {"school/pine"};
  ScopeItemCache cache(x.pine.node->store());
  ChunkStore chunks = testing::ChunksOf(x.pine);
  REQUIRE(ExportBundle(x.pine.node->store(), cache, chunks, x.pine.node->identity(), "valley", 1,
                       std::move(req), x.Path("public.bundle"))
              .ok());
  const Bytes plain = testing::ReadAllBytes(x.Path("public.bundle"));
  CHECK(Contains(plain, AsBytes("pine-secret-")));
  CHECK(Contains(plain, ByteView(x.file).subspan(0, 64)));
}

TEST_CASE("bundle recipients are found by peer name or school id and must hold a certificate") {
  ExportWorld x;
  Database& db = x.w.hub->node->store().db();
  const uint64_t now = testing::BundleNowHlc(*x.w.hub);
  auto oak = ResolveBundleRecipient(db, "oak", "valley", now);
  REQUIRE_MESSAGE(oak.ok(), oak.status().ToString());
  CHECK(oak->key == x.oak.key());
  CHECK(oak->cert.school == "oak");
  CHECK(ResolveBundleRecipient(db, "elm", "valley", now).status().code() ==
        Status::Code::kNotFound);
  REQUIRE(PeerStore(db).Add("oak-server", "tcp://127.0.0.1:1", x.oak.key(), 0).ok());
  auto by_peer = ResolveBundleRecipient(db, "oak-server", "valley", now);
  REQUIRE(by_peer.ok());
  CHECK(by_peer->key == x.oak.key());
  // Outside its certificate's validity, Oak cannot be addressed.
  const uint64_t later = HybridClock::Make(x.w.clock.NowMillis() + 3 * 365 * 86'400'000LL, 0);
  CHECK(ResolveBundleRecipient(db, "oak", "valley", later).status().code() ==
        Status::Code::kUnauthorized);
}

TEST_CASE("bundle export --since sends only what the state lacks, and sticks both ways converge") {
  ExportWorld x;
  // First stick: everything, hub -> pine and pine -> hub.
  REQUIRE(testing::ExportFor(x.pine, *x.w.hub, x.Path("1-up")).ok());
  REQUIRE(testing::ImportInto(*x.w.hub, x.Path("1-up")).ok());
  REQUIRE(testing::ExportFor(*x.w.hub, x.pine, x.Path("1-down")).ok());
  REQUIRE(testing::ImportInto(x.pine, x.Path("1-down")).ok());

  // Both sides work on, the hub much longer; then pine -> hub and hub ->
  // pine with states.
  x.w.hub->Notes("district/valley", 500, "hub-bulk-");
  x.pine.Notes("school/pine", 500, "pine-bulk-");
  REQUIRE(testing::ExportFor(x.pine, *x.w.hub, x.Path("1b-up")).ok());
  REQUIRE(testing::ImportInto(*x.w.hub, x.Path("1b-up")).ok());
  REQUIRE(testing::ExportFor(*x.w.hub, x.pine, x.Path("1b-down")).ok());
  REQUIRE(testing::ImportInto(x.pine, x.Path("1b-down")).ok());
  x.w.hub->Notes("district/valley", 7, "later-hub-");
  x.pine.Notes("school/pine", 9, "later-pine-");
  SigningKey ed = testing::AddEducator(x.w, x.pine, "pine");
  Bytes more(256 * 1024 + 5);
  RandomBytes(more.data(), more.size());
  auto new_chunks = testing::AttachEvidence(x.w, x.pine, "pine", ed, "more.bin", more);

  const BundleState hub_state = testing::StateOf(*x.w.hub);
  auto up = testing::ExportFor(x.pine, *x.w.hub, x.Path("2-up"), &hub_state);
  REQUIRE(up.ok());
  // 9 notes + grant + evidence, and the rest of the last range of the two
  // scopes they fall in: far fewer than the ~1,100 Pine holds.
  CHECK(up->io.counts.records >= 11);
  CHECK(up->io.counts.records <= 2 * kStateRangeItems + 11);
  CHECK(up->io.counts.chunks == new_chunks.size());
  CHECK(up->chunks_held == x.file_chunks.size());
  REQUIRE(testing::ImportInto(*x.w.hub, x.Path("2-up")).ok());

  const BundleState pine_state = testing::StateOf(x.pine);
  auto down = testing::ExportFor(*x.w.hub, x.pine, x.Path("2-down"), &pine_state);
  REQUIRE(down.ok());
  CHECK(down->io.counts.records >= 7);
  CHECK(down->io.counts.records <= 2 * kStateRangeItems + 7);
  CHECK(down->io.counts.chunks == 0);
  REQUIRE(testing::ImportInto(x.pine, x.Path("2-down")).ok());

  for (const std::string scope : {"district/valley", "public/valley", "school/pine"}) {
    CHECK(testing::ValidIds(x.pine, scope) == testing::ValidIds(*x.w.hub, scope));
  }
  CHECK(testing::HoldingsOf(x.pine).chunks == testing::HoldingsOf(*x.w.hub).chunks);
  // Converged: a further pair of states finds nothing to send either way.
  const BundleState hub2 = testing::StateOf(*x.w.hub), pine2 = testing::StateOf(x.pine);
  auto quiet_up = testing::ExportFor(x.pine, *x.w.hub, x.Path("3-up"), &hub2);
  auto quiet_down = testing::ExportFor(*x.w.hub, x.pine, x.Path("3-down"), &pine2);
  REQUIRE(quiet_up.ok());
  REQUIRE(quiet_down.ok());
  CHECK(quiet_up->io.counts.records == 0);
  CHECK(quiet_up->io.counts.chunks == 0);
  CHECK(quiet_down->io.counts.records == 0);
}

}  // namespace credmesh
