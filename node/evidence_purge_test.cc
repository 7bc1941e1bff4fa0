#include "node/evidence_purge.h"

#include <doctest/doctest.h>

#include "node/credentials/credential_records.h"
#include "node/ledger.h"
#include "protocol/crypto.h"
#include "tests/temp_dir.h"

namespace credmesh {
namespace {

constexpr int64_t kPurgeT0 = 1'700'000'000'000;  // ms
constexpr int64_t kChunk = 256 * 1024;

Bytes ChunkBytes(uint8_t seed) { return Bytes(1000, seed); }

// A standalone node's store, ledger (every record valid), purge projection
// and chunk store.
struct PurgeWorld {
  TempDir dir{"credmesh-purge-test"};
  ManualClock clock{kPurgeT0};
  SigningKey admin = SigningKey::Generate();
  std::unique_ptr<PurgeProjection> projection;
  std::unique_ptr<Store> store;
  std::unique_ptr<Ledger> ledger;
  std::optional<ChunkStore> chunks;

  PurgeWorld() {
    auto c = ChunkStore::Open(dir.File("chunks"));
    REQUIRE(c.ok());
    chunks.emplace(std::move(*c));
    Reopen();
  }
  void Reopen() {
    ledger.reset();
    store.reset();
    projection = std::make_unique<PurgeProjection>(dir.File("chunks"));
    auto s = Store::Open(dir.File("node.db"));
    REQUIRE(s.ok());
    store = std::move(*s);
    auto l = Ledger::Open(*store, clock, nullptr, {projection.get()});
    REQUIRE(l.ok());
    ledger = std::move(*l);
  }
  Hash256 PutChunk(uint8_t seed) {
    auto h = chunks->Put(ChunkBytes(seed));
    REQUIRE(h.ok());
    return *h;
  }
  // Writes an evidence record describing a file of `chunk_hashes`.
  EvidenceFile Attach(const std::string& scope, const std::string& name,
                      std::vector<Hash256> chunk_hashes) const {
    EvidenceFile f;
    f.name = name;
    f.type = "video/mp4";
    f.size = (static_cast<int64_t>(chunk_hashes.size()) - 1) * kChunk + 1000;
    f.hash = Blake2b256(AsBytes(name));
    f.chunk_size = kChunk;
    f.chunks = std::move(chunk_hashes);
    EvidenceBody b;
    b.slot = "video";
    b.file = f;
    auto r = ledger->Write(kSubmissionEvidenceKind, scope, "sub-" + name, b.ToValue(), admin);
    REQUIRE(r.ok());
    return f;
  }
  VerifiedRecord Purge(const std::string& scope, const Hash256& file,
                       const std::string& reason) const {
    auto r = ledger->Write(kEvidencePurgeKind, scope, PurgeEntity(file),
                           PurgeBody{file, reason}.ToValue(), admin);
    REQUIRE(r.ok());
    return *r;
  }
  EvidencePurges purges() const { return EvidencePurges(store->db()); }
  bool ChunkPurged(const Hash256& h) const {
    auto p = purges().IsChunkPurged(h);
    REQUIRE(p.ok());
    return *p;
  }
  int64_t Pending() const {
    auto n = purges().PendingChanges();
    REQUIRE(n.ok());
    return *n;
  }
};

TEST_CASE(
    "evidence purge: deletes a file's chunks, keeps chunks another file holds, refuses them") {
  PurgeWorld w;
  const Hash256 shared = w.PutChunk(1), only_a1 = w.PutChunk(2), only_a2 = w.PutChunk(3),
                only_b = w.PutChunk(4);
  EvidenceFile a = w.Attach("school/pine", "a.mp4", {shared, only_a1, only_a2});
  EvidenceFile b = w.Attach("school/pine", "b.mp4", {shared, only_b});

  VerifiedRecord rec = w.Purge("school/pine", a.hash, "parent's request");
  // The commit ran the deletion: a's own chunks are gone, the shared one stays.
  CHECK_FALSE(w.chunks->Has(only_a1));
  CHECK_FALSE(w.chunks->Has(only_a2));
  CHECK(w.chunks->Has(shared));
  CHECK(w.chunks->Has(only_b));
  CHECK(w.Pending() == 0);
  CHECK(w.ChunkPurged(only_a1));
  CHECK_FALSE(w.ChunkPurged(shared));
  CHECK(w.chunks->IsPurged(only_a1));
  CHECK_FALSE(w.chunks->IsPurged(shared));
  // Never stored again, however the bytes come.
  CHECK(w.chunks->Put(ChunkBytes(2)).status().code() == Status::Code::kFailedPrecondition);

  // The tombstone.
  auto t = w.purges().Find("school/pine", a.hash);
  REQUIRE(t.ok());
  REQUIRE(t->has_value());
  CHECK((*t)->record == rec.id());
  CHECK((*t)->author == w.admin.public_key());
  CHECK((*t)->reason == "parent's request");
  CHECK((*t)->hlc == rec.record().hlc);
  CHECK(*w.purges().IsFilePurged("school/pine", a.hash));
  CHECK_FALSE(*w.purges().IsFilePurged("school/oak", a.hash));
  CHECK(*w.purges().IsPurged(a.hash));
  CHECK(*w.purges().IsPurged(only_a1));
  CHECK_FALSE(*w.purges().IsPurged(shared));
  CHECK_FALSE(*w.purges().IsPurged(b.hash));

  // Purging the other file too frees the shared chunk.
  w.Purge("school/pine", b.hash, "second request");
  CHECK_FALSE(w.chunks->Has(shared));
  CHECK_FALSE(w.chunks->Has(only_b));
  CHECK(w.ChunkPurged(shared));

  // A file that is not purged and holds a purged chunk, arriving later: that
  // chunk is someone else's evidence too, so it may be stored again
  // (the outcome must not depend on arrival order).
  w.Attach("school/pine", "c.mp4", {only_a1});
  CHECK_FALSE(w.ChunkPurged(only_a1));
  CHECK_FALSE(w.chunks->IsPurged(only_a1));
  CHECK(w.chunks->Put(ChunkBytes(2)).ok());
  CHECK(w.chunks->IsPurged(only_a2));

  // Rebuild derives the same state and leaves the chunk store as it was.
  auto before = w.purges().All();
  REQUIRE(before.ok());
  REQUIRE(w.ledger->Rebuild().ok());
  auto after = w.purges().All();
  REQUIRE(after.ok());
  REQUIRE(after->size() == 2);
  CHECK(after->size() == before->size());
  CHECK(w.Pending() == 0);
  CHECK(w.ChunkPurged(only_a2));
  CHECK(w.chunks->IsPurged(only_a2));
  CHECK_FALSE(w.ChunkPurged(only_a1));
  CHECK(w.chunks->Has(only_a1));
}

TEST_CASE("evidence purge: a purge that arrives before the evidence still deletes its chunks") {
  PurgeWorld w;
  const Hash256 c1 = w.PutChunk(7), c2 = w.PutChunk(8);
  const Hash256 file = Blake2b256(AsBytes("late.mp4"));
  w.Purge("school/pine", file, "request");
  CHECK(w.chunks->Has(c1));  // nothing known about the file yet
  w.Attach("school/pine", "late.mp4", {c1, c2});
  CHECK_FALSE(w.chunks->Has(c1));
  CHECK_FALSE(w.chunks->Has(c2));
  CHECK(w.chunks->IsPurged(c2));
}

TEST_CASE("evidence purge: the same file in a scope not purged keeps its chunks") {
  PurgeWorld w;
  const Hash256 c1 = w.PutChunk(9);
  EvidenceFile a = w.Attach("school/pine", "same.mp4", {c1});
  // The hub holds Oak's copy of the same content (same hash).
  EvidenceBody b;
  b.slot = "video";
  b.file = a;
  REQUIRE(
      w.ledger->Write(kSubmissionEvidenceKind, "school/oak", "sub-oak", b.ToValue(), w.admin).ok());
  w.Purge("school/pine", a.hash, "request");
  CHECK(w.chunks->Has(c1));
  CHECK(*w.purges().IsFilePurged("school/pine", a.hash));
  CHECK_FALSE(*w.purges().IsFilePurged("school/oak", a.hash));
}

TEST_CASE("evidence purge: a crash between the record and the deletion is finished on reopen") {
  PurgeWorld w;
  const Hash256 c1 = w.PutChunk(5), c2 = w.PutChunk(6);
  EvidenceFile a = w.Attach("school/pine", "crash.mp4", {c1, c2});
  // As if the process died right after the commit: the hook does not run.
  w.store->db().SetCommitHook({});
  w.Purge("school/pine", a.hash, "request");
  CHECK(w.chunks->Has(c1));  // the record is durable, the deletion is not done
  CHECK(w.Pending() == 2);
  CHECK(*w.purges().IsFilePurged("school/pine", a.hash));

  w.Reopen();
  CHECK_FALSE(w.chunks->Has(c1));
  CHECK_FALSE(w.chunks->Has(c2));
  CHECK(w.chunks->IsPurged(c1));
  CHECK(w.Pending() == 0);
  CHECK(w.ledger->last_after_commit_error().ok());
}

}  // namespace
}  // namespace credmesh
