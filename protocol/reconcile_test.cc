#include "protocol/reconcile.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <set>

#include "protocol/value.h"

namespace credmesh {
namespace {

constexpr uint64_t kBaseTs = uint64_t{1'700'000'000'000} << 16;  // an HLC value in 2023

RecordId RandomItemId(std::mt19937_64& rng) {
  RecordId id;
  for (auto& b : id.data) b = static_cast<uint8_t>(rng());
  return id;
}

// Items with clustered timestamps, so equal timestamps (and id prefixes in
// bounds) occur often.
std::vector<SyncItem> RandomItems(std::mt19937_64& rng, size_t n, uint64_t spread_ms = 5000) {
  std::vector<SyncItem> out(n);
  for (auto& it : out) it = {kBaseTs + ((rng() % spread_ms) << 16), RandomItemId(rng)};
  return out;
}

struct Outcome {
  int messages = 0;
  int round_trips = 0;
  size_t bytes = 0;
  size_t max_message = 0;
  std::vector<RecordId> have_a, have_b;  // what each side found to push
};

// Runs a whole reconciliation between initiator A and responder B.
Outcome Run(const ItemSource& a_src, const ItemSource& b_src, ReconcileLimits limits = {},
            int max_messages = 500) {
  ShortIdKey key;
  key.data.fill(0x5a);  // as a session id would be
  auto a = Reconciler::Create(a_src, limits, key);
  auto b = Reconciler::Create(b_src, limits, key);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  Outcome out;
  auto msg = a->Initiate();
  REQUIRE(msg.ok());
  Bytes in_flight = *msg;
  bool to_b = true;
  while (true) {
    ++out.messages;
    out.bytes += in_flight.size();
    out.max_message = std::max(out.max_message, in_flight.size());
    REQUIRE(out.messages < max_messages);
    auto step = (to_b ? *b : *a).Respond(in_flight);
    REQUIRE_MESSAGE(step.ok(), step.status().ToString());
    auto& have = to_b ? out.have_b : out.have_a;
    have.insert(have.end(), step->have_ids.begin(), step->have_ids.end());
    if (!step->reply) {
      CHECK(step->finished);
      break;
    }
    in_flight = *step->reply;
    to_b = !to_b;
  }
  out.round_trips = (out.messages + 1) / 2;
  return out;
}

std::set<RecordId> Ids(const std::vector<SyncItem>& items) {
  std::set<RecordId> s;
  for (const auto& it : items) s.insert(it.id);
  return s;
}

std::set<RecordId> Minus(const std::set<RecordId>& x, const std::set<RecordId>& y) {
  std::set<RecordId> out;
  std::set_difference(x.begin(), x.end(), y.begin(), y.end(), std::inserter(out, out.end()));
  return out;
}

// Checks that each side finds exactly what only it holds, each id once.
void CheckExact(const Outcome& o, const std::vector<SyncItem>& a, const std::vector<SyncItem>& b) {
  auto sa = Ids(a), sb = Ids(b);
  std::vector<RecordId> a_only(o.have_a), b_only(o.have_b);
  std::sort(a_only.begin(), a_only.end());
  std::sort(b_only.begin(), b_only.end());
  CHECK(std::adjacent_find(a_only.begin(), a_only.end()) == a_only.end());  // no duplicates
  CHECK(std::adjacent_find(b_only.begin(), b_only.end()) == b_only.end());
  auto want_a = Minus(sa, sb), want_b = Minus(sb, sa);
  CHECK(std::set<RecordId>(a_only.begin(), a_only.end()) == want_a);
  CHECK(std::set<RecordId>(b_only.begin(), b_only.end()) == want_b);
  CHECK(a_only.size() == want_a.size());
  CHECK(b_only.size() == want_b.size());
}

MemoryItemSource Source(const std::vector<SyncItem>& items) {
  MemoryItemSource s;
  REQUIRE(s.Insert(items).ok());
  return s;
}

TEST_CASE("protocol/reconcile: identical sets finish in one round trip with a few bytes") {
  for (size_t n : {size_t{0}, size_t{1}, size_t{10'000}, size_t{200'000}}) {
    CAPTURE(n);
    std::mt19937_64 rng(n);
    auto items = RandomItems(rng, n, 100'000);
    auto a = Source(items);
    auto b = Source(items);
    auto o = Run(a, b);
    CHECK(o.round_trips <= 3);
    CHECK(o.round_trips == 1);
    CHECK(o.bytes < 1024);
    CHECK(o.have_a.empty());
    CHECK(o.have_b.empty());
    MESSAGE("n=" << n << ": " << o.messages << " messages, " << o.bytes << " bytes");
  }
}

TEST_CASE("protocol/reconcile: an empty side learns everything, both directions") {
  std::mt19937_64 rng(7);
  auto items = RandomItems(rng, 3000);
  auto full = Source(items);
  MemoryItemSource empty;
  auto o1 = Run(full, empty);
  CheckExact(o1, items, {});
  auto o2 = Run(empty, full);
  CheckExact(o2, {}, items);
  // The empty initiator sends an empty IdList; the full side resolves it at once.
  CHECK(o2.messages == 2);
  CHECK(o2.have_b.size() == 3000);
}

TEST_CASE("protocol/reconcile: exact have/need sets for typical differences") {
  struct Case {
    const char* name;
    size_t common, only_a, only_b;
  };
  const Case cases[] = {
      {"one-sided A", 10'000, 100, 0},
      {"one-sided B", 10'000, 0, 100},
      {"two-sided", 10'000, 37, 53},
      {"1% each", 10'000, 100, 100},
      {"50% each", 5'000, 5'000, 5'000},
      {"disjoint", 0, 10'000, 10'000},
      {"single difference in 200k", 200'000, 1, 0},
  };
  for (const auto& c : cases) {
    std::string name = c.name;
    CAPTURE(name);
    std::mt19937_64 rng(c.common + c.only_a * 3 + c.only_b * 7);
    auto common = RandomItems(rng, c.common, 100'000);
    auto xa = RandomItems(rng, c.only_a, 100'000);
    auto xb = RandomItems(rng, c.only_b, 100'000);
    std::vector<SyncItem> a = common, b = common;
    a.insert(a.end(), xa.begin(), xa.end());
    b.insert(b.end(), xb.begin(), xb.end());
    auto sa = Source(a), sb = Source(b);
    auto o = Run(sa, sb);
    CheckExact(o, a, b);
    MESSAGE(name << ": " << o.round_trips << " round trips, " << o.bytes << " bytes");
    if (c.only_a + c.only_b == 1) {
      CHECK(o.round_trips <= 5);
      CHECK(o.bytes < 4096);
    }
  }
}

TEST_CASE("protocol/reconcile: property test over random seeds, sizes and limits") {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    size_t common = rng() % 3000, na = rng() % 400, nb = rng() % 400;
    if (seed % 5 == 0) na = 0;
    uint64_t spread = 1 + rng() % 2000;  // small spreads: many equal timestamps
    auto c = RandomItems(rng, common, spread);
    auto xa = RandomItems(rng, na, spread);
    auto xb = RandomItems(rng, nb, spread);
    std::vector<SyncItem> a = c, b = c;
    a.insert(a.end(), xa.begin(), xa.end());
    b.insert(b.end(), xb.begin(), xb.end());
    ReconcileLimits limits;
    if (seed % 2 == 0) {  // tight limits force multi-round spreading
      limits.max_message_bytes = 4096;
      limits.max_ranges = 20;
      limits.max_ids_per_step = 1024;
    }
    limits.buckets = 2 + rng() % 15;
    limits.id_list_threshold = limits.buckets + rng() % 40;
    auto sa = Source(a), sb = Source(b);
    auto o = Run(sa, sb, limits, 5000);
    CheckExact(o, a, b);
    CHECK(o.max_message <= limits.max_message_bytes);
  }
}

TEST_CASE("protocol/reconcile: a large difference is spread over rounds within the limits") {
  std::mt19937_64 rng(99);
  auto a = RandomItems(rng, 20'000, 50'000);
  auto b = RandomItems(rng, 20'000, 50'000);
  ReconcileLimits limits;
  limits.max_message_bytes = 8192;
  limits.max_ranges = 64;
  limits.max_ids_per_step = 2048;
  auto sa = Source(a), sb = Source(b);
  auto o = Run(sa, sb, limits, 10'000);
  CheckExact(o, a, b);
  CHECK(o.max_message <= 8192);
  CHECK(o.round_trips > 5);
}

TEST_CASE("protocol/reconcile: the per-step id budget bounds have/need of one step") {
  std::mt19937_64 rng(5);
  auto many = RandomItems(rng, 50'000, 1'000'000);
  auto full = Source(many);
  MemoryItemSource empty;
  ReconcileLimits limits;  // max_ids_per_step 65536 by default
  limits.max_ids_per_step = 4096;
  auto r_full = Reconciler::Create(full, limits);
  auto r_empty = Reconciler::Create(empty, limits);
  REQUIRE(r_full.ok());
  REQUIRE(r_empty.ok());
  auto msg = r_empty->Initiate();  // empty IdList over everything
  REQUIRE(msg.ok());
  size_t total = 0;
  Bytes in_flight = *msg;
  bool to_full = true;
  for (int i = 0; i < 1000; ++i) {
    auto step = (to_full ? *r_full : *r_empty).Respond(in_flight);
    REQUIRE(step.ok());
    CHECK(step->have_ids.size() <= 4096 + 4096);
    total += step->have_ids.size();
    if (!step->reply) break;
    in_flight = *step->reply;
    to_full = !to_full;
  }
  CHECK(total == 50'000);
}

TEST_CASE("protocol/reconcile: one million items reconcile with a single difference" *
          doctest::test_suite("slow")) {
  std::mt19937_64 rng(1'000'000);
  auto items = RandomItems(rng, 1'000'000, 10'000'000);
  MemoryItemSource a, b;
  REQUIRE(a.Insert(items).ok());
  REQUIRE(b.Insert(items).ok());
  SyncItem extra{kBaseTs + (12345ull << 16), RandomItemId(rng)};
  REQUIRE(b.Insert(extra).ok());
  auto o = Run(a, b);
  // B holds the one difference, so B finds it (from A's IdList, or from A's
  // Need after B's IdList).
  CHECK(o.have_b == std::vector<RecordId>{extra.id});
  CHECK(o.have_a.empty());
  CHECK(o.round_trips <= 5);
  MESSAGE("1M, one difference: " << o.round_trips << " round trips, " << o.bytes << " bytes");
}

// The side with fewer items in a differing range lists them (§8.4): new
// items interleaved one to one with old ones in a cluster (a node that was
// offline while as many records were written as it had in that time) cost
// about one short id per item the lacking side holds there, not one per item
// of the holder plus a Need entry per missing one.
TEST_CASE("protocol/reconcile: a dense 1% difference costs about one short id per item" *
          doctest::test_suite("slow")) {
  for (bool holder_initiates : {true, false}) {
    CAPTURE(holder_initiates);
    const size_t n = 200'000, diff = n / 100;
    std::vector<SyncItem> old_items, new_items;
    std::mt19937_64 rng(99);
    for (size_t i = 0; i < n; ++i)
      old_items.push_back({kBaseTs + (i * 8 << 16), RandomItemId(rng)});
    for (size_t i = 0; i < diff; ++i) {
      new_items.push_back({kBaseTs + ((i * 8 + 1) << 16), RandomItemId(rng)});
    }
    std::vector<SyncItem> all = old_items;
    all.insert(all.end(), new_items.begin(), new_items.end());
    auto holder = Source(all), lacker = Source(old_items);
    auto o = holder_initiates ? Run(holder, lacker) : Run(lacker, holder);
    if (holder_initiates) {
      CheckExact(o, all, old_items);
    } else {
      CheckExact(o, old_items, all);
    }
    MESSAGE("dense 1% of 200k: " << o.round_trips << " round trips, " << o.bytes << " bytes, "
                                 << static_cast<double>(o.bytes) / diff << " per new item");
    // 8 bytes per old item of the cluster (one per new item) plus the
    // fingerprints that narrow it down.
    CHECK(o.bytes < diff * 12);
  }
}

TEST_CASE("protocol/reconcile: the side with fewer items is handed the range and lists them") {
  std::mt19937_64 rng(5);
  auto common = RandomItems(rng, 40);
  auto extra = RandomItems(rng, 100);
  std::vector<SyncItem> more = common;
  more.insert(more.end(), extra.begin(), extra.end());
  auto few = Source(common), many = Source(more);
  auto a = Reconciler::Create(few);
  auto b = Reconciler::Create(many);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  // 40 > T = 32: A opens with one Fingerprint of its 40 items.
  auto open = a->Initiate();
  REQUIRE(open.ok());
  auto v = DecodeValue(*open);
  REQUIRE(v.ok());
  CHECK(v->as_array().at(0).as_array().at(1).as_int() == 1);
  CHECK(v->as_array().at(0).as_array().at(3).as_int() == 40);
  // B holds 140 there: it hands the range back with its own fingerprint
  // rather than splitting or listing its 140.
  auto s1 = b->Respond(*open);
  REQUIRE(s1.ok());
  REQUIRE(s1->reply);
  v = DecodeValue(*s1->reply);
  REQUIRE(v.ok());
  REQUIRE(v->as_array().size() == 1);
  CHECK(v->as_array()[0].as_array().at(1).as_int() == 1);
  CHECK(v->as_array()[0].as_array().at(3).as_int() == 140);
  CHECK(s1->have_ids.empty());
  // A lists its 40 (up to 4T = 128 when the peer holds more) ...
  auto s2 = a->Respond(*s1->reply);
  REQUIRE(s2.ok());
  REQUIRE(s2->reply);
  v = DecodeValue(*s2->reply);
  REQUIRE(v.ok());
  CHECK(v->as_array()[0].as_array().at(1).as_int() == 2);
  CHECK(v->as_array()[0].as_array().at(2).as_bytes().size() == 40 * ShortId::kSize);
  // ... and B finds its 100 extra items at once and ends the run.
  auto s3 = b->Respond(*s2->reply);
  REQUIRE(s3.ok());
  CHECK(s3->have_ids.size() == 100);
  REQUIRE(s3->reply);
  CHECK(IsFinalReconcileMessage(*s3->reply));
}

// ---- strict decoding ----------------------------------------------------

Bytes Encoded(const Value& v) {
  Bytes out;
  EncodeValue(v, out);
  return out;
}

Bytes Fp() { return Bytes(16, 0xab); }

void ExpectRejected(const Bytes& msg, Status::Code code, const std::string& fragment) {
  MemoryItemSource s;
  auto r = Reconciler::Create(s);
  REQUIRE(r.ok());
  auto step = r->Respond(msg);
  REQUIRE_FALSE(step.ok());
  CHECK(step.status().code() == code);
  CHECK_MESSAGE(step.status().message().find(fragment) != std::string::npos,
                step.status().message());
}

TEST_CASE("protocol/reconcile: malformed, non-canonical and oversized messages are rejected") {
  using A = Value::Array;
  const auto kBad = Status::Code::kInvalidArgument;
  ExpectRejected({}, kBad, "truncated");
  ExpectRejected({0x91}, kBad, "truncated");
  ExpectRejected({0x90, 0x00}, kBad, "trailing");
  ExpectRejected({0xc1}, kBad, "malformed");
  ExpectRejected(Encoded(Value::Map{}), kBad, "expected an array");
  ExpectRejected(Encoded(A{5}), kBad, "a range must be an array");
  ExpectRejected(Encoded(A{Value(A{-1})}), kBad, "2 to 5 elements");
  ExpectRejected(Encoded(A{Value(A{-1, "x", Fp(), 5})}), kBad, "must be integers");
  ExpectRejected(Encoded(A{Value(A{-1, 4})}), kBad, "unknown mode 4");
  ExpectRejected(Encoded(A{Value(A{-1, 3})}), kBad, "wrong number of elements");
  ExpectRejected(Encoded(A{Value(A{-1, 3, Bytes{}})}), kBad, "lists no ids");
  ExpectRejected(Encoded(A{Value(A{-1, 3, Bytes(12, 1)})}), kBad, "multiple of 8");
  ExpectRejected(Encoded(A{Value(A{-1, 1})}), kBad, "wrong number of elements");
  ExpectRejected(Encoded(A{Value(A{-1, 1, Bytes(15, 1), 5})}), kBad, "16 bytes");
  ExpectRejected(Encoded(A{Value(A{-1, 1, Fp()})}), kBad, "wrong number of elements");  // no count
  ExpectRejected(Encoded(A{Value(A{-1, 1, Fp(), -1})}), kBad, "count is negative");
  ExpectRejected(Encoded(A{Value(A{-1, 1, Fp(), "5"})}), kBad, "count must be an integer");
  ExpectRejected(Encoded(A{Value(A{5, 1, Fp(), 5, Bytes{1}, Bytes{1}})}), kBad, "2 to 5 elements");
  ExpectRejected(Encoded(A{Value(A{-1, 1, "fingerprint", 5})}), kBad, "fingerprint must be bytes");
  ExpectRejected(Encoded(A{Value(A{-1, 2, Bytes(33, 1)})}), kBad, "multiple of 8");
  Bytes unsorted(16, 0);
  unsorted[0] = 2;
  unsorted[8] = 1;
  ExpectRejected(Encoded(A{Value(A{-1, 2, unsorted})}), kBad, "not ascending");
  ExpectRejected(Encoded(A{Value(A{-1, 3, unsorted})}), kBad, "not ascending");
  ExpectRejected(Encoded(A{Value(A{-2, 1, Fp(), 5})}), kBad, "negative");
  ExpectRejected(Encoded(A{Value(A{5, 1, Fp(), 5, Bytes{1, 0}})}), kBad, "zero byte");
  ExpectRejected(Encoded(A{Value(A{5, 1, Fp(), 5, Bytes(33, 1)})}), kBad, "1..32 bytes");
  ExpectRejected(Encoded(A{Value(A{-1, 1, Fp(), 5, Bytes{1}})}), kBad,
                 "infinity bound takes no id prefix");
  ExpectRejected(Encoded(A{Value(A{0, 1, Fp(), 5})}), kBad,
                 "strictly ascending");  // empty first range
  ExpectRejected(Encoded(A{A{5, 1, Fp(), 5, Bytes{7}}, A{0, 1, Fp(), 5, Bytes{3}}}), kBad,
                 "strictly ascending");
  ExpectRejected(Encoded(A{A{-1, 1, Fp(), 5}, A{5, 1, Fp(), 5}}), kBad,
                 "follows the infinity bound");
  ExpectRejected(Encoded(A{A{5, 0}, A{5, 0}, A{-1, 1, Fp(), 5}}), kBad, "adjacent Skip");
  ExpectRejected(Encoded(A{A{5, 1, Fp(), 5}, A{-1, 0}}), kBad, "trailing Skip");
  ExpectRejected(Encoded(A{A{INT64_MAX, 1, Fp(), 5}, A{1, 1, Fp(), 5}}), kBad, "overflows");
  // Non-canonical: the integer 5 as a uint8 (0xcc 0x05) instead of a fixint.
  ExpectRejected({0x91, 0x94, 0xcc, 0x05, 0x01, 0xc4, 0x10, 1, 1, 1, 1, 1,
                  1,    1,    1,    1,    1,    1,    1,    1, 1, 1, 1, 0x05},
                 kBad, "non-canonical");
  // A float where an integer belongs.
  ExpectRejected({0x91, 0x92, 0xca, 0, 0, 0, 0, 0x01}, kBad, "floats");

  // Limits.
  ReconcileLimits small;
  small.max_message_bytes = 4096;
  small.max_ranges = 20;
  MemoryItemSource s;
  auto r = Reconciler::Create(s, small);
  REQUIRE(r.ok());
  auto big = r->Respond(Encoded(A{Value(A{-1, 2, Bytes(32 * 200, 1)})}));
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().code() == Status::Code::kResourceExhausted);
  A many;
  for (int i = 0; i < 21; ++i) many.push_back(A{1, 1, Fp(), 5});
  auto lots = r->Respond(Encoded(many));
  REQUIRE_FALSE(lots.ok());
  CHECK(lots.status().code() == Status::Code::kResourceExhausted);
}

TEST_CASE("protocol/reconcile: fuzzed mutations of valid messages never crash" *
          doctest::test_suite("slow")) {
  std::mt19937_64 rng(42);
  auto items = RandomItems(rng, 2000, 100);
  auto a = Source(items);
  auto extra = RandomItems(rng, 50, 100);
  auto b_items = items;
  b_items.insert(b_items.end(), extra.begin(), extra.end());
  auto b = Source(b_items);
  auto ra = Reconciler::Create(a);
  auto rb = Reconciler::Create(b);
  REQUIRE(ra.ok());
  REQUIRE(rb.ok());
  auto first = rb->Respond(*ra->Initiate());
  REQUIRE(first.ok());
  REQUIRE(first->reply);
  const Bytes valid = *first->reply;
  int rejected = 0;
  for (int i = 0; i < 3000; ++i) {
    Bytes m = valid;
    int kind = static_cast<int>(rng() % 3);
    if (kind == 0) m[rng() % m.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    if (kind == 1) m.resize(rng() % m.size());
    if (kind == 2)
      m.insert(m.begin() + static_cast<std::ptrdiff_t>(rng() % m.size()),
               static_cast<uint8_t>(rng()));
    auto step = ra->Respond(m);  // must return, either way
    if (!step.ok()) ++rejected;
  }
  CHECK(rejected > 1000);
}

TEST_CASE("protocol/reconcile: limits are validated") {
  MemoryItemSource s;
  ReconcileLimits l;
  l.max_message_bytes = 100;
  CHECK_FALSE(Reconciler::Create(s, l).ok());
  l = {};
  l.max_ranges = 4;
  CHECK_FALSE(Reconciler::Create(s, l).ok());
  l = {};
  l.buckets = 1;
  CHECK_FALSE(Reconciler::Create(s, l).ok());
  l = {};
  l.id_list_threshold = 4;
  CHECK_FALSE(Reconciler::Create(s, l).ok());
  CHECK(Reconciler::Create(s, {}).ok());
}

TEST_CASE("protocol/reconcile: message encodings are the documented bytes") {
  MemoryItemSource empty;
  auto r = Reconciler::Create(empty);
  REQUIRE(r.ok());
  // Empty set: one IdList range over everything: [[-1, 2, bin(0)]].
  CHECK(ToHex(*r->Initiate()) == "9193ff02c400");
  auto step = r->Respond(*r->Initiate());
  REQUIRE(step.ok());
  CHECK(ToHex(*step->reply) == "90");
  CHECK(step->finished);
  CHECK(IsFinalReconcileMessage(*step->reply));
  // Two items: one IdList of their short ids (SipHash-2-4 under the all-zero
  // key), ascending bytewise.
  MemoryItemSource two;
  RecordId a, b;
  a.data.fill(0xff);
  b.data.fill(0x11);
  REQUIRE(two.Insert(SyncItem{5, a}).ok());
  REQUIRE(two.Insert(SyncItem{7, b}).ok());
  auto r2 = Reconciler::Create(two);
  REQUIRE(r2.ok());
  CHECK(ToHex(ShortIdOf(ShortIdKey{}, b).view()) == "d7677b26f39f38b6");  // ids 11 x 32
  CHECK(ToHex(ShortIdOf(ShortIdKey{}, a).view()) == "311c256157f5d9b5");  // ids ff x 32
  CHECK(ToHex(*r2->Initiate()) == "9193ff02c410311c256157f5d9b5d7677b26f39f38b6");
  auto last = r->Respond(*step->reply);
  REQUIRE(last.ok());
  CHECK_FALSE(last->reply);
  CHECK(last->finished);
  // Three items over a threshold of 2 (B = 2): one Fingerprint range with
  // the item count, [[-1, 1, fp, 3]].
  MemoryItemSource three;
  for (uint8_t k = 1; k <= 3; ++k) {
    RecordId id;
    id.data.fill(k);
    REQUIRE(three.Insert(SyncItem{uint64_t{4} + k, id}).ok());
  }
  ReconcileLimits small;
  small.buckets = 2;
  small.id_list_threshold = 2;
  auto r3 = Reconciler::Create(three, small);
  REQUIRE(r3.ok());
  CHECK(ToHex(*r3->Initiate()) == "9194ff01c410819a37a131c56c4b73041149964eb84703");
}

}  // namespace
}  // namespace credmesh
