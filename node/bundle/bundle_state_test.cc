#include "node/bundle/bundle_state.h"

#include <doctest/doctest.h>

namespace credmesh {
namespace {

SyncItem StateTestItem(uint64_t ts, uint8_t tag) {
  SyncItem it;
  it.ts = ts;
  it.id = Blake2b256(ByteView(&tag, 1));
  return it;
}

}  // namespace

TEST_CASE("scope ranges cover every item once, at most range_items each") {
  MemoryItemSource items;
  for (int i = 0; i < 1000; ++i)
    REQUIRE(items.Insert(StateTestItem(1000 + i / 3, static_cast<uint8_t>(i))).ok());
  const size_t n = items.size();
  auto ranges = SummarizeScope(items, 64);
  REQUIRE(ranges.ok());
  uint64_t total = 0;
  Bound lower = Bound::Min();
  for (const StateRange& r : *ranges) {
    CHECK(r.count <= 64);
    CHECK(lower < r.upper);
    auto s = items.Summarize(lower, r.upper);
    REQUIRE(s.ok());
    CHECK(s->count == r.count);
    CHECK(s->fingerprint() == r.fingerprint);
    total += r.count;
    lower = r.upper;
  }
  CHECK(total == n);
  CHECK(ranges->back().upper.is_infinity());
  CHECK(ranges->size() == (n + 63) / 64);

  MemoryItemSource empty;
  auto none = SummarizeScope(empty, 64);
  REQUIRE(none.ok());
  REQUIRE(none->size() == 1);
  CHECK(none->front().count == 0);
}

TEST_CASE("the chunk filter holds what was added and little else") {
  FixedBytes<16> key;
  key.data[0] = 9;
  ChunkFilter f(1000, key);
  for (int i = 0; i < 1000; ++i) f.Add(Blake2b256(AsBytes("held" + std::to_string(i))));
  for (int i = 0; i < 1000; ++i) CHECK(f.MayHold(Blake2b256(AsBytes("held" + std::to_string(i)))));
  int false_positives = 0;
  for (int i = 0; i < 100000; ++i)
    false_positives += f.MayHold(Blake2b256(AsBytes("absent" + std::to_string(i))));
  CHECK(false_positives <= 2);
  CHECK_FALSE(ChunkFilter().MayHold(Blake2b256(AsBytes("x"))));
}

TEST_CASE("a state file round-trips and refuses alteration") {
  SigningKey node = SigningKey::Generate();
  BundleState st;
  st.created_ms = 1234;
  st.district = "valley";
  st.node = node.public_key();
  MemoryItemSource items;
  for (int i = 0; i < 300; ++i) REQUIRE(items.Insert(StateTestItem(50 + i, uint8_t(i))).ok());
  st.scopes.push_back({"school/pine", *SummarizeScope(items)});
  st.scopes.push_back({"district/valley", *SummarizeScope(MemoryItemSource())});
  st.chunks = ChunkFilter(3, FixedBytes<16>{});
  st.chunks.Add(Blake2b256(AsBytes("c")));
  const Bytes enc = st.Encode(node);
  // 300 items in 3 ranges: a few dozen bytes per range, not 32 per id.
  CHECK(enc.size() < 400);
  auto back = BundleState::Parse(enc);
  REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  CHECK(back->scopes == st.scopes);
  CHECK(back->chunks == st.chunks);
  CHECK(back->node == st.node);
  CHECK(back->Find("school/pine") != nullptr);
  CHECK(back->Find("school/oak") == nullptr);
  for (size_t at : {size_t{0}, size_t{20}, enc.size() / 2, enc.size() - 1}) {
    Bytes bad = enc;
    bad[at] ^= 4;
    CHECK_FALSE(BundleState::Parse(bad).ok());
  }
  CHECK_FALSE(BundleState::Parse(ByteView(enc).subspan(0, enc.size() - 10)).ok());
}

}  // namespace credmesh
