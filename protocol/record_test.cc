// Round trips and every rejection class of DecodeRecord. Tamper and
// random-input tests are in record_tamper_test.cc.
#include "protocol/record.h"

#include <doctest/doctest.h>

#include <numeric>
#include <string>
#include <vector>

#include "protocol/hlc.h"

namespace credmesh {
namespace {

SigningKey TestKey(uint8_t first = 0) {
  Bytes seed(32);
  std::iota(seed.begin(), seed.end(), first);
  return std::move(*SigningKey::FromSeed(seed));
}

Bytes Enc(const Value& v) {
  Bytes out;
  EncodeValue(v, out);
  return out;
}

Bytes Raw(std::string_view hex) { return *FromHex(hex); }

Bytes Cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Record Sample(uint64_t hlc = HybridClock::Make(1'700'000'000'000, 7)) {
  Record r;
  r.kind = "note";
  r.scope = "school/pine";
  r.entity = "note-1";
  r.hlc = hlc;
  r.body = Value::Map{{"text", Value("hello")}, {"n", Value(-200)}};
  SignRecord(r, TestKey());
  return r;
}

// The eight fields, each encoded on its own, so a test can replace one.
std::vector<Bytes> Fields(const Record& r) {
  return {Enc(static_cast<int64_t>(r.version)),
          Enc(r.kind),
          Enc(r.scope),
          Enc(r.entity),
          Enc(static_cast<int64_t>(r.hlc)),
          Enc(Bytes(r.author.data.begin(), r.author.data.end())),
          Enc(r.body),
          Enc(Bytes(r.signature.data.begin(), r.signature.data.end()))};
}

// A fixarray of the given encoded elements.
Bytes Assemble(const std::vector<Bytes>& fields) {
  REQUIRE(fields.size() < 16);
  Bytes out{static_cast<uint8_t>(0x90 | fields.size())};
  for (const auto& f : fields) out = Cat(out, f);
  return out;
}

// Sample() with field `i` replaced by the raw encoding `bytes`.
Bytes WithField(size_t i, const Bytes& bytes, const Record& r = Sample()) {
  auto f = Fields(r);
  f[i] = bytes;
  return Assemble(f);
}

void ExpectRejected(const Bytes& data, std::string_view fragment) {
  auto r = DecodeRecord(data);
  REQUIRE_FALSE_MESSAGE(r.ok(), ToHex(data));
  CHECK_MESSAGE(r.status().message().find(fragment) != std::string::npos, r.status().message(),
                " does not contain ", fragment);
}

TEST_CASE("protocol/record: layout is an 8-element array in field order") {
  Record r = Sample();
  Bytes enc = EncodeRecord(r);
  CHECK(enc == Assemble(Fields(r)));
  CHECK(enc[0] == 0x98);
  auto seven = Fields(r);
  seven.pop_back();
  const std::string domain("credmesh/record/v1\0", 19);
  CHECK(SigningMessage(r) == Cat(Bytes(domain.begin(), domain.end()), Assemble(seven)));
  CHECK(VerifySignature(r.author, SigningMessage(r), r.signature));
  CHECK(ComputeRecordId(enc) == Blake2b256(enc));
}

TEST_CASE("protocol/record: encode/decode round trip") {
  Record r = Sample();
  r.body = Value::Map{{"bool", Value(false)},
                      {"bytes", Value(Bytes{0, 1, 255})},
                      {"int_max", Value(INT64_MAX)},
                      {"int_min", Value(INT64_MIN)},
                      {"list", Value(Value::Array{Value(), Value("x"), Value(Value::Map{})})},
                      {"utf8", Value("caf\xc3\xa9")}};
  SignRecord(r, TestKey(9));
  auto back = DecodeRecord(EncodeRecord(r));
  REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  CHECK(*back == r);
  for (uint64_t hlc : {uint64_t{0}, uint64_t{127}, uint64_t{128}, uint64_t{65536},
                       uint64_t{1} << 32, static_cast<uint64_t>(INT64_MAX)}) {
    CAPTURE(hlc);
    Record h = Sample(hlc);
    auto d = DecodeRecord(EncodeRecord(h));
    REQUIRE(d.ok());
    CHECK(d->hlc == hlc);
  }
}

TEST_CASE("protocol/record: Create signs and verifies, its id hashes its bytes") {
  SigningKey key = TestKey(3);
  Value body = Value::Map{{"a", Value(1)}};
  auto v = VerifiedRecord::Create("trust.grant", "district/maple", "node:1", 42, body, key);
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  CHECK(v->record().kind == "trust.grant");
  CHECK(v->record().scope == "district/maple");
  CHECK(v->record().entity == "node:1");
  CHECK(v->record().hlc == 42);
  CHECK(v->record().body == body);
  CHECK(v->record().author == key.public_key());
  CHECK(v->bytes() == EncodeRecord(v->record()));
  CHECK(v->id() == Blake2b256(v->bytes()));
  auto again = VerifiedRecord::VerifyWithId(v->bytes(), v->id());
  REQUIRE(again.ok());
  CHECK(again->record() == v->record());
  auto empty = VerifiedRecord::Create("note", "public/maple", "e", 1, Value::Map{}, key);
  REQUIRE(empty.ok());
  CHECK(empty->record().body == Value(Value::Map{}));
}

TEST_CASE("protocol/record: Verify checks the signature over exactly SigningMessage") {
  // Verify cuts the signed bytes out of the encoding instead of encoding them
  // again; bodies of every length class must still verify, and a signature
  // over anything else must not.
  SigningKey key = TestKey(5);
  for (size_t len : {size_t{0}, size_t{31}, size_t{32}, size_t{255}, size_t{256}, size_t{65535},
                     size_t{65536}, size_t{150 * 1024}}) {
    CAPTURE(len);
    Record r = Sample();
    r.body = Value::Map{{"s", Value(std::string(len, 'x'))}, {"b", Value(Bytes(len / 2, 7))}};
    SignRecord(r, key);
    const Bytes enc = EncodeRecord(r);
    auto v = VerifiedRecord::Verify(enc);
    REQUIRE_MESSAGE(v.ok(), v.status().ToString());
    CHECK(v->record() == r);
    // Signed over the eight-element array (the encoding itself, with the
    // signature field) instead of the seven-element one: refused.
    Bytes wrong(SigningMessage(r));
    wrong.resize(19);
    wrong.insert(wrong.end(), enc.begin(), enc.end());
    r.signature = key.Sign(wrong);
    auto bad = VerifiedRecord::Verify(EncodeRecord(r));
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().message() == "record: bad signature");
  }
}

TEST_CASE("protocol/record: Create refuses invalid fields and oversized records") {
  SigningKey key = TestKey();
  auto bad = VerifiedRecord::Create("Note", "school/pine", "e", 1, Value::Map{}, key);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "kind \"Note\" may contain only a-z 0-9 . _ -");
  auto not_map = VerifiedRecord::Create("note", "school/pine", "e", 1, Value(3), key);
  REQUIRE_FALSE(not_map.ok());
  CHECK(not_map.status().message() == "type confusion: body must be a map");
  auto big = VerifiedRecord::Create("note", "school/pine", "e", 1,
                                    Value::Map{{"b", Value(Bytes(300 * 1024))}}, key);
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().code() == Status::Code::kResourceExhausted);
  CHECK(big.status().message().find("exceeds the limit of 262144") != std::string::npos);
}

TEST_CASE("protocol/record: VerifyWithId rejects a wrong id") {
  Bytes enc = EncodeRecord(Sample());
  RecordId wrong = Blake2b256(enc);
  wrong.data[0] ^= 1;
  auto v = VerifiedRecord::VerifyWithId(enc, wrong);
  REQUIRE_FALSE(v.ok());
  CHECK(v.status().code() == Status::Code::kCorruption);
  CHECK(v.status().message().find("record: id mismatch") != std::string::npos);
}

TEST_CASE("protocol/record: non-canonical encodings are rejected") {
  const char* kNonCanonical = "record: non-canonical encoding";
  Record small = Sample(300);  // canonical hlc is cd012c
  CHECK(DecodeRecord(WithField(4, Raw("cd012c"), small)).ok());
  ExpectRejected(WithField(4, Raw("ce0000012c"), small), kNonCanonical);
  ExpectRejected(WithField(4, Raw("cf000000000000012c"), small), kNonCanonical);
  ExpectRejected(WithField(4, Raw("d1012c"), small), kNonCanonical);  // int16 form
  ExpectRejected(WithField(0, Raw("cc01")), kNonCanonical);           // version
  ExpectRejected(WithField(0, Raw("d001")), kNonCanonical);
  ExpectRejected(WithField(1, Cat(Raw("da0004"), Bytes{'n', 'o', 't', 'e'})), kNonCanonical);
  ExpectRejected(WithField(1, Cat(Raw("d904"), Bytes{'n', 'o', 't', 'e'})), kNonCanonical);
  Record r = Sample();
  ExpectRejected(
      WithField(5, Cat(Raw("c50020"), Bytes(r.author.data.begin(), r.author.data.end()))),
      kNonCanonical);
  ExpectRejected(WithField(6, Raw("de0000")), kNonCanonical);  // map16 for {}
  Bytes enc = EncodeRecord(r);  // 98 ...: re-wrap the fields as array16
  ExpectRejected(Cat(Raw("dc0008"), Bytes(enc.begin() + 1, enc.end())), kNonCanonical);
  // Body keys: "a" < "b" bytewise; anything else is refused by name.
  ExpectRejected(WithField(6, Raw("82a16201a16102")),
                 "record.body: non-canonical: map key \"a\" is out of order");
  ExpectRejected(WithField(6, Raw("82a16101a16102")),
                 "record.body: non-canonical: map key \"a\" is duplicated");
  ExpectRejected(WithField(6, Raw("81a178"
                                  "82a16101a16101")),
                 "record.body.x: non-canonical: map key \"a\" is duplicated");
  ExpectRejected(WithField(6, Raw("81a16bcc05")), kNonCanonical);  // 5 as uint8
}

TEST_CASE("protocol/record: every strict prefix is rejected as truncated") {
  Bytes enc = EncodeRecord(Sample());
  ExpectRejected({}, "record: truncated: empty input");
  for (size_t n = 1; n < enc.size(); ++n) {
    CAPTURE(n);
    ExpectRejected(Bytes(enc.begin(), enc.begin() + static_cast<long>(n)),
                   "record: truncated: input ends inside an object");
  }
  CHECK(DecodeRecord(enc).ok());
  // Lengths announced past the end: a 300000-byte str, a 4-billion-byte bin.
  ExpectRejected(WithField(1, Raw("db000493e06e6f7465")), "record: truncated");
  ExpectRejected(WithField(7, Raw("c6ffffffff00")), "record: truncated");
  ExpectRejected(Raw("ddffffffff"), "record: container or string over the limit");
}

TEST_CASE("protocol/record: trailing bytes are rejected") {
  Bytes enc = EncodeRecord(Sample());
  ExpectRejected(Cat(enc, {0x00}), "record: trailing garbage: 1 bytes after the object");
  ExpectRejected(Cat(enc, enc), "trailing garbage");
}

TEST_CASE("protocol/record: size limit is 256 KiB for the whole encoding") {
  // Grow a bin body field until the encoding is exactly at the limit.
  auto with_blob = [](size_t n) {
    Record r = Sample();
    r.body = Value::Map{{"blob", Value(Bytes(n, 0xab))}};
    SignRecord(r, TestKey());
    return EncodeRecord(r);
  };
  const size_t base = with_blob(100000).size() - 100000;
  const size_t fit = RecordLimits::kMaxRecordSize - base;
  Bytes at_limit = with_blob(fit);
  REQUIRE(at_limit.size() == 262144);
  CHECK(VerifiedRecord::Verify(at_limit).ok());
  Bytes over = with_blob(fit + 1);
  auto r = DecodeRecord(over);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kResourceExhausted);
  CHECK(r.status().message() == "record: oversized: 262145 bytes exceeds the limit of 262144");
}

TEST_CASE("protocol/record: type confusion in each field") {
  struct Case {
    size_t field;
    const char* hex;
    const char* name;
  };
  const Case cases[] = {
      {0, "a131", "version"}, {0, "ff", "version"},     {0, "c3", "version"},
      {1, "01", "kind"},      {1, "c4016e", "kind"},    {1, "c0", "kind"},
      {2, "c0", "scope"},     {2, "91a161", "scope"},   {3, "c0", "entity"},
      {3, "2a", "entity"},    {4, "a131", "timestamp"}, {4, "ff", "timestamp"},
      {4, "c2", "timestamp"}, {5, "a0", "author"},      {5, "c0", "author"},
      {5, "90", "author"},    {6, "90", "body"},        {6, "c0", "body"},
      {6, "a0", "body"},      {6, "c400", "body"},      {7, "a0", "signature"},
      {7, "c0", "signature"}, {7, "80", "signature"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.hex);
    ExpectRejected(WithField(c.field, Raw(c.hex)),
                   std::string("record: type confusion: field ") + c.name + " has the wrong type");
  }
  ExpectRejected(Raw("80"), "record: type confusion: expected an array of 8 fields");
  ExpectRejected(Raw("a474657374"), "expected an array of 8 fields");
  auto f = Fields(Sample());
  auto seven = f;
  seven.pop_back();
  ExpectRejected(Assemble(seven), "record: expected 8 fields, got 7");
  auto nine = f;
  nine.push_back(Raw("c0"));
  ExpectRejected(Assemble(nine), "record: expected 8 fields, got 9");
  ExpectRejected(Raw("90"), "expected 8 fields, got 0");
}

TEST_CASE("protocol/record: body values outside the value model are rejected") {
  ExpectRejected(WithField(6, Raw("81a178cb3ff0000000000000")),
                 "record.body.x: type confusion: floats are not allowed");
  ExpectRejected(WithField(6, Raw("81a17892c0ca3f800000")),
                 "record.body.x[1]: type confusion: floats are not allowed");
  ExpectRejected(WithField(6, Raw("81a178d40100")),
                 "record.body.x: type confusion: extension types are not allowed");
  ExpectRejected(WithField(6, Raw("810101")),
                 "record.body: type confusion: map keys must be strings");
  ExpectRejected(WithField(6, Raw("81a17881c001")),
                 "record.body.x: type confusion: map keys must be strings");
  ExpectRejected(WithField(6, Raw("81a178a2c328")), "record.body.x: string is not valid UTF-8");
  ExpectRejected(WithField(6, Raw("81a2eda001")), "record.body: map key is not valid UTF-8");
  ExpectRejected(WithField(6, Raw("81a178cf8000000000000000")),
                 "record.body.x: integer out of range");
  ExpectRejected(WithField(6, Raw("81a178c1")), "record: malformed: invalid MessagePack byte");
  // The error names the exact location, however deep.
  ExpectRejected(WithField(6, Raw("81a16191"
                                  "81a16291"
                                  "ca3fc00000")),
                 "record.body.a[0].b[0]: type confusion: floats are not allowed");
}

TEST_CASE("protocol/record: author and signature lengths") {
  for (size_t n : {0, 31, 33, 64}) {
    CAPTURE(n);
    ExpectRejected(WithField(5, Enc(Bytes(n, 1))), "record: author key must be 32 bytes");
  }
  for (size_t n : {0, 32, 63, 65}) {
    CAPTURE(n);
    ExpectRejected(WithField(7, Enc(Bytes(n, 1))), "record: signature must be 64 bytes");
  }
}

TEST_CASE("protocol/record: version, kind, scope and entity syntax") {
  struct Case {
    size_t field{};
    Value value;
    const char* message{};
  };
  const std::string long_name(120, 'a');
  const Case cases[] = {
      {0, Value(0), "record: unsupported record format version 0"},
      {0, Value(2), "record: unsupported record format version 2"},
      {1, Value(""), "record: kind must be 1..64 bytes"},
      {1, Value(std::string(65, 'k')), "record: kind must be 1..64 bytes"},
      {1, Value("Note"), "record: kind \"Note\" may contain only a-z 0-9 . _ -"},
      {1, Value("no te"), "may contain only a-z 0-9 . _ -"},
      {1, Value("caf\xc3\xa9"), "may contain only"},
      {2, Value("school"), "record: scope \"school\" has no '/'"},
      {2, Value("county/pine"),
       "record: scope \"county/pine\": class must be district, school or public"},
      {2, Value("/pine"), "class must be district, school or public"},
      {2, Value("school/"), "record: scope name must be 1..119 bytes"},
      {2, Value("school/Pine"), "scope name \"Pine\" may contain only a-z 0-9 . _ -"},
      {2, Value("school/a/b"), "scope name \"a/b\" may contain only"},
      {2, Value("school/" + long_name), "record: scope name must be 1..119 bytes"},
      {2, Value("district/" + long_name), "record: scope too long"},
      {3, Value(""), "record: entity must be 1..128 bytes"},
      {3, Value(std::string(129, 'e')), "record: entity must be 1..128 bytes"},
      {3, Value("a b"), "record: entity must be printable ASCII"},
      {3, Value("tab\t"), "entity must be printable ASCII"},
      {3, Value("caf\xc3\xa9"), "entity must be printable ASCII"},
      {3, Value(std::string("a\0b", 3)), "entity must be printable ASCII"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.message);
    ExpectRejected(WithField(c.field, Enc(c.value)), c.message);
  }
  ExpectRejected(WithField(4, Raw("cf8000000000000000")), "record: timestamp out of range");
  ExpectRejected(WithField(0, Raw("cfffffffffffffffff")),
                 "unsupported record format version 18446744073709551615");
}

TEST_CASE("protocol/record: longest allowed names are accepted") {
  Record r = Sample();
  r.kind = std::string(64, 'k');
  r.scope = "district/" + std::string(119, 's');
  r.entity = std::string(128, '~');
  CHECK(ValidateRecordFields(r).ok());
  SignRecord(r, TestKey());
  CHECK(VerifiedRecord::Verify(EncodeRecord(r)).ok());
  auto scope = ParseScope("school/pine");
  REQUIRE(scope.ok());
  CHECK(scope->kind == "school");
  CHECK(scope->name == "pine");
}

// A body {"x": [[...]]} whose nesting, counting the body itself, is `levels`.
Bytes NestedBody(size_t levels) {
  Bytes out = Cat(Raw("81a178"), Bytes(levels - 2, 0x91));  // {"x": [[...
  out.push_back(0x90);                                      // ...[]]]}
  return out;
}

TEST_CASE("protocol/record: body nesting limit is 16 levels including the body") {
  CHECK(DecodeRecord(WithField(6, NestedBody(16))).ok());
  auto r = DecodeRecord(WithField(6, NestedBody(17)));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kResourceExhausted);
  CHECK(r.status().message().find("record.body.x[0]") == 0);
  CHECK(r.status().message().find(": nesting too deep") != std::string::npos);
  auto deep = DecodeRecord(WithField(6, NestedBody(5000)));
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.status().code() == Status::Code::kResourceExhausted);
  CHECK(deep.status().message() == "record: nesting deeper than 17");
}

TEST_CASE("protocol/record: at most 4096 elements per array or map") {
  Value::Map m;
  for (int i = 0; i < 4096; ++i) m.emplace(std::to_string(10000 + i), Value(i % 100));
  CHECK(DecodeRecord(WithField(6, Enc(m))).ok());
  m.emplace("zzz", Value());
  auto r = DecodeRecord(WithField(6, Enc(m)));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kResourceExhausted);
  CHECK(r.status().message() == "record: container or string over the limit (map size overflow)");
  CHECK(DecodeRecord(WithField(6, Enc(Value::Map{{"a", Value::Array(4096, Value())}}))).ok());
  ExpectRejected(WithField(6, Enc(Value::Map{{"a", Value::Array(4097, Value())}})),
                 "record: container or string over the limit (array size overflow)");
}

}  // namespace
}  // namespace credmesh
