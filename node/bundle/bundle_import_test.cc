#include "node/bundle/bundle_import.h"

#include <doctest/doctest.h>

#include "node/bundle/bundle_test_world.h"

namespace credmesh {
namespace {

using testing::SyncWorld;

// Pine holds notes and a file; the hub has not seen them.
struct ImportWorld {
  SyncWorld w;
  testing::SyncPeer& pine = w.School("pine");
  testing::SyncPeer& oak = w.School("oak");
  ImportWorld() {
    pine.Notes("school/pine", 40, "pine-");
    SigningKey ed = testing::AddEducator(w, pine, "pine");
    Bytes file(2 * 256 * 1024 + 17);
    RandomBytes(file.data(), file.size());
    testing::AttachEvidence(w, pine, "pine", ed, "scan.bin", file);
  }
  std::string Path(const std::string& name) const { return w.dir + "/" + name; }
};

bool NoStagingLeft(testing::SyncPeer& p) {
  for (const auto& e : std::filesystem::directory_iterator(p.node->dir()))
    if (e.path().filename().string().rfind("bundle-staging-", 0) == 0) return false;
  return true;
}

// Imports `path` into `to`, expecting failure with `code`, and checks that
// nothing changed.
void ExpectRejected(testing::SyncPeer& to, const std::string& path, Status::Code code,
                    const std::string& words) {
  const auto before = testing::HoldingsOf(to);
  auto r = testing::ImportInto(to, path);
  REQUIRE_FALSE(r.ok());
  CHECK_MESSAGE(r.status().code() == code, r.status().ToString());
  CHECK_MESSAGE(r.status().message().find(words) != std::string::npos, r.status().ToString());
  CHECK(testing::HoldingsOf(to) == before);
  CHECK(NoStagingLeft(to));
}

}  // namespace

TEST_CASE("importing a bundle twice changes nothing the second time") {
  ImportWorld x;
  const std::string path = x.Path("up.bundle");
  REQUIRE(testing::ExportFor(x.pine, *x.w.hub, path).ok());
  auto first = testing::ImportInto(*x.w.hub, path);
  REQUIRE_MESSAGE(first.ok(), first.status().ToString());
  CHECK(first->ingest.inserted > 40);
  CHECK(first->chunks_new == 3);
  const auto after_first = testing::HoldingsOf(*x.w.hub);
  auto second = testing::ImportInto(*x.w.hub, path);
  REQUIRE(second.ok());
  CHECK(second->ingest.inserted == 0);
  CHECK(second->ingest.duplicates == first->ingest.received);
  CHECK(second->chunks_new == 0);
  CHECK(second->chunks_held == 3);
  CHECK(testing::HoldingsOf(*x.w.hub) == after_first);
  CHECK(NoStagingLeft(*x.w.hub));
}

TEST_CASE("chunks that no evidence record names are not stored") {
  ImportWorld x;
  const Bytes stray(5000, 0x5a);
  auto w = BundleWriter::CreateSealed(x.Path("stray.bundle"), x.pine.node->identity(), "valley", 1,
                                      x.w.hub->key());
  REQUIRE(w.ok());
  REQUIRE(w->AddScope("school/pine").ok());
  REQUIRE(w->AddChunk(Blake2b256(stray), stray).ok());
  REQUIRE(w->Finish().ok());
  auto r = testing::ImportInto(*x.w.hub, x.Path("stray.bundle"));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->chunks_unreferenced == 1);
  CHECK(r->chunks_new == 0);
  CHECK_FALSE(testing::ChunksOf(*x.w.hub).Has(Blake2b256(stray)));
  CHECK(NoStagingLeft(*x.w.hub));
}

TEST_CASE("a truncated bundle is refused with nothing applied, wherever it is cut") {
  ImportWorld x;
  const std::string path = x.Path("up.bundle");
  REQUIRE(testing::ExportFor(x.pine, *x.w.hub, path).ok());
  const Bytes whole = testing::ReadAllBytes(path);
  for (size_t cut : {whole.size() - 1, whole.size() - 100, whole.size() / 2, size_t{300}}) {
    CAPTURE(cut);
    testing::WriteAllBytes(x.Path("cut.bundle"), ByteView(whole).subspan(0, cut));
    ExpectRejected(*x.w.hub, x.Path("cut.bundle"), Status::Code::kCorruption, "truncated");
  }
  testing::WriteAllBytes(x.Path("cut.bundle"), ByteView(whole).subspan(0, 20));
  ExpectRejected(*x.w.hub, x.Path("cut.bundle"), Status::Code::kCorruption,
                 "not a credmesh bundle");
}

TEST_CASE("a bundle altered anywhere is refused with nothing applied") {
  ImportWorld x;
  const std::string path = x.Path("up.bundle");
  REQUIRE(testing::ExportFor(x.pine, *x.w.hub, path).ok());
  const Bytes whole = testing::ReadAllBytes(path);
  // Header fields, the sealed key, early frames, the chunks, the END frame.
  for (size_t at :
       {size_t{30}, size_t{100}, size_t{200}, size_t{400}, whole.size() / 2, whole.size() - 40}) {
    CAPTURE(at);
    Bytes bad = whole;
    bad[at] ^= 0x20;
    testing::WriteAllBytes(x.Path("bad.bundle"), bad);
    const auto before = testing::HoldingsOf(*x.w.hub);
    auto r = testing::ImportInto(*x.w.hub, x.Path("bad.bundle"));
    CHECK_FALSE(r.ok());
    CHECK(testing::HoldingsOf(*x.w.hub) == before);
    CHECK(NoStagingLeft(*x.w.hub));
  }
  Bytes longer = whole;
  longer.push_back(0);
  testing::WriteAllBytes(x.Path("long.bundle"), longer);
  ExpectRejected(*x.w.hub, x.Path("long.bundle"), Status::Code::kCorruption, "follow the END");
}

TEST_CASE("a bundle addressed to another node is refused") {
  ImportWorld x;
  const std::string path = x.Path("for-oak.bundle");
  REQUIRE(testing::ExportFor(*x.w.hub, x.oak, path).ok());
  ExpectRejected(x.pine, path, Status::Code::kUnauthorized, "addressed to node");
  // Oak itself takes it.
  CHECK(testing::ImportInto(x.oak, path).ok());
}

TEST_CASE("a bundle from another district or from an unknown node is refused") {
  ImportWorld x;
  SyncWorld other;  // another district, also called valley, with its own root
  testing::SyncPeer& elm = other.School("elm");
  elm.Notes("school/elm", 3);
  {
    // Sealed to the hub, but signed by a node the hub never certified.
    BundleExportRequest req;
    req.scopes = {"district/valley"};
    req.recipient = x.w.hub->key();
    ScopeItemCache cache(elm.node->store());
    ChunkStore chunks = testing::ChunksOf(elm);
    REQUIRE(ExportBundle(elm.node->store(), cache, chunks, elm.node->identity(), "valley", 1,
                         std::move(req), x.Path("stranger.bundle"))
                .ok());
    ExpectRejected(*x.w.hub, x.Path("stranger.bundle"), Status::Code::kUnauthorized,
                   "holds no certificate");
  }
  {
    auto w =
        BundleWriter::CreatePublic(x.Path("foreign.bundle"), elm.node->identity(), "lakeside", 1);
    REQUIRE(w.ok());
    REQUIRE(w->Finish().ok());
    ExpectRejected(*x.w.hub, x.Path("foreign.bundle"), Status::Code::kUnauthorized,
                   "from district lakeside");
  }
}

TEST_CASE("a bundle carrying a scope the recipient may not read is refused") {
  ImportWorld x;
  x.oak.Notes("school/oak", 2, "oak-");
  REQUIRE(testing::ExportFor(x.oak, *x.w.hub, x.Path("oak-up")).ok());
  REQUIRE(testing::ImportInto(*x.w.hub, x.Path("oak-up")).ok());
  // The hub writes Oak's records into a bundle sealed to Pine by hand.
  auto w = BundleWriter::CreateSealed(x.Path("leak.bundle"), x.w.hub->node->identity(), "valley", 1,
                                      x.pine.key());
  REQUIRE(w.ok());
  REQUIRE(w->AddScope("school/oak").ok());
  RecordQuery q;
  q.scope = "school/oak";
  REQUIRE(x.w.hub->node->store()
              .records()
              .ForEach(q, [&](const RecordRow&, ByteView b) { return w->AddRecord(b); })
              .ok());
  REQUIRE(w->Finish().ok());
  ExpectRejected(x.pine, x.Path("leak.bundle"), Status::Code::kUnauthorized, "scope school/oak");
}

TEST_CASE("a validly signed bundle whose record or chunk was altered before signing is refused") {
  ImportWorld x;
  // A sender that signs garbage: the outer signature is fine, the contents not.
  RecordQuery q;
  q.scope = "school/pine";
  q.limit = 1;
  auto rows = x.pine.node->store().records().List(q);
  REQUIRE(rows.ok());
  auto rec = x.pine.node->store().records().GetBytes(rows->front().id);
  REQUIRE(rec.ok());
  Bytes altered = **rec;
  altered[altered.size() - 70] ^= 1;  // inside the signature
  {
    auto w = BundleWriter::CreateSealed(x.Path("bad-record.bundle"), x.pine.node->identity(),
                                        "valley", 1, x.w.hub->key());
    REQUIRE(w.ok());
    REQUIRE(w->AddScope("school/pine").ok());
    REQUIRE(w->AddRecord(**rec).ok());
    REQUIRE(w->AddRecord(altered).ok());
    REQUIRE(w->Finish().ok());
    ExpectRejected(*x.w.hub, x.Path("bad-record.bundle"), Status::Code::kCorruption,
                   "fails verification");
  }
  {
    Bytes chunk(1000, 7);
    Hash256 wrong = Blake2b256(AsBytes("something else"));
    auto w = BundleWriter::CreateSealed(x.Path("bad-chunk.bundle"), x.pine.node->identity(),
                                        "valley", 1, x.w.hub->key());
    REQUIRE(w.ok());
    REQUIRE(w->AddScope("school/pine").ok());
    REQUIRE(w->AddRecord(**rec).ok());
    REQUIRE(w->AddChunk(wrong, chunk).ok());
    REQUIRE(w->Finish().ok());
    ExpectRejected(*x.w.hub, x.Path("bad-chunk.bundle"), Status::Code::kCorruption,
                   "does not match its hash");
  }
  {
    // A record filed under another scope than its own.
    auto w = BundleWriter::CreateSealed(x.Path("misfiled.bundle"), x.pine.node->identity(),
                                        "valley", 1, x.w.hub->key());
    REQUIRE(w.ok());
    REQUIRE(w->AddScope("district/valley").ok());
    REQUIRE(w->AddRecord(**rec).ok());
    REQUIRE(w->Finish().ok());
    ExpectRejected(*x.w.hub, x.Path("misfiled.bundle"), Status::Code::kCorruption, "filed under");
  }
}

}  // namespace credmesh
