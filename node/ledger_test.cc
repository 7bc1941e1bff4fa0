#include "node/ledger.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <limits>
#include <set>

#include "protocol/crypto.h"
#include "tests/temp_dir.h"

namespace credmesh {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;  // ms
constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kHour = 60 * kMinute;

Bytes Encoded(const SigningKey& key, const std::string& entity, uint64_t hlc,
              const std::string& text = "x") {
  auto r =
      VerifiedRecord::Create("note", "school/pine", entity, hlc, Value::Map{{"text", text}}, key);
  REQUIRE(r.ok());
  return r->bytes();
}

// A store and a standalone (no authorizer) ledger over it.
struct Fixture {
  TempDir dir{"credmesh-ledger-test"};
  ManualClock clock{kT0};
  SigningKey key = SigningKey::Generate();
  std::unique_ptr<Store> store;
  std::unique_ptr<Ledger> ledger;

  Fixture() { Reopen(); }
  void Reopen(Authorizer* auth = nullptr, std::vector<Projection*> projections = {}) {
    ledger.reset();
    store.reset();
    auto s = Store::Open(dir.File("node.db"));
    REQUIRE(s.ok());
    store = std::move(*s);
    auto l = Ledger::Open(*store, clock, auth, std::move(projections));
    REQUIRE(l.ok());
    ledger = std::move(*l);
  }
  int64_t Count(const RecordQuery& q = {}) const {
    auto n = store->records().Count(q);
    REQUIRE(n.ok());
    return *n;
  }
  RecordRow Row(const RecordId& id) const {
    auto row = store->records().GetRow(id);
    REQUIRE(row.ok());
    REQUIRE(row->has_value());
    return **row;
  }
};

RecordId IdOf(const Bytes& b) { return ComputeRecordId(b); }

TEST_CASE("node/ledger: Ingest stores the valid records and counts the rest as rejected") {
  for (unsigned threads : {1u, 2u}) {
    CAPTURE(threads);
    Fixture f;
    std::vector<Bytes> batch;
    batch.reserve(100);
    for (int i = 0; i < 100; ++i)
      batch.push_back(
          Encoded(f.key, "e" + std::to_string(i), HybridClock::Make(kT0 - 1000 + i, 0)));
    std::vector<Bytes> good = batch;
    Bytes bad_sig = batch[10];
    bad_sig.back() ^= 0x80;
    Bytes truncated(batch[20].begin(), batch[20].end() - 1);
    Bytes trailing = batch[30];
    trailing.push_back(0xc0);
    batch[10] = bad_sig;
    batch[20] = truncated;
    batch[30] = trailing;
    batch.push_back(Bytes{});
    batch.push_back(Bytes{0xde, 0xad, 0xbe, 0xef});

    auto s = f.ledger->Ingest(batch, threads);
    REQUIRE(s.ok());
    CHECK(s->received == 102);
    CHECK(s->rejected == 5);
    CHECK(s->inserted == 97);
    CHECK(s->valid == 97);
    CHECK(s->pending == 0);
    CHECK(s->denied == 0);
    CHECK(s->duplicates == 0);
    REQUIRE(s->errors.size() == 5);
    CHECK(s->errors[0].find("record #10") == 0);
    CHECK(s->errors[1].find("record #20") == 0);
    CHECK(f.Count() == 97);
    auto c = f.store->records().Contains(IdOf(good[10]));
    REQUIRE(c.ok());
    CHECK_FALSE(*c);
    c = f.store->records().Contains(IdOf(good[11]));
    REQUIRE(c.ok());
    CHECK(*c);
    // Every stored record re-verifies.
    for (int i : {0, 11, 99}) CHECK(f.store->records().Load(IdOf(good[i])).ok());
  }
}

TEST_CASE("node/ledger: a batch of nothing but invalid records stores nothing") {
  Fixture f;
  auto s = f.ledger->Ingest({Bytes{1, 2, 3}, Bytes{}}, 1);
  REQUIRE(s.ok());
  CHECK(s->received == 2);
  CHECK(s->rejected == 2);
  CHECK(s->inserted == 0);
  CHECK(f.Count() == 0);
}

TEST_CASE("node/ledger: duplicates within a batch and across batches are no-ops") {
  Fixture f;
  Bytes a = Encoded(f.key, "a", HybridClock::Make(kT0, 1));
  Bytes b = Encoded(f.key, "b", HybridClock::Make(kT0, 2));
  Bytes c = Encoded(f.key, "c", HybridClock::Make(kT0, 3));
  auto s1 = f.ledger->Ingest({a, b, a, a}, 1);
  REQUIRE(s1.ok());
  CHECK(s1->received == 4);
  CHECK(s1->inserted == 2);
  CHECK(s1->duplicates == 2);
  CHECK(s1->valid == 2);
  CHECK(f.Count() == 2);

  auto s2 = f.ledger->Ingest({b, c, a}, 2);
  REQUIRE(s2.ok());
  CHECK(s2->inserted == 1);
  CHECK(s2->duplicates == 2);
  CHECK(s2->valid == 1);
  CHECK(f.Count() == 3);

  // And after a reopen.
  f.Reopen();
  auto s3 = f.ledger->Ingest({a, b, c}, 1);
  REQUIRE(s3.ok());
  CHECK(s3->inserted == 0);
  CHECK(s3->duplicates == 3);
  CHECK(f.Count() == 3);
}

TEST_CASE("node/ledger: Write signs with the node's clock and stores a valid record") {
  Fixture f;
  auto r1 = f.ledger->Write("note", "school/pine", "n1", Value::Map{{"text", "one"}}, f.key);
  REQUIRE(r1.ok());
  CHECK(HybridClock::Millis(r1->record().hlc) == kT0);
  CHECK(r1->record().author == f.key.public_key());
  auto r2 = f.ledger->Write("note", "school/pine", "n2", Value::Map{{"text", "two"}}, f.key);
  REQUIRE(r2.ok());
  CHECK(r2->record().hlc > r1->record().hlc);  // same millisecond: the counter ticks
  CHECK(f.Count() == 2);
  RecordRow row = f.Row(r1->id());
  CHECK(row.state == RecordState::kValid);
  CHECK(row.received_ms == kT0);
  auto loaded = f.store->records().Load(r2->id());
  REQUIRE(loaded.ok());
  CHECK(loaded->record() == r2->record());
  // Invalid fields are refused before anything is stored.
  auto bad = f.ledger->Write("Bad Kind", "school/pine", "n3", Value::Map{}, f.key);
  CHECK_FALSE(bad.ok());
  CHECK(f.Count() == 2);
}

TEST_CASE("node/ledger: the HLC never goes backwards across a reopen with the clock moved back") {
  Fixture f;
  uint64_t newest = 0;
  for (int i = 0; i < 5; ++i) {
    auto r = f.ledger->Write("note", "school/pine", "n" + std::to_string(i), Value::Map{}, f.key);
    REQUIRE(r.ok());
    newest = r->record().hlc;
    f.clock.Advance(1000);
  }
  // A record far in the future is refused; it must not become the "newest".
  Bytes future = Encoded(f.key, "future", HybridClock::Make(kT0 + 30 * kHour, 0));
  auto refused = f.ledger->Ingest({future}, 1);
  REQUIRE(refused.ok());
  CHECK(refused->too_far_ahead.size() == 1);

  // The machine restarts with its wall clock three hours behind.
  f.clock.Set(kT0 - 3 * kHour);
  f.Reopen();
  CHECK(f.ledger->hlc().last() >= newest);
  CHECK(f.ledger->hlc().last() < HybridClock::Make(kT0 + 30 * kHour, 0));
  uint64_t prev = newest;
  for (int i = 0; i < 3; ++i) {
    auto r =
        f.ledger->Write("note", "school/pine", "after" + std::to_string(i), Value::Map{}, f.key);
    REQUIRE(r.ok());  // a local write is never held, even ahead of a slow wall clock
    CHECK(r->record().hlc > prev);
    CHECK(f.Row(r->id()).state == RecordState::kValid);
    prev = r->record().hlc;
  }
  RecordQuery valid;
  valid.state = RecordState::kValid;
  CHECK(f.Count(valid) == 8);
  CHECK(f.Count({}) == 8);
}

TEST_CASE("node/ledger: records too far in the future are refused, not stored, until their time") {
  Fixture f;
  const uint64_t near = HybridClock::Make(kT0 + 9 * kMinute, 0);  // within the skew
  const uint64_t far = HybridClock::Make(kT0 + 60 * kMinute, 0);  // beyond it
  Bytes near_rec = Encoded(f.key, "near", near);
  Bytes far_rec = Encoded(f.key, "far", far);
  Bytes max_rec = Encoded(f.key, "max", std::numeric_limits<uint64_t>::max() >> 1);
  auto s = f.ledger->Ingest({near_rec, far_rec, max_rec}, 1);
  REQUIRE(s.ok());
  CHECK(s->inserted == 1);
  CHECK(s->valid == 1);
  CHECK(s->rejected == 2);
  CHECK(s->too_far_ahead == std::vector<RecordId>{IdOf(far_rec), IdOf(max_rec)});
  REQUIRE(s->errors.size() == 2);
  CHECK(s->errors[0].find("too far ahead") != std::string::npos);
  CHECK(f.Count({}) == 1);
  // The refused record did not drag the clock forward; the near one did.
  CHECK(f.ledger->hlc().last() >= near);
  CHECK(f.ledger->hlc().last() < far);

  // Still refused 45 minutes later: more than 10 minutes ahead.
  f.clock.Advance(45 * kMinute);
  auto early = f.ledger->Ingest({far_rec}, 1);
  REQUIRE(early.ok());
  CHECK(early->too_far_ahead.size() == 1);
  // Offered again once the clock has caught up, it is accepted.
  f.clock.Advance(6 * kMinute);
  auto later = f.ledger->Ingest({far_rec, max_rec}, 1);
  REQUIRE(later.ok());
  CHECK(later->valid == 1);
  CHECK(later->too_far_ahead == std::vector<RecordId>{IdOf(max_rec)});
  CHECK(f.Row(IdOf(far_rec)).state == RecordState::kValid);
  CHECK(f.ledger->hlc().last() >= far);
}

TEST_CASE("node/ledger: records an earlier version held for the future are dropped on open") {
  Fixture f;
  Bytes rec = Encoded(f.key, "old", HybridClock::Make(kT0 + 60 * kMinute, 0));
  auto v = VerifiedRecord::Verify(rec);
  REQUIRE(v.ok());
  REQUIRE(*f.store->records().Insert(
      *v, RecordState::kPending,
      "timestamp too far in the future; held until the local clock catches up", 0));
  CHECK(f.Count({}) == 1);
  f.Reopen();
  CHECK(f.Count({}) == 0);
  CHECK(f.ledger->hlc().last() < HybridClock::Make(kT0 + 60 * kMinute, 0));
}

// Denies records by one author, leaves records whose entity starts with
// "wait" pending, and validates the rest.
class TestAuthorizer final : public Authorizer {
 public:
  explicit TestAuthorizer(PublicKey denied) : denied_(denied) {}
  Status Migrate(Database&) override { return Status::Ok(); }
  Status Authorize(Store& store, const std::vector<const VerifiedRecord*>& fresh,
                   std::vector<RecordId>& changed) override {
    for (const VerifiedRecord* r : fresh) {
      if (r->record().author == denied_) {
        CREDMESH_RETURN_IF_ERROR(
            store.records().SetState(r->id(), RecordState::kDenied, "not granted"));
      } else if (r->record().entity.rfind("wait", 0) == 0) {
        // stays pending
      } else {
        CREDMESH_RETURN_IF_ERROR(store.records().SetState(r->id(), RecordState::kValid, ""));
        changed.push_back(r->id());
      }
    }
    return Status::Ok();
  }
  Status Reauthorize(Store&, std::vector<RecordId>&) override { return Status::Ok(); }

 private:
  PublicKey denied_;
};

// Records the ids it is told about; can be made to fail.
class TestProjection final : public Projection {
 public:
  Status Migrate(Database&) override { return Status::Ok(); }
  Status Apply(Store&, const std::vector<ChangedRecord>& changed) override {
    if (fail || applied.size() >= fail_beyond) return Status::IoError("projection failed");
    for (const auto& c : changed) applied.insert(c.id);
    return Status::Ok();
  }
  Status Clear(Database&) override {
    applied.clear();
    return Status::Ok();
  }
  bool fail = false;
  size_t fail_beyond = SIZE_MAX;  // fails once this many records were applied
  std::set<RecordId> applied;
};

TEST_CASE("node/ledger: with an authorizer, the summary reports the settled states") {
  Fixture f;
  SigningKey mallory = SigningKey::Generate();
  TestAuthorizer auth(mallory.public_key());
  TestProjection proj;
  f.Reopen(&auth, {&proj});
  Bytes ok1 = Encoded(f.key, "ok1", HybridClock::Make(kT0, 1));
  Bytes ok2 = Encoded(f.key, "ok2", HybridClock::Make(kT0, 2));
  Bytes wait = Encoded(f.key, "wait1", HybridClock::Make(kT0, 3));
  Bytes denied = Encoded(mallory, "m", HybridClock::Make(kT0, 4));
  Bytes future = Encoded(f.key, "later", HybridClock::Make(kT0 + kHour, 0));
  auto s = f.ledger->Ingest({ok1, ok2, wait, denied, future, ok1}, 1);
  REQUIRE(s.ok());
  CHECK(s->inserted == 4);
  CHECK(s->duplicates == 1);
  CHECK(s->rejected == 1);  // `future`: too far ahead
  CHECK(s->valid == 2);
  CHECK(s->pending == 1);
  CHECK(s->denied == 1);
  CHECK(proj.applied == std::set<RecordId>{IdOf(ok1), IdOf(ok2)});
  CHECK(f.Row(IdOf(denied)).reason == "not granted");

  // A local write the authorizer refuses leaves no trace.
  auto w = f.ledger->Write("note", "school/pine", "x", Value::Map{}, mallory);
  REQUIRE_FALSE(w.ok());
  CHECK(w.status().code() == Status::Code::kUnauthorized);
  CHECK(w.status().message() == "not granted");
  CHECK(f.Count() == 4);

  // A failure inside the transaction stores nothing of the batch.
  proj.fail = true;
  auto failed = f.ledger->Ingest({Encoded(f.key, "ok3", HybridClock::Make(kT0, 9))}, 1);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().message() == "projection failed");
  CHECK(f.Count() == 4);
}

TEST_CASE("node/ledger: a batch of several chunks is stored chunk by chunk in one transaction") {
  constexpr size_t kChunk = Ledger::kIngestChunk;
  const size_t n = 2 * kChunk + 100;  // three chunks, the last one short
  for (unsigned threads : {1u, 2u}) {
    CAPTURE(threads);
    Fixture f;
    TestProjection proj;
    f.Reopen(nullptr, {&proj});
    std::vector<Bytes> batch;
    for (size_t i = 0; i < n; ++i) {
      batch.push_back(Encoded(f.key, "e" + std::to_string(i), HybridClock::Make(kT0 - kHour, i)));
    }
    // A bad record in each chunk, and a duplicate of chunk 0's first record
    // at the very end.
    const size_t bad[] = {3, kChunk + 7, 2 * kChunk + 50};
    for (size_t i : bad) batch[i].back() ^= 0x01;
    batch[n - 1] = batch[0];
    auto s = f.ledger->Ingest(batch, threads);
    REQUIRE(s.ok());
    CHECK(s->received == n);
    CHECK(s->rejected == 3);
    CHECK(s->duplicates == 1);
    CHECK(s->inserted == n - 4);
    CHECK(s->valid == n - 4);
    REQUIRE(s->errors.size() == 3);
    for (size_t k = 0; k < 3; ++k) {
      CHECK(s->errors[k].find("record #" + std::to_string(bad[k]) + ":") == 0);
    }
    CHECK(f.Count() == static_cast<int64_t>(n - 4));
    CHECK(proj.applied.size() == n - 4);
  }

  // A failure while storing the third chunk keeps nothing, not even the two
  // chunks stored before it.
  Fixture f;
  TestProjection proj;
  proj.fail_beyond = kChunk + 1;
  f.Reopen(nullptr, {&proj});
  std::vector<Bytes> batch;
  for (size_t i = 0; i < n; ++i) {
    batch.push_back(Encoded(f.key, "x" + std::to_string(i), HybridClock::Make(kT0 - kHour, i)));
  }
  auto s = f.ledger->Ingest(batch, 1);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().message() == "projection failed");
  CHECK(proj.applied.size() == 2 * kChunk);  // it did run over the first two
  CHECK(f.Count() == 0);
}

}  // namespace
}  // namespace credmesh
