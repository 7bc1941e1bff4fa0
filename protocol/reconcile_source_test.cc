#include "protocol/reconcile_source.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "protocol/crypto.h"

namespace credmesh {
namespace {

RecordId RandomId(std::mt19937_64& rng) {
  RecordId id;
  for (auto& b : id.data) b = static_cast<uint8_t>(rng());
  return id;
}

RangeSummary Naive(const std::vector<SyncItem>& items, const Bound& lo, const Bound& hi) {
  RangeSummary s;
  for (const auto& it : items) {
    if (!(it < lo) && it < hi) {
      ++s.count;
      s.sum.Add(it.id);
    }
  }
  return s;
}

TEST_CASE("protocol/reconcile_source: 256-bit sums wrap modulo 2^256 and subtract back") {
  RecordId ones;
  ones.data.fill(0xff);  // 2^256 - 1
  RecordId one;
  one.data[0] = 1;  // little-endian 1
  IdSum s;
  s.Add(ones);
  s.Add(one);
  CHECK(s == IdSum{});  // (2^256 - 1) + 1 == 0 mod 2^256
  IdSum t;
  t.Add(one);
  IdSum u;
  u.Subtract(t);  // 0 - 1 == 2^256 - 1
  CHECK(u.ToBytes() == ones.data);
  // Carry crosses limbs: 0x00..00ff..ff (8 bytes of ff) + 1 = 2^64.
  RecordId low;
  std::fill_n(low.data.begin(), 8, 0xff);
  IdSum c;
  c.Add(low);
  c.Add(one);
  CHECK(c.limbs[0] == 0);
  CHECK(c.limbs[1] == 1);
}

TEST_CASE(
    "protocol/reconcile_source: fingerprint is the first 16 bytes of BLAKE2b-256 of sum and "
    "count") {
  RangeSummary empty;
  uint8_t zeros[40] = {};
  Hash256 h = Blake2b256({zeros, 40});
  CHECK(empty.fingerprint().hex() == ToHex({h.data.data(), 16}));
  RecordId id;
  id.data[0] = 7;
  RangeSummary one{1, {}};
  one.sum.Add(id);
  uint8_t input[40] = {};
  input[0] = 7;
  input[32] = 1;
  Hash256 h1 = Blake2b256({input, 40});
  CHECK(one.fingerprint().hex() == ToHex({h1.data.data(), 16}));
  CHECK(one.fingerprint() != empty.fingerprint());
}

TEST_CASE("protocol/reconcile_source: docs/protocol.md test vectors") {
  CHECK(RangeSummary{}.fingerprint().hex() == "4a1931803561f431decab002e7425f0a");
  RecordId a, b;
  a.data.fill(0x11);
  b.data.fill(0xff);
  RangeSummary s{2, {}};
  s.sum.Add(a);
  s.sum.Add(b);
  CHECK(ToHex({s.sum.ToBytes().data(), 32}) ==
        "1011111111111111111111111111111111111111111111111111111111111111");
  CHECK(s.fingerprint().hex() == "22ae99b7cd9f62b9f99c33b324012a96");
}

TEST_CASE("protocol/reconcile_source: bounds between items are minimal and separate them") {
  SyncItem a{10, {}}, b{10, {}};
  a.id.data[0] = 0x12;
  a.id.data[1] = 0x34;
  b.id.data[0] = 0x12;
  b.id.data[1] = 0x56;
  b.id.data[2] = 0x99;
  Bound m = Bound::Between(a, b);
  CHECK(m.ts == 10);
  CHECK(m.prefix_size() == 2);
  CHECK(a < m);
  CHECK_FALSE(b < m);
  SyncItem c{11, b.id};
  Bound n = Bound::Between(b, c);
  CHECK(n.ts == 11);
  CHECK(n.prefix_size() == 0);
  CHECK(b < n);
  CHECK_FALSE(c < n);
  CHECK(c < Bound::Infinity());
  CHECK_FALSE(SyncItem{} < Bound::Min());
}

TEST_CASE("protocol/reconcile_source: incremental inserts give the same summaries as a rebuild") {
  std::mt19937_64 rng(3);
  std::vector<SyncItem> all;
  MemoryItemSource inc;
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 250; ++i) {
      SyncItem it{rng() % 500, RandomId(rng)};
      all.push_back(it);
      REQUIRE(inc.Insert(it).ok());
      if (i % 50 == 0) REQUIRE(inc.Insert(it).ok());  // duplicates are no-ops
    }
    // Query between batches so the lazy rebuild runs repeatedly.
    auto total = inc.Summarize(Bound::Min(), Bound::Infinity());
    REQUIRE(total.ok());
    CHECK(total->count == all.size());
  }
  MemoryItemSource fresh;
  REQUIRE(fresh.Insert(all).ok());
  CHECK(inc.size() == all.size());
  CHECK(inc.Total().sum == fresh.Total().sum);
  IdSum running;
  for (const auto& it : all) running.Add(it.id);
  CHECK(inc.Total().sum == running);
  for (int q = 0; q < 300; ++q) {
    Bound lo{rng() % 520, RandomId(rng)}, hi{rng() % 520, RandomId(rng)};
    if (q % 7 == 0) lo = Bound::Min();
    if (q % 11 == 0) hi = Bound::Infinity();
    auto a = inc.Summarize(lo, hi);
    auto b = fresh.Summarize(lo, hi);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    RangeSummary n = hi < lo ? RangeSummary{} : Naive(all, lo, hi);
    CHECK(a->count == n.count);
    CHECK(a->sum == n.sum);
    CHECK(a->fingerprint() == b->fingerprint());
  }
}

TEST_CASE("protocol/reconcile_source: ItemAt and List respect bounds and limits") {
  MemoryItemSource s;
  std::vector<SyncItem> items;
  for (uint64_t t = 0; t < 100; ++t) {
    SyncItem it{t, {}};
    it.id.data[31] = static_cast<uint8_t>(t);
    items.push_back(it);
  }
  std::reverse(items.begin(), items.end());
  REQUIRE(s.Insert(items).ok());
  Bound lo{10, {}}, hi{20, {}};
  auto at = s.ItemAt(lo, 3);
  REQUIRE(at.ok());
  REQUIRE(at->has_value());
  CHECK((*at)->ts == 13);
  auto past = s.ItemAt(lo, 90);
  REQUIRE(past.ok());
  CHECK_FALSE(past->has_value());
  auto list = s.List(lo, hi, 100);
  REQUIRE(list.ok());
  CHECK(list->size() == 10);
  CHECK(list->front().ts == 10);
  auto capped = s.List(lo, hi, 4);
  REQUIRE(capped.ok());
  CHECK(capped->size() == 4);
  auto none = s.List(hi, lo, 100);
  REQUIRE(none.ok());
  CHECK(none->empty());
  CHECK_FALSE(s.Insert(SyncItem{kMaxSyncTimestamp + 1, {}}).ok());
}

}  // namespace
}  // namespace credmesh
