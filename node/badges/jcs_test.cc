#include "node/badges/jcs.h"

#include <doctest/doctest.h>

#include <bit>
#include <cstdint>

namespace credmesh {
namespace {

double FromBits(uint64_t bits) { return std::bit_cast<double>(bits); }

std::string Jcs(const std::string& text) {
  auto r = CanonicalizeJcs(nlohmann::json::parse(text));
  REQUIRE(r.ok());
  return *r;
}

TEST_CASE("badges/jcs: RFC 8785 Appendix B number vectors") {
  struct Vector {
    uint64_t bits;
    const char* text;
  };
  const Vector vectors[] = {
      {0x0000000000000000, "0"},
      {0x8000000000000000, "0"},
      {0x0000000000000001, "5e-324"},
      {0x8000000000000001, "-5e-324"},
      {0x7fefffffffffffff, "1.7976931348623157e+308"},
      {0xffefffffffffffff, "-1.7976931348623157e+308"},
      {0x4340000000000000, "9007199254740992"},
      {0xc340000000000000, "-9007199254740992"},
      {0x4430000000000000, "295147905179352830000"},
      {0x44b52d02c7e14af5, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6, "1e+23"},
      {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4e, "999999999999999700000"},
      {0x444b1ae4d6e2ef4f, "999999999999999900000"},
      {0x444b1ae4d6e2ef50, "1e+21"},
      {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8d, "0.000001"},
      {0x41b3de4355555553, "333333333.3333332"},
      {0x41b3de4355555554, "333333333.33333325"},
      {0x41b3de4355555555, "333333333.3333333"},
      {0x41b3de4355555556, "333333333.3333334"},
      {0x41b3de4355555557, "333333333.33333343"},
      {0xbecbf647612f3696, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959, "1424953923781206.2"},
  };
  for (const auto& v : vectors) {
    CAPTURE(v.text);
    CHECK(FormatJcsNumber(FromBits(v.bits)) == v.text);
    auto r = CanonicalizeJcs(nlohmann::json(FromBits(v.bits)));
    REQUIRE(r.ok());
    CHECK(*r == v.text);
  }
}

TEST_CASE("badges/jcs: NaN and infinities are refused") {
  CHECK(!CanonicalizeJcs(nlohmann::json(FromBits(0x7fffffffffffffff))).ok());
  CHECK(!CanonicalizeJcs(nlohmann::json(FromBits(0x7ff0000000000000))).ok());
  CHECK(!CanonicalizeJcs(nlohmann::json::array({1, FromBits(0xfff0000000000000)})).ok());
}

TEST_CASE("badges/jcs: RFC 8785 §3.2.2 example (literals, numbers, string escapes)") {
  const std::string input = R"({
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  })";
  CHECK(Jcs(input) ==
        "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
        "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

TEST_CASE("badges/jcs: RFC 8785 §3.2.3 member order is by UTF-16 code units") {
  const std::string input = R"({
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\ud83d\ude00": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"
  })";
  // UTF-8 byte order would put U+FB33 before the emoji.
  CHECK(Jcs(input) ==
        "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
        "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\","
        "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\",\"\xef\xac\xb3\":\"Hebrew Letter Dalet With "
        "Dagesh\"}");
}

TEST_CASE("badges/jcs: nesting, integers and whitespace") {
  CHECK(Jcs(R"( { "b" : [ 1 , { "d" : true , "c" : -7 } ] , "a" : "x" } )") ==
        R"({"a":"x","b":[1,{"c":-7,"d":true}]})");
  // Integers beyond 2^53 become the double a JavaScript parser would hold.
  CHECK(Jcs("18446744073709551615") == "18446744073709552000");
  CHECK(Jcs("-9223372036854775808") == "-9223372036854776000");
  CHECK(Jcs("9007199254740993") == "9007199254740992");
}

TEST_CASE("badges/jcs: invalid UTF-8 is refused") {
  nlohmann::json bad = std::string("\xff\xfe");
  CHECK(!CanonicalizeJcs(bad).ok());
  CHECK(!CanonicalizeJcs(nlohmann::json{{"k", bad}}).ok());
}

}  // namespace
}  // namespace credmesh
