#include "storage/record_store.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "protocol/crypto.h"
#include "storage/store.h"
#include "tests/temp_dir.h"

namespace credmesh {
namespace {

namespace fs = std::filesystem;

// "k" + std::to_string(i) written as an append: GCC 12 at -O3 reports a
// false -Wrestrict on `const char* + std::string&&` (GCC bug 105329).
std::string Numbered(const char* prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

VerifiedRecord MakeRecord(const SigningKey& key, std::string kind, std::string scope,
                          std::string entity, uint64_t hlc, std::string text = "x") {
  auto r = VerifiedRecord::Create(std::move(kind), std::move(scope), std::move(entity), hlc,
                                  Value::Map{{"text", std::move(text)}}, key);
  REQUIRE(r.ok());
  return std::move(*r);
}

std::unique_ptr<Store> OpenStore(const TempDir& dir) {
  auto s = Store::Open(dir.File("store.db"));
  REQUIRE(s.ok());
  return std::move(*s);
}

int64_t CountOf(RecordStore& rs, const RecordQuery& q) {
  auto n = rs.Count(q);
  REQUIRE(n.ok());
  return *n;
}

std::vector<uint64_t> HlcsOf(RecordStore& rs, const RecordQuery& q) {
  auto rows = rs.List(q);
  REQUIRE(rows.ok());
  std::vector<uint64_t> out;
  for (const auto& r : *rows) out.push_back(r.hlc);
  return out;
}

TEST_CASE("storage/record_store: insert stores the row, inserting a present record is a no-op") {
  TempDir dir("credmesh-record-store-test");
  auto store = OpenStore(dir);
  RecordStore& rs = store->records();
  SigningKey key = SigningKey::Generate();
  VerifiedRecord rec = MakeRecord(key, "note", "school/pine", "n1", 1000);

  auto contains = rs.Contains(rec.id());
  REQUIRE(contains.ok());
  CHECK_FALSE(*contains);
  auto first = rs.Insert(rec, RecordState::kValid, "", 42);
  REQUIRE(first.ok());
  CHECK(*first);
  CHECK(CountOf(rs, {}) == 1);
  contains = rs.Contains(rec.id());
  REQUIRE(contains.ok());
  CHECK(*contains);

  // Same id again, even with another state/reason/time: false, nothing changes.
  for (int i = 0; i < 3; ++i) {
    auto again = rs.Insert(rec, RecordState::kDenied, "other", 99);
    REQUIRE(again.ok());
    CHECK_FALSE(*again);
  }
  CHECK(CountOf(rs, {}) == 1);

  auto row = rs.GetRow(rec.id());
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  const RecordRow& r = **row;
  CHECK(r.id == rec.id());
  CHECK(r.kind == "note");
  CHECK(r.scope == "school/pine");
  CHECK(r.entity == "n1");
  CHECK(r.hlc == 1000);
  CHECK(r.author == key.public_key());
  CHECK(r.state == RecordState::kValid);
  CHECK(r.reason.empty());
  CHECK(r.received_ms == 42);
  CHECK(r.size == rec.bytes().size());

  auto bytes = rs.GetBytes(rec.id());
  REQUIRE(bytes.ok());
  REQUIRE(bytes->has_value());
  CHECK(**bytes == rec.bytes());
}

TEST_CASE("storage/record_store: absent ids") {
  TempDir dir("credmesh-record-store-test");
  auto store = OpenStore(dir);
  RecordStore& rs = store->records();
  RecordId missing;
  missing.data[0] = 7;
  auto row = rs.GetRow(missing);
  REQUIRE(row.ok());
  CHECK_FALSE(row->has_value());
  auto bytes = rs.GetBytes(missing);
  REQUIRE(bytes.ok());
  CHECK_FALSE(bytes->has_value());
  auto loaded = rs.Load(missing);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == Status::Code::kNotFound);
  auto max = rs.MaxHlc();
  REQUIRE(max.ok());
  CHECK(*max == 0);
}

TEST_CASE("storage/record_store: SetState updates state and reason") {
  TempDir dir("credmesh-record-store-test");
  auto store = OpenStore(dir);
  RecordStore& rs = store->records();
  SigningKey key = SigningKey::Generate();
  VerifiedRecord rec = MakeRecord(key, "note", "school/pine", "n1", 1000);
  REQUIRE(rs.Insert(rec, RecordState::kPending, "waiting for a grant", 1).ok());
  CHECK(rs.SetState(rec.id(), RecordState::kDenied, "revoked").ok());
  auto row = rs.GetRow(rec.id());
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  CHECK((*row)->state == RecordState::kDenied);
  CHECK((*row)->reason == "revoked");
  CHECK(RecordStateName(RecordState::kDenied) == "denied");
  CHECK(RecordStateName(RecordState::kPending) == "pending");
  CHECK(RecordStateName(RecordState::kValid) == "valid");
}

TEST_CASE("storage/record_store: queries filter, order and limit") {
  TempDir dir("credmesh-record-store-test");
  auto store = OpenStore(dir);
  RecordStore& rs = store->records();
  SigningKey alice = SigningKey::Generate();
  SigningKey bob = SigningKey::Generate();
  // hlc 10..19; inserted out of order to check the ordering is by hlc.
  struct Spec {
    uint64_t hlc;
    const char* kind;
    const char* scope;
    const char* entity;
    bool by_alice;
    RecordState state;
  };
  const Spec specs[] = {
      {15, "note", "school/pine", "e1", true, RecordState::kValid},
      {10, "note", "school/oak", "e2", true, RecordState::kValid},
      {12, "trust.grant", "district/valley", "e1", false, RecordState::kValid},
      {19, "trust.revoke", "district/valley", "e3", false, RecordState::kPending},
      {11, "trustee", "school/pine", "e2", true, RecordState::kDenied},
      {17, "note", "school/pine", "e3", false, RecordState::kValid},
      {13, "note", "school/pine", "e1", true, RecordState::kPending},
  };
  for (const Spec& s : specs) {
    auto rec = MakeRecord(s.by_alice ? alice : bob, s.kind, s.scope, s.entity, s.hlc);
    auto ins = rs.Insert(rec, s.state, "", 0);
    REQUIRE(ins.ok());
    REQUIRE(*ins);
  }

  CHECK(HlcsOf(rs, {}) == std::vector<uint64_t>{10, 11, 12, 13, 15, 17, 19});
  CHECK(CountOf(rs, {}) == 7);

  RecordQuery q;
  q.kind = "note";
  CHECK(HlcsOf(rs, q) == std::vector<uint64_t>{10, 13, 15, 17});
  CHECK(CountOf(rs, q) == 4);

  q = {};
  q.kind_prefix = "trust.";  // not "trustee"
  CHECK(HlcsOf(rs, q) == std::vector<uint64_t>{12, 19});
  q.kind_prefix = "trust";
  CHECK(HlcsOf(rs, q) == std::vector<uint64_t>{11, 12, 19});
  q.kind_prefix = "%";  // no LIKE wildcards
  CHECK(CountOf(rs, q) == 0);

  q = {};
  q.scope = "school/pine";
  CHECK(HlcsOf(rs, q) == std::vector<uint64_t>{11, 13, 15, 17});
  q.scope = "school/none";
  CHECK(HlcsOf(rs, q).empty());

  q = {};
  q.entity = "e1";
  CHECK(HlcsOf(rs, q) == std::vector<uint64_t>{12, 13, 15});

  q = {};
  q.author = alice.public_key();
  CHECK(HlcsOf(rs, q) == std::vector<uint64_t>{10, 11, 13, 15});
  q.author = bob.public_key();
  CHECK(HlcsOf(rs, q) == std::vector<uint64_t>{12, 17, 19});

  q = {};
  q.state = RecordState::kPending;
  CHECK(HlcsOf(rs, q) == std::vector<uint64_t>{13, 19});
  q.state = RecordState::kDenied;
  CHECK(HlcsOf(rs, q) == std::vector<uint64_t>{11});

  q = {};
  q.min_hlc = 13;  // inclusive
  CHECK(HlcsOf(rs, q) == std::vector<uint64_t>{13, 15, 17, 19});
  CHECK(CountOf(rs, q) == 4);

  q = {};
  q.limit = 3;
  CHECK(HlcsOf(rs, q) == std::vector<uint64_t>{10, 11, 12});
  q.newest_first = true;
  CHECK(HlcsOf(rs, q) == std::vector<uint64_t>{19, 17, 15});
  q.limit = 0;
  CHECK(HlcsOf(rs, q) == std::vector<uint64_t>{19, 17, 15, 13, 12, 11, 10});

  // Filters combine with AND.
  q = {};
  q.kind = "note";
  q.scope = "school/pine";
  q.author = alice.public_key();
  q.state = RecordState::kValid;
  CHECK(HlcsOf(rs, q) == std::vector<uint64_t>{15});
  q.min_hlc = 16;
  CHECK(HlcsOf(rs, q).empty());

  auto max = rs.MaxHlc();
  REQUIRE(max.ok());
  CHECK(*max == 19);
}

TEST_CASE("storage/record_store: ForEach passes the stored bytes and stops at the first error") {
  TempDir dir("credmesh-record-store-test");
  auto store = OpenStore(dir);
  RecordStore& rs = store->records();
  SigningKey key = SigningKey::Generate();
  std::vector<VerifiedRecord> recs;
  for (int i = 0; i < 5; ++i) {
    recs.push_back(MakeRecord(key, "note", "school/pine", "e", 100 + i, Numbered("t", i)));
    REQUIRE(rs.Insert(recs.back(), RecordState::kValid, "", 0).ok());
  }
  size_t seen = 0;
  Status s = rs.ForEach({}, [&](const RecordRow& row, ByteView bytes) {
    CHECK(row.id == recs[seen].id());
    CHECK(Bytes(bytes.begin(), bytes.end()) == recs[seen].bytes());
    ++seen;
    return Status::Ok();
  });
  CHECK(s.ok());
  CHECK(seen == 5);

  seen = 0;
  s = rs.ForEach({}, [&](const RecordRow&, ByteView) {
    return ++seen == 2 ? Status::Internal("stop here") : Status::Ok();
  });
  CHECK(s.code() == Status::Code::kInternal);
  CHECK(s.message() == "stop here");
  CHECK(seen == 2);
}

TEST_CASE("storage/record_store: FindByIdPrefix") {
  TempDir dir("credmesh-record-store-test");
  auto store = OpenStore(dir);
  RecordStore& rs = store->records();
  SigningKey key = SigningKey::Generate();
  std::vector<VerifiedRecord> recs;
  for (int i = 0; i < 40; ++i) {
    recs.push_back(MakeRecord(key, "note", "school/pine", "e", 100 + i));
    REQUIRE(rs.Insert(recs.back(), RecordState::kValid, "", 0).ok());
  }
  const VerifiedRecord& target = recs[7];
  const std::string hex = target.id().hex();

  auto full = rs.FindByIdPrefix(hex, 10);
  REQUIRE(full.ok());
  REQUIRE(full->size() == 1);
  CHECK(full->front() == target.id());

  // Upper case works too.
  std::string upper = hex.substr(0, 12);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto up = rs.FindByIdPrefix(upper, 10);
  REQUIRE(up.ok());
  REQUIRE(up->size() == 1);
  CHECK(up->front() == target.id());

  // A one-digit prefix matches every id starting with it.
  size_t expected = 0;
  for (const auto& r : recs) expected += r.id().hex()[0] == hex[0];
  auto one = rs.FindByIdPrefix(hex.substr(0, 1), 100);
  REQUIRE(one.ok());
  CHECK(one->size() == expected);
  for (const auto& id : *one) CHECK(id.hex()[0] == hex[0]);
  // ... and the limit caps the answer.
  auto capped = rs.FindByIdPrefix("", 1);
  CHECK_FALSE(capped.ok());
  if (expected >= 2) {
    auto lim = rs.FindByIdPrefix(hex.substr(0, 1), 1);
    REQUIRE(lim.ok());
    CHECK(lim->size() == 1);
  }

  // A prefix matching nothing: flip the first digit of a full id.
  std::string other = hex;
  other[63] = other[63] == '0' ? '1' : '0';
  auto none = rs.FindByIdPrefix(other, 10);
  REQUIRE(none.ok());
  CHECK(none->empty());

  for (const std::string& bad :
       {std::string(""), std::string("xyz"), std::string("12 4"), std::string(65, 'a')}) {
    auto r = rs.FindByIdPrefix(bad, 10);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kInvalidArgument);
  }
}

TEST_CASE("storage/record_store: Load re-verifies the stored bytes") {
  TempDir dir("credmesh-record-store-test");
  auto store = OpenStore(dir);
  RecordStore& rs = store->records();
  SigningKey key = SigningKey::Generate();
  VerifiedRecord a = MakeRecord(key, "note", "school/pine", "a", 100, "hello");
  VerifiedRecord b = MakeRecord(key, "note", "school/pine", "b", 101, "world");
  REQUIRE(rs.Insert(a, RecordState::kValid, "", 0).ok());
  REQUIRE(rs.Insert(b, RecordState::kValid, "", 0).ok());

  auto loaded = rs.Load(a.id());
  REQUIRE(loaded.ok());
  CHECK(loaded->id() == a.id());
  CHECK(loaded->record() == a.record());

  auto tamper = [&](const RecordId& id, const Bytes& bytes) {
    auto st = store->db().Prepare("UPDATE records SET bytes = ? WHERE id = ?");
    REQUIRE(st.ok());
    st->Bind(1, ByteView(bytes)).Bind(2, id.view());
    REQUIRE(st->Run().ok());
    REQUIRE(store->db().Changes() == 1);
  };

  SUBCASE("one flipped bit in the signature") {
    Bytes bad = a.bytes();
    bad.back() ^= 0x01;
    tamper(a.id(), bad);
    auto r = rs.Load(a.id());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kCorruption);
    CHECK(r.status().message().find(a.id().hex()) != std::string::npos);
  }
  SUBCASE("one flipped bit in the body text") {
    Bytes bad = a.bytes();
    auto pos = std::search(bad.begin(), bad.end(), std::begin("hello"), std::end("hello") - 1);
    REQUIRE(pos != bad.end());
    *pos ^= 0x01;  // 'h' -> 'i': still valid MessagePack, wrong signature
    tamper(a.id(), bad);
    auto r = rs.Load(a.id());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kCorruption);
  }
  SUBCASE("another record's valid bytes under this id") {
    tamper(a.id(), b.bytes());
    auto r = rs.Load(a.id());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kCorruption);
    CHECK(r.status().message().find("id mismatch") != std::string::npos);
  }
  SUBCASE("truncated bytes") {
    Bytes bad(a.bytes().begin(), a.bytes().end() - 10);
    tamper(a.id(), bad);
    CHECK_FALSE(rs.Load(a.id()).ok());
  }
  // The untouched record still loads.
  CHECK(rs.Load(b.id()).ok());
}

TEST_CASE("storage/store: reopening keeps records and the schema version") {
  TempDir dir("credmesh-record-store-test");
  SigningKey key = SigningKey::Generate();
  VerifiedRecord rec = MakeRecord(key, "note", "school/pine", "n1", 5);
  {
    auto store = OpenStore(dir);
    REQUIRE(store->records().Insert(rec, RecordState::kValid, "", 0).ok());
  }
  auto store = OpenStore(dir);
  CHECK(CountOf(store->records(), {}) == 1);
  CHECK(store->records().Load(rec.id()).ok());
  auto problems = store->CheckIntegrity();
  REQUIRE(problems.ok());
  CHECK(problems->empty());
}

TEST_CASE("storage/store: Open refuses what it cannot use, with a clear error") {
  TempDir dir("credmesh-record-store-test");
  const std::string path = dir.File("store.db");

  SUBCASE("missing file without create") {
    Store::Options o;
    o.create = false;
    auto s = Store::Open(path, o);
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Status::Code::kNotFound);
    CHECK_FALSE(fs::exists(path));
  }
  SUBCASE("random bytes") {
    Bytes junk(64 * 1024);
    RandomBytes(junk.data(), junk.size());
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(junk.data()),
               static_cast<std::streamsize>(junk.size()));
    auto s = Store::Open(path);
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Status::Code::kCorruption);
    CHECK(s.status().message().find(path) != std::string::npos);
  }
  SUBCASE("a text file") {
    std::ofstream(path) << "this is not a database, just some notes\n";
    auto s = Store::Open(path);
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Status::Code::kCorruption);
  }
  SUBCASE("a database written by a newer credmesh") {
    {
      auto store = OpenStore(dir);
      REQUIRE(store->db()
                  .Exec("UPDATE schema_versions SET version = 99 WHERE module = 'records'")
                  .ok());
    }
    auto s = Store::Open(path);
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Status::Code::kFailedPrecondition);
  }
}

TEST_CASE("storage/store: Open on a truncated database fails cleanly") {
  TempDir dir("credmesh-record-store-test");
  const std::string path = dir.File("store.db");
  SigningKey key = SigningKey::Generate();
  {
    auto store = OpenStore(dir);
    auto tx = Transaction::Begin(store->db());
    REQUIRE(tx.ok());
    for (int i = 0; i < 2000; ++i) {
      auto rec =
          MakeRecord(key, "note", "school/pine", Numbered("e", i), 1000 + i, std::string(100, 'x'));
      REQUIRE(store->records().Insert(rec, RecordState::kValid, "", 0).ok());
    }
    REQUIRE(tx->Commit().ok());
  }  // closing the last connection checkpoints the WAL into the file
  REQUIRE_FALSE(fs::exists(path + "-wal"));
  const auto full = fs::file_size(path);
  REQUIRE(full > 64 * 1024);

  for (auto keep : {uintmax_t{50}, uintmax_t{4096 + 100}, full / 2}) {
    CAPTURE(keep);
    fs::resize_file(path, keep);
    auto s = Store::Open(path);
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Status::Code::kCorruption);
    CHECK(s.status().message().find(path) != std::string::npos);
  }
}

}  // namespace
}  // namespace credmesh
