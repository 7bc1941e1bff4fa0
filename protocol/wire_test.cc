#include "protocol/wire.h"

#include <doctest/doctest.h>

#include "protocol/record.h"
#include "protocol/value.h"

namespace credmesh::wire {
namespace {

RecordId Id(uint8_t fill) {
  RecordId id;
  id.data.fill(fill);
  return id;
}

Bytes CertRecord(const std::string& kind) {
  auto key = SigningKey::Generate();
  auto r =
      VerifiedRecord::Create(kind, "district/d1", "node", 1, Value::Map{{"role", "school"}}, key);
  REQUIRE(r.ok());
  return r->bytes();
}

Bytes Enc(Value::Map m) {
  Bytes out;
  EncodeValue(Value(std::move(m)), out);
  return out;
}

Value LimitsValue(int64_t mb = 1 << 20) {
  return Value::Map{{"mb", mb}, {"mg", 1024}, {"mi", 4096}, {"mr", 1024}};
}

template <typename T>
T RoundTrip(const T& m, const SessionLimits& limits = {}) {
  Bytes frame = m.Encode();
  auto d = DecodeMessage(frame, limits);
  REQUIRE_MESSAGE(d.ok(), d.status().ToString());
  REQUIRE(std::holds_alternative<T>(*d));
  CHECK(Encode(*d) == frame);
  return std::get<T>(*d);
}

void ExpectRejected(const Bytes& frame, Status::Code code, const std::string& fragment,
                    const SessionLimits& limits = {}) {
  auto d = DecodeMessage(frame, limits);
  REQUIRE_FALSE(d.ok());
  CHECK(d.status().code() == code);
  CHECK_MESSAGE(d.status().message().find(fragment) != std::string::npos, d.status().message());
}

const auto kBad = Status::Code::kInvalidArgument;
const auto kBig = Status::Code::kResourceExhausted;

TEST_CASE("protocol/wire: every message round-trips") {
  Hello h;
  h.versions = {1, 2};
  h.chain = {CertRecord("district.genesis"), CertRecord("trust.node_cert")};
  h.scopes = {"district/d1", "school/pine", "public/d1"};
  h.limits.max_records = 500;
  h.agent = "credmesh/0.1.0";
  CHECK(RoundTrip(h, HandshakeLimits()) == h);
  h.agent.clear();
  CHECK(RoundTrip(h, HandshakeLimits()) == h);

  Welcome w;
  w.scopes = {"district/d1", "public/d1"};
  w.chain = {CertRecord("district.genesis")};
  w.session.data.fill(0x5a);
  CHECK(RoundTrip(w, HandshakeLimits()) == w);

  Reconcile rc{"school/pine", {0x90}};
  CHECK(RoundTrip(rc) == rc);

  Records rs{"school/pine", {CertRecord("note"), CertRecord("note")}, {Id(3)}};
  CHECK(RoundTrip(rs) == rs);
  Records only_missing{"school/pine", {}, {Id(1), Id(2)}};
  CHECK(RoundTrip(only_missing) == only_missing);

  Want wt{"public/d1", {Id(1), Id(2), Id(3)}};
  CHECK(RoundTrip(wt) == wt);
  CHECK(RoundTrip(Done{"district/d1"}) == Done{"district/d1"});
  CHECK(RoundTrip(Ping{42}) == Ping{42});
  CHECK(RoundTrip(Pong{42}) == Pong{42});
  Error e{426, "no common version", "", {1}};
  CHECK(RoundTrip(e) == e);
  Error e2{403, "scope not granted", "school/oak", {}};
  CHECK(RoundTrip(e2) == e2);
  CHECK(RoundTrip(Bye{}) == Bye{});
  CHECK(RoundTrip(Bye{"all scopes done"}) == Bye{"all scopes done"});
}

TEST_CASE("protocol/wire: encodings are canonical maps with the documented bytes") {
  // {"s": "district/d1", "t": "done"}
  CHECK(ToHex(Done{"district/d1"}.Encode()) == "82a173ab64697374726963742f6431a174a4646f6e65");
  // {"n": 7, "t": "ping"}
  CHECK(ToHex(Ping{7}.Encode()) == "82a16e07a174a470696e67");
  CHECK(ToHex(Bye{}.Encode()) == "81a174a3627965");  // {"t": "bye"}
  CHECK(TypeName(Message(Want{})) == "want");
  CHECK(TypeName(Message(Bye{})) == "bye");
}

TEST_CASE("protocol/wire: unknown keys are ignored for forward compatibility") {
  auto d =
      DecodeMessage(Enc({{"t", "done"}, {"s", "school/pine"}, {"zz", Value::Array{1, 2}}}), {});
  REQUIRE(d.ok());
  CHECK(std::get<Done>(*d).scope == "school/pine");
}

TEST_CASE("protocol/wire: envelope errors") {
  ExpectRejected({}, kBad, "truncated");
  ExpectRejected({0x81, 0xa1, 0x74}, kBad, "truncated");
  ExpectRejected({0x80, 0x00}, kBad, "trailing garbage");
  ExpectRejected({0xc1}, kBad, "malformed");
  ExpectRejected({0x91, 0x01}, kBad, "expected a map");
  ExpectRejected(Enc({{"s", "school/pine"}}), kBad, "missing required field \"t\"");
  ExpectRejected(Enc({{"t", 5}}), kBad, "\"t\" must be a string");
  ExpectRejected(Enc({{"t", "gossip"}}), kBad, "unknown type \"gossip\"");
  // Keys out of order: {"t": "done", "s": "school/pine"}.
  Bytes unsorted = {0x82, 0xa1, 't', 0xa4, 'd', 'o', 'n', 'e', 0xa1, 's', 0xab,
                    's',  'c',  'h', 'o',  'o', 'l', '/', 'p', 'i',  'n', 'e'};
  ExpectRejected(unsorted, kBad, "out of order");
  // Non-shortest integer: {"n": uint8 7, "t": "ping"}.
  ExpectRejected({0x82, 0xa1, 'n', 0xcc, 0x07, 0xa1, 't', 0xa4, 'p', 'i', 'n', 'g'}, kBad,
                 "non-canonical");
  // A float nonce.
  ExpectRejected({0x82, 0xa1, 'n', 0xca, 0, 0, 0, 0, 0xa1, 't', 0xa4, 'p', 'i', 'n', 'g'}, kBad,
                 "floats");
  // Frame over the negotiated size.
  Records big{"school/pine", {Bytes(200'000, 1), Bytes(200'000, 2), Bytes(200'000, 3)}, {}};
  SessionLimits small;
  small.max_message_bytes = 1000;
  ExpectRejected(big.Encode(), kBig, "oversized", small);
  // HELLO over the handshake limit.
  Hello h;
  h.chain = {Bytes(70'000, 1)};
  h.scopes = {"district/d1"};
  ExpectRejected(h.Encode(), kBig, "oversized", HandshakeLimits());
}

TEST_CASE("protocol/wire: HELLO and WELCOME rejections") {
  auto hello = [](const Value::Map& over) {
    Value::Map m{{"t", "hello"},
                 {"v", Value::Array{1}},
                 {"c", Value::Array{Bytes{1, 2, 3}}},
                 {"s", Value::Array{"district/d1"}},
                 {"l", LimitsValue()}};
    for (const auto& [k, v] : over) m[k] = v;
    return m;
  };
  REQUIRE(DecodeMessage(Enc(hello({})), {}).ok());
  auto without = [&](const std::string& key) {
    auto m = hello({});
    m.erase(key);
    return Enc(m);
  };
  for (const char* key : {"v", "c", "s", "l"}) {
    ExpectRejected(without(key), kBad, std::string("missing required field \"") + key + "\"");
  }
  ExpectRejected(Enc(hello({{"v", 1}})), kBad, "\"v\" must be an array");
  ExpectRejected(Enc(hello({{"v", Value::Array{}}})), kBad, "at least 1");
  ExpectRejected(Enc(hello({{"v", Value::Array{0}}})), kBad, "outside 1..65535");
  ExpectRejected(Enc(hello({{"v", Value::Array{1, 1}}})), kBad, "listed twice");
  ExpectRejected(Enc(hello({{"v", Value::Array{"1"}}})), kBad, "must be an integer");
  ExpectRejected(Enc(hello({{"c", Value::Array{}}})), kBad, "at least 1");
  ExpectRejected(Enc(hello({{"c", Value::Array{"cert"}}})), kBad, "encoded records");
  ExpectRejected(Enc(hello({{"c", Value::Array{Bytes{}}}})), kBad, "certificate record must be");
  Value::Array nine(9, Value(Bytes{1}));
  ExpectRejected(Enc(hello({{"c", nine}})), kBad, "at most 8");
  ExpectRejected(Enc(hello({{"s", Value::Array{}}})), kBad, "at least 1");
  ExpectRejected(Enc(hello({{"s", Value::Array{"campus/x"}}})), kBad, "class must be");
  ExpectRejected(Enc(hello({{"s", Value::Array{"school/Pine"}}})), kBad, "may contain only");
  ExpectRejected(Enc(hello({{"s", Value::Array{"school/a", "school/a"}}})), kBad, "listed twice");
  ExpectRejected(Enc(hello({{"s", Value::Array{7}}})), kBad, "array of strings");
  ExpectRejected(Enc(hello({{"l", 5}})), kBad, "\"l\" must be a map");
  ExpectRejected(Enc(hello({{"l", LimitsValue(1000)}})), kBad, "\"mb\" = 1000 is outside");
  ExpectRejected(Enc(hello({{"l", Value::Map{{"mb", 1 << 20}}}})), kBad,
                 "missing required field \"mr\"");
  ExpectRejected(Enc(hello({{"a", std::string(65, 'a')}})), kBad, "longer than 64");

  Value::Map welcome{{"t", "welcome"},
                     {"v", 1},
                     {"s", Value::Array{"public/d1"}},
                     {"l", LimitsValue()},
                     {"c", Value::Array{Bytes{1}}},
                     {"i", Bytes(16, 9)}};
  REQUIRE(DecodeMessage(Enc(welcome), {}).ok());
  auto w2 = welcome;
  w2["i"] = Bytes(15, 9);
  ExpectRejected(Enc(w2), kBad, "must be 16..16 bytes");
  w2 = welcome;
  w2["v"] = Value::Array{1};
  ExpectRejected(Enc(w2), kBad, "\"v\" must be an integer");
  w2 = welcome;
  w2["s"] = Value::Array{};
  ExpectRejected(Enc(w2), kBad, "at least 1");
  w2 = welcome;
  w2.erase("c");
  ExpectRejected(Enc(w2), kBad, "missing required field \"c\"");
}

TEST_CASE("protocol/wire: per-scope message rejections") {
  ExpectRejected(Enc({{"t", "reconcile"}, {"s", "school/pine"}}), kBad,
                 "missing required field \"p\"");
  ExpectRejected(Enc({{"t", "reconcile"}, {"s", "school/pine"}, {"p", "[]"}}), kBad,
                 "must be bytes");
  ExpectRejected(Enc({{"t", "reconcile"}, {"s", "school/pine"}, {"p", Bytes{}}}), kBad, "1..");
  ExpectRejected(Enc({{"t", "reconcile"}, {"s", "pine"}, {"p", Bytes{0x90}}}), kBad, "no '/'");
  ExpectRejected(Enc({{"t", "done"}}), kBad, "missing required field \"s\"");
  ExpectRejected(Enc({{"t", "done"}, {"s", 3}}), kBad, "must be a string");
  ExpectRejected(Enc({{"t", "done"}, {"s", std::string(200, 'a')}}), kBad, "longer than 128");

  ExpectRejected(Enc({{"t", "records"}, {"s", "school/pine"}, {"r", Value::Array{}}}), kBad,
                 "neither records nor missing");
  ExpectRejected(Enc({{"t", "records"}, {"s", "school/pine"}, {"r", Value::Array{"rec"}}}), kBad,
                 "encoded records");
  ExpectRejected(Enc({{"t", "records"}, {"s", "school/pine"}, {"r", Value::Array{Bytes{}}}}), kBad,
                 "a record must be");
  ExpectRejected(Enc({{"t", "records"},
                      {"s", "school/pine"},
                      {"r", Value::Array{}},
                      {"m", Value::Array{Bytes(31, 1)}}}),
                 kBad, "32 bytes");
  SessionLimits tight;
  tight.max_records = 2;
  tight.max_ids = 32;
  Records three{"school/pine", {Bytes{1}, Bytes{2}, Bytes{3}}, {}};
  ExpectRejected(three.Encode(), kBig, "over the limit of 2", tight);

  ExpectRejected(Enc({{"t", "want"}, {"s", "school/pine"}, {"i", Value::Array{}}}), kBad,
                 "at least 1");
  ExpectRejected(Enc({{"t", "want"}, {"s", "school/pine"}, {"i", Value::Array{Bytes(33, 0)}}}),
                 kBad, "32 bytes");
  ExpectRejected(Enc({{"t", "want"}, {"s", "school/pine"}, {"i", Bytes(32, 0)}}), kBad,
                 "must be an array");
  std::vector<RecordId> ids(33, Id(1));
  ExpectRejected(Want{"school/pine", ids}.Encode(), kBig, "over the limit of 32", tight);
  // Far over the limit: stopped by the decoder's container cap before any copy.
  std::vector<RecordId> lots(5000, Id(1));
  ExpectRejected(Want{"school/pine", lots}.Encode(), kBig, "over the limit");
}

TEST_CASE("protocol/wire: PING, PONG, ERROR and BYE rejections") {
  ExpectRejected(Enc({{"t", "ping"}}), kBad, "missing required field \"n\"");
  ExpectRejected(Enc({{"t", "ping"}, {"n", -1}}), kBad, "outside 0..");
  ExpectRejected(Enc({{"t", "pong"}, {"n", "x"}}), kBad, "must be an integer");
  ExpectRejected(Enc({{"t", "error"}, {"m", "x"}}), kBad, "missing required field \"c\"");
  ExpectRejected(Enc({{"t", "error"}, {"c", 200}}), kBad, "outside 400..599");
  ExpectRejected(Enc({{"t", "error"}, {"c", 400}, {"m", std::string(1025, 'x')}}), kBad,
                 "longer than 1024");
  ExpectRejected(Enc({{"t", "bye"}, {"m", 1}}), kBad, "must be a string");
  auto e = DecodeMessage(Enc({{"t", "error"}, {"c", 599}}), {});  // unknown codes are fine
  REQUIRE(e.ok());
  CHECK(IsFatal(std::get<Error>(*e).code));
  CHECK(ErrorCodeName(599) == "unknown");
}

TEST_CASE("protocol/wire: error codes, fatality and status mapping") {
  CHECK_FALSE(IsFatal(422));
  for (int64_t c : {400, 401, 403, 408, 409, 413, 426, 429, 500, 503}) CHECK(IsFatal(c));
  CHECK(ErrorCodeName(413) == "too large");
  CHECK(ErrorCodeFor(Status::InvalidArgument("x")) == ErrorCode::kMalformed);
  CHECK(ErrorCodeFor(Status::ResourceExhausted("x")) == ErrorCode::kTooLarge);
  CHECK(ErrorCodeFor(Status::Unauthorized("x")) == ErrorCode::kUnauthorized);
  CHECK(ErrorCodeFor(Status::FailedPrecondition("x")) == ErrorCode::kOutOfOrder);
  CHECK(ErrorCodeFor(Status::IoError("x")) == ErrorCode::kInternal);
  auto bad = DecodeMessage(Bytes{0xc1}, {});
  CHECK(ErrorCodeFor(bad.status()) == ErrorCode::kMalformed);
}

TEST_CASE("protocol/wire: limits negotiation and version choice") {
  SessionLimits a, b;
  b.max_message_bytes = SessionLimits::kMinMessageBytes;
  b.max_ids = 100;
  auto c = a.Intersect(b);
  CHECK(c.max_message_bytes == SessionLimits::kMinMessageBytes);
  CHECK(c.max_ids == 100);
  CHECK(c.max_records == 1024);
  CHECK(c.Validate().ok());
  SessionLimits bad;
  bad.max_ranges = 8;
  CHECK_FALSE(bad.Validate().ok());
  CHECK(*NegotiateVersion({1}) == 1);
  CHECK(*NegotiateVersion({3, 1, 2}) == 1);
  CHECK_FALSE(NegotiateVersion({2, 3}).ok());
  // Version 2 (files) is picked only when both sides speak it.
  CHECK(*NegotiateVersion({1, 2}, {1, 2}) == 2);
  CHECK(*NegotiateVersion({2, 1}, {1, 2}) == 2);
  CHECK(*NegotiateVersion({1}, {1, 2}) == 1);
  CHECK(*NegotiateVersion({1, 2}, {1}) == 1);
}

TEST_CASE("protocol/wire: GET and CHUNK of version 2") {
  Hash256 h;
  h.data.fill(0x5a);
  CHECK(RoundTrip(Get{h}).hash == h);
  Chunk served{h, Bytes(1000, 7)};
  CHECK(RoundTrip(served) == served);
  Chunk refused{h, std::nullopt};
  CHECK_FALSE(RoundTrip(refused).data.has_value());
  Bytes raw(h.data.begin(), h.data.end());
  ExpectRejected(Enc({{"t", "get"}, {"h", Bytes(31, 1)}}), kBad, "\"h\"");
  ExpectRejected(Enc({{"t", "chunk"}, {"h", raw}, {"d", Bytes()}}), kBad, "\"d\"");
  // A chunk is at most 256 KiB, whatever the frame limit.
  SessionLimits big;
  big.max_message_bytes = SessionLimits::kMaxMessageBytes;
  auto over =
      DecodeMessage(Enc({{"t", "chunk"}, {"h", raw}, {"d", Bytes(kMaxChunkBytes + 1, 1)}}), big);
  CHECK_FALSE(over.ok());
  CHECK(TypeName(Message(Get{h})) == "get");
  CHECK(TypeName(Message(refused)) == "chunk");
  RoundTrip(Fetched{});
  // The sizes of docs/protocol.md §16.2.
  CHECK(ToHex(Fetched{}.Encode()) == "81a174a766657463686564");
  CHECK(Get{h}.Encode().size() == 43);
  CHECK(Chunk{h, Bytes(kMaxChunkBytes, 1)}.Encode().size() == 262196);
  CHECK(TypeName(Message(Fetched{})) == "fetched");
}

TEST_CASE("protocol/wire: CHUNK frames take a direct path that agrees with the generic codec") {
  Hash256 h;
  h.data.fill(0x3c);
  const Bytes raw(h.data.begin(), h.data.end());
  SessionLimits big;
  big.max_message_bytes = SessionLimits::kMaxMessageBytes;
  // Each bin header size, at its edges.
  for (size_t n :
       {size_t{1}, size_t{255}, size_t{256}, size_t{65535}, size_t{65536}, kMaxChunkBytes}) {
    CAPTURE(n);
    Bytes d(n);
    for (size_t i = 0; i < n; ++i) d[i] = static_cast<uint8_t>(i * 31 + 7);
    const Bytes direct = Chunk{h, d}.Encode();
    CHECK(direct == Enc({{"t", "chunk"}, {"h", raw}, {"d", d}}));
    auto back = DecodeMessage(direct, big);
    REQUIRE(back.ok());
    CHECK(std::get<Chunk>(*back) == (Chunk{h, d}));
  }
  Bytes framed = Chunk{h, Bytes(100, 9)}.Encode();
  // The same chunk with a longer bin header than needed: not canonical.
  Bytes longer = framed;
  longer[3] = 0xc5;
  longer.insert(longer.begin() + 4, 0x00);
  ExpectRejected(longer, kBad, "non-canonical");
  // A byte after the map, and a frame cut short, are refused as before.
  Bytes trailing = framed;
  trailing.push_back(0);
  CHECK_FALSE(DecodeMessage(trailing, big).ok());
  CHECK_FALSE(DecodeMessage(ByteView(framed.data(), framed.size() - 1), big).ok());
  // Over the negotiated frame size: refused whatever its shape.
  SessionLimits small;
  small.max_message_bytes = 1000;
  CHECK(DecodeMessage(Chunk{h, Bytes(kMaxChunkBytes, 1)}.Encode(), small).status().code() ==
        Status::Code::kResourceExhausted);
  // A newer peer's extra field: not the direct path's shape, still a CHUNK.
  auto extra = DecodeMessage(Enc({{"t", "chunk"}, {"h", raw}, {"d", Bytes(5, 1)}, {"x", 1}}), big);
  REQUIRE(extra.ok());
  CHECK(std::get<Chunk>(*extra).data == Bytes(5, 1));
}

TEST_CASE("protocol/wire: batching respects the frame and count limits") {
  SessionLimits l;
  l.max_message_bytes = SessionLimits::kMinMessageBytes;
  l.max_records = 3;
  std::vector<Bytes> recs;
  recs.reserve(10);
  for (int i = 0; i < 10; ++i)
    recs.push_back(Bytes(100'000 + static_cast<size_t>(i), static_cast<uint8_t>(i)));
  auto batches = BatchRecords("school/pine", recs, l);
  REQUIRE(batches.ok());
  size_t total = 0;
  for (const auto& b : *batches) {
    CHECK(b.records.size() <= 3);
    CHECK(b.Encode().size() <= static_cast<size_t>(l.max_message_bytes));
    CHECK(DecodeMessage(b.Encode(), l).ok());
    total += b.records.size();
  }
  CHECK(total == 10);
  CHECK(batches->size() == 4);
  auto too_big = BatchRecords("school/pine", {Bytes(600'000, 1)}, l);
  CHECK_FALSE(too_big.ok());
}

TEST_CASE("protocol/wire: a full-size RECONCILE payload fits its frame") {
  SessionLimits l;
  l.max_message_bytes = SessionLimits::kMinMessageBytes;
  ReconcileLimits rl = ReconcileLimitsFor(l);
  CHECK(rl.Validate().ok());
  Reconcile r{"school/" + std::string(RecordLimits::kMaxScope - 7, 'a'),
              Bytes(rl.max_message_bytes, 0)};
  CHECK(r.Encode().size() <= static_cast<size_t>(l.max_message_bytes));
}

TEST_CASE("protocol/wire: mutated frames are refused or decoded, never crash") {
  Hello h;
  h.chain = {CertRecord("district.genesis"), CertRecord("trust.node_cert")};
  h.scopes = {"district/d1", "school/pine"};
  const std::vector<Bytes> seeds = {
      h.Encode(),
      Records{"school/pine", {CertRecord("note")}, {Id(4)}}.Encode(),
      Want{"school/pine", {Id(1), Id(2)}}.Encode(),
      Error{403, "no", "school/oak", {1}}.Encode(),
  };
  uint64_t x = 88172645463325252ull;  // xorshift: deterministic
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  int refused = 0, total = 0;
  for (const auto& seed : seeds) {
    for (int i = 0; i < 2000; ++i, ++total) {
      Bytes m = seed;
      switch (next() % 3) {
        case 0:
          m[next() % m.size()] ^= static_cast<uint8_t>(1 + next() % 255);
          break;
        case 1:
          m.resize(next() % m.size());
          break;
        default:
          m.insert(m.begin() + static_cast<std::ptrdiff_t>(next() % m.size()),
                   static_cast<uint8_t>(next()));
      }
      auto d = DecodeMessage(m, {});
      if (!d.ok()) {
        ++refused;
        CHECK(IsFatal(static_cast<int64_t>(ErrorCodeFor(d.status()))));
      } else {
        // Whatever decodes re-encodes to a frame that decodes the same (a
        // mutation may have produced an ignored unknown key).
        auto again = DecodeMessage(Encode(*d), {});
        REQUIRE(again.ok());
        CHECK(Encode(*again) == Encode(*d));
      }
    }
  }
  CHECK(refused > total / 2);
}

}  // namespace
}  // namespace credmesh::wire
