#include "protocol/value.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

namespace credmesh {
namespace {

Bytes Hex(std::string_view hex) {
  auto b = FromHex(hex);
  REQUIRE(b.has_value());
  return *b;
}

// "k" + std::to_string(i) written as an append: GCC 12 at -O3 reports a
// false -Wrestrict on `const char* + std::string&&` (GCC bug 105329).
std::string Numbered(const char* prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

std::string EncodeHex(const Value& v) {
  Bytes out;
  EncodeValue(v, out);
  return ToHex(out);
}

// Encodes, checks the exact bytes, and checks that decoding gives `v` back.
void CheckCanonical(const Value& v, std::string_view expected_hex) {
  Bytes out;
  EncodeValue(v, out);
  CHECK(ToHex(out) == expected_hex);
  auto back = DecodeValue(out);
  REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  CHECK(*back == v);
}

// Decoding `hex` must fail with a message containing `fragment`.
void CheckRejected(std::string_view hex, std::string_view fragment,
                   const ValueLimits& limits = {}) {
  auto r = DecodeValue(Hex(hex), limits);
  REQUIRE_FALSE_MESSAGE(r.ok(), hex);
  CHECK_MESSAGE(r.status().message().find(fragment) != std::string::npos, r.status().message());
}

TEST_CASE("protocol/value: scalars round trip in their one canonical form") {
  CheckCanonical(Value(), "c0");
  CheckCanonical(Value(false), "c2");
  CheckCanonical(Value(true), "c3");
  CheckCanonical(Value(""), "a0");
  CheckCanonical(Value("abc"), "a3616263");
  CheckCanonical(Value(Bytes{}), "c400");
  CheckCanonical(Value(Bytes{0x00, 0xff}), "c40200ff");
}

TEST_CASE("protocol/value: integers use the shortest form at every boundary") {
  struct Case {
    int64_t v;
    const char* hex;
  };
  const Case cases[] = {
      {0, "00"},
      {127, "7f"},
      {128, "cc80"},
      {255, "ccff"},
      {256, "cd0100"},
      {65535, "cdffff"},
      {65536, "ce00010000"},
      {4294967295, "ceffffffff"},
      {4294967296, "cf0000000100000000"},
      {-1, "ff"},
      {-32, "e0"},
      {-33, "d0df"},
      {-128, "d080"},
      {-129, "d1ff7f"},
      {-32768, "d18000"},
      {-32769, "d2ffff7fff"},
      {-2147483648LL, "d280000000"},
      {-2147483649LL, "d3ffffffff7fffffff"},
      {std::numeric_limits<int64_t>::min(), "d38000000000000000"},
      {std::numeric_limits<int64_t>::max(), "cf7fffffffffffffff"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.v);
    CheckCanonical(Value(c.v), c.hex);
  }
}

TEST_CASE("protocol/value: longer forms of a value are rejected as non-canonical") {
  for (const char* hex : {"cc00",
                          "cd0000",
                          "ce00000000",
                          "cf0000000000000000",
                          "d000",
                          "d07f",
                          "cc7f",
                          "cd00ff",
                          "ce0000ffff",
                          "cf00000000ffffffff",
                          "d0ff",
                          "d1ffff",
                          "d1ff80",
                          "d2ffffff80",
                          "d3ffffffff80000000",
                          "d9026869",  // str8 "hi"
                          "da00026869",
                          "c500020102",
                          "dc0000",
                          "de0000"}) {
    CAPTURE(hex);
    CheckRejected(hex, "non-canonical");
  }
}

TEST_CASE("protocol/value: integers above INT64_MAX are refused") {
  CheckRejected("cf8000000000000000", "integer out of range");
  CheckRejected("cfffffffffffffffff", "integer out of range");
}

TEST_CASE("protocol/value: string, bytes and container length boundaries") {
  auto header_of = [](const Value& v) { return EncodeHex(v).substr(0, 6); };
  CHECK(header_of(Value(std::string(31, 'x'))) == "bf7878");
  CHECK(header_of(Value(std::string(32, 'x'))) == "d92078");
  CHECK(header_of(Value(std::string(255, 'x'))) == "d9ff78");
  CHECK(header_of(Value(std::string(256, 'x'))) == "da0100");
  CHECK(EncodeHex(Value(std::string(65536, 'x'))).substr(0, 10) == "db00010000");
  CHECK(header_of(Value(Bytes(255, 1))) == "c4ff01");
  CHECK(header_of(Value(Bytes(256, 1))) == "c50100");
  CHECK(EncodeHex(Value(Bytes(65536, 1))).substr(0, 10) == "c600010000");
  CHECK(header_of(Value(Value::Array(15, Value()))) == "9fc0c0");
  CHECK(header_of(Value(Value::Array(16, Value()))) == "dc0010");
  for (size_t n : {size_t{0}, size_t{31}, size_t{32}, size_t{255}, size_t{256}, size_t{65536}}) {
    CAPTURE(n);
    Bytes enc;
    EncodeValue(Value(std::string(n, 'q')), enc);
    CHECK(*DecodeValue(enc) == Value(std::string(n, 'q')));
    enc.clear();
    EncodeValue(Value(Bytes(n, 7)), enc);
    CHECK(*DecodeValue(enc) == Value(Bytes(n, 7)));
  }
}

TEST_CASE("protocol/value: arrays and maps round trip, nested") {
  Value::Map inner{{"k", Value(Bytes{1, 2, 3})}, {"n", Value(-5)}};
  Value v(Value::Map{{"list", Value(Value::Array{Value(1), Value("two"), Value(), Value(true)})},
                     {"map", Value(inner)},
                     {"empty_a", Value(Value::Array{})},
                     {"empty_m", Value(Value::Map{})}});
  Bytes enc;
  EncodeValue(v, enc);
  auto back = DecodeValue(enc);
  REQUIRE(back.ok());
  CHECK(*back == v);
  Value::Map sixteen;
  for (int i = 0; i < 16; ++i) sixteen.emplace(Numbered("k", 100 + i), Value(i));
  CHECK(EncodeHex(Value(sixteen)).substr(0, 6) == "de0010");
  CHECK(EncodeHex(Value(Value::Map{{"a", Value(1)}})) == "81a16101");
}

TEST_CASE("protocol/value: map keys are sorted bytewise") {
  // "\xc3\xa9" (e-acute) sorts after "z" because bytes compare unsigned.
  Value v(Value::Map{{"b", Value(1)},
                     {"\xc3\xa9", Value(2)},
                     {"a", Value(3)},
                     {"aa", Value(4)},
                     {"B", Value(5)},
                     {"", Value(6)},
                     {"z", Value(7)}});
  CHECK(EncodeHex(v) == "87a006a14205a16103a2616104a16201a17a07a2c3a902");
  auto back = DecodeValue(Hex("87a006a14205a16103a2616104a16201a17a07a2c3a902"));
  REQUIRE(back.ok());
  CHECK(*back == v);
}

TEST_CASE("protocol/value: unsorted or duplicate keys are rejected") {
  CheckRejected("82a16201a16102", "map key \"a\" is out of order");
  CheckRejected("82a16101a16102", "map key \"a\" is duplicated");
  CheckRejected("82a2c3a901a17a02", "is out of order");  // "é" before "z"
  CheckRejected("82a2616101a16102", "is out of order");  // "aa" before "a"
  CheckRejected("810101", "map keys must be strings");
  CheckRejected(
      "81c40161"
      "01",
      "map keys must be strings");  // bin key
}

TEST_CASE("protocol/value: floats, ext types and malformed bytes are rejected") {
  CheckRejected("cb3ff0000000000000", "floats are not allowed");
  CheckRejected("ca3f800000", "floats are not allowed");
  CheckRejected("91cb3ff0000000000000", "value[0]: type confusion: floats");
  CheckRejected("d40100", "extension types are not allowed");
  CheckRejected("c70101ff", "extension types are not allowed");
  CheckRejected("c1", "malformed");
  CheckRejected("", "truncated");
  CheckRejected("92c0", "truncated");
  CheckRejected("a36162", "truncated");
  CheckRejected("c0c0", "trailing garbage");
  CheckRejected("a2c328", "not valid UTF-8");
  CheckRejected("81a2c32801", "map key is not valid UTF-8");
}

TEST_CASE("protocol/value: depth and container limits") {
  ValueLimits limits;                // depth 16, 4096 elements
  auto nested = [](size_t levels) {  // [[[...[]...]]]
    Bytes out(levels - 1, 0x91);
    out.push_back(0x90);
    return out;
  };
  CHECK(DecodeValue(nested(16), limits).ok());
  auto r17 = DecodeValue(nested(17), limits);
  REQUIRE_FALSE(r17.ok());
  CHECK(r17.status().code() == Status::Code::kResourceExhausted);
  CHECK(r17.status().message().find("nesting too deep") != std::string::npos);
  auto r1000 = DecodeValue(nested(1000), limits);
  REQUIRE_FALSE(r1000.ok());
  CHECK(r1000.status().message().find("nesting deeper than 16") != std::string::npos);

  Bytes ok;
  EncodeValue(Value(Value::Array(4096, Value())), ok);
  CHECK(DecodeValue(ok, limits).ok());
  Bytes big;
  EncodeValue(Value(Value::Array(4097, Value())), big);
  auto r = DecodeValue(big, limits);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kResourceExhausted);
  CHECK(r.status().message().find("array size overflow") != std::string::npos);
  ValueLimits small{4, 2};
  CheckRejected("83a16101a16202a16303", "map size overflow", small);
  CHECK(DecodeValue(Hex("82a16101a16202"), small).ok());
}

TEST_CASE("protocol/value: map lookups") {
  Value v(Value::Map{{"s", Value("x")}, {"i", Value(7)}});
  REQUIRE(v.Find("s") != nullptr);
  CHECK(v.Find("nope") == nullptr);
  CHECK(Value(3).Find("s") == nullptr);
  CHECK(v.GetString("s") == "x");
  CHECK(v.GetString("i", "fb") == "fb");
  CHECK(v.GetInt("i") == 7);
  CHECK(v.GetInt("s", -1) == -1);
}

TEST_CASE("protocol/value: JSON conversion both ways") {
  Value v(Value::Map{{"b", Value(true)},
                     {"bytes", Value(Bytes{0xde, 0xad})},
                     {"list", Value(Value::Array{Value(1), Value(), Value("s")})},
                     {"max", Value(std::numeric_limits<int64_t>::max())},
                     {"min", Value(std::numeric_limits<int64_t>::min())},
                     {"nested", Value(Value::Map{{"k", Value("v")}})}});
  nlohmann::json j = ValueToJson(v);
  CHECK(j.dump() ==
        R"({"b":true,"bytes":{"$hex":"dead"},"list":[1,null,"s"],"max":9223372036854775807,)"
        R"("min":-9223372036854775808,"nested":{"k":"v"}})");
  auto back = ValueFromJson(nlohmann::json::parse(j.dump()));
  REQUIRE(back.ok());
  CHECK(*back == v);

  auto parsed = ValueFromJson(nlohmann::json::parse(R"({"z":[{"$hex":"00FF"}],"a":-3})"));
  REQUIRE(parsed.ok());
  CHECK(*parsed ==
        Value(Value::Map{{"a", Value(-3)}, {"z", Value(Value::Array{Value(Bytes{0x00, 0xff})})}}));
}

TEST_CASE("protocol/value: JSON input that has no Value form is refused") {
  auto refused = [](const char* text, const char* fragment) {
    auto r = ValueFromJson(nlohmann::json::parse(text));
    REQUIRE_FALSE_MESSAGE(r.ok(), text);
    CHECK_MESSAGE(r.status().message().find(fragment) != std::string::npos, r.status().message());
  };
  refused("1.5", "fractional numbers are not supported");
  refused(R"({"x":[2.0]})", "fractional numbers");
  refused("9223372036854775808", "integer too large");
  refused(R"({"$hex":"abc"})", "$hex is not valid hex");
  refused(R"({"$hex":"zz"})", "$hex is not valid hex");
  // A "$hex" key next to others is an ordinary map key.
  auto m = ValueFromJson(nlohmann::json::parse(R"({"$hex":"00","other":1})"));
  REQUIRE(m.ok());
  CHECK(m->is_map());
}

TEST_CASE("protocol/value: UTF-8 validation") {
  const char* valid[] = {"",
                         "plain ascii",
                         "\xc3\xa9",
                         "\xe2\x82\xac",
                         "\xf0\x9d\x84\x9e",
                         "\xc2\x80",
                         "\xdf\xbf",
                         "\xe0\xa0\x80",
                         "\xed\x9f\xbf",
                         "\xee\x80\x80",
                         "\xef\xbf\xbf",
                         "\xf0\x90\x80\x80",
                         "\xf4\x8f\xbf\xbf"};
  for (const char* s : valid) {
    CAPTURE(ToHex(AsBytes(s)));
    CHECK(IsValidUtf8(s));
  }
  CHECK(IsValidUtf8(std::string_view("a\0b", 3)));
  const char* invalid[] = {"\xc0\xaf",
                           "\xc1\xbf",
                           "\xe0\x80\xaf",
                           "\xe0\x9f\xbf",
                           "\xf0\x80\x80\xaf",
                           "\xf0\x8f\xbf\xbf",  // overlongs
                           "\xed\xa0\x80",
                           "\xed\xbf\xbf",
                           "\xed\xaf\xbf",  // surrogates
                           "\xf4\x90\x80\x80",
                           "\xf7\xbf\xbf\xbf",  // above U+10FFFF
                           "\xf8\x88\x80\x80\x80",
                           "\xfe",
                           "\xff",  // invalid lead bytes
                           "\x80",
                           "a\xbf",  // lone continuation
                           "\xc3",
                           "\xe2\x82",
                           "\xf0\x9d\x84",
                           "ab\xe2",  // truncated
                           "\xc3\x28",
                           "\xe2\x28\xa1",
                           "\xf0\x9d\x28\x9e"};  // bad continuation
  for (const char* s : invalid) {
    CAPTURE(ToHex(AsBytes(s)));
    CHECK_FALSE(IsValidUtf8(s));
  }
}

}  // namespace
}  // namespace credmesh
