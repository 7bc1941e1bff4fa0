#include "node/credentials/strict_json.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace credmesh {
namespace {

using Map = Value::Map;
using Array = Value::Array;

// Parses `text`, expecting failure; returns the message.
std::string ErrorOf(const std::string& text) {
  auto v = ParseStrictJson(text);
  REQUIRE_FALSE(v.ok());
  CHECK(v.status().code() == Status::Code::kInvalidArgument);
  return v.status().message();
}

const char kFraction[] = "must be an integer (fractions and exponents are not allowed)";

TEST_CASE("node/strict_json: valid documents become the matching Value and round-trip") {
  const std::string text = R"({
    "text": "caf\u00e9 \"quoted\"", "negative": -7, "max": 9223372036854775807,
    "min": -9223372036854775808, "yes": true, "no": false, "nothing": null,
    "list": [1, [], {}, "two"], "nested": {"b": 2, "a": {"deep": [[0]]}}
  })";
  auto v = ParseStrictJson(text);
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  Value expected = Map{{"text", "caf\xc3\xa9 \"quoted\""},
                       {"negative", -7},
                       {"max", INT64_MAX},
                       {"min", INT64_MIN},
                       {"yes", true},
                       {"no", false},
                       {"nothing", nullptr},
                       {"list", Array{1, Array{}, Map{}, "two"}},
                       {"nested", Map{{"b", 2}, {"a", Map{{"deep", Array{Value(Array{0})}}}}}}};
  CHECK(*v == expected);

  // Rendering the Value as JSON and reading it back gives the same Value.
  auto again = ParseStrictJson(ValueToJson(*v).dump());
  REQUIRE_MESSAGE(again.ok(), again.status().ToString());
  CHECK(*again == *v);

  // Any JSON value may be the document; whitespace around it is fine.
  CHECK(*ParseStrictJson(" 42\n") == Value(42));
  CHECK(*ParseStrictJson("\"x\"") == Value("x"));
  CHECK(ParseStrictJson("null")->is_nil());
  CHECK(*ParseStrictJson("[]") == Value(Array{}));
  // The same key in different objects is not a duplicate.
  CHECK(*ParseStrictJson(R"([{"a": 1}, {"a": 2}])") == Value(Array{Map{{"a", 1}}, Map{{"a", 2}}}));
}

TEST_CASE("node/strict_json: syntax errors, trailing garbage and bad UTF-8") {
  CHECK(ErrorOf("{\"format\": ").starts_with("invalid JSON: "));
  CHECK(ErrorOf("").starts_with("invalid JSON: "));
  CHECK(ErrorOf("{} trailing").starts_with("invalid JSON: "));
  CHECK(ErrorOf("{} {}").starts_with("invalid JSON: "));
  CHECK(ErrorOf("[1, 2,]").starts_with("invalid JSON: "));
  CHECK(ErrorOf("{'a': 1}").starts_with("invalid JSON: "));
  CHECK(ErrorOf("{\"title\": \"\xff\"}").starts_with("invalid JSON: "));  // bad UTF-8
  // nlohmann's "[json.exception.parse_error.101] " tag is dropped.
  CHECK(ErrorOf("{} trailing").find("[json.exception") == std::string::npos);
}

TEST_CASE("node/strict_json: duplicate keys are rejected with their path") {
  CHECK(ErrorOf("{\"format\": \"credmesh-catalog/1\", \"format\": \"x\"}") ==
        "format: duplicate key");
  CHECK(ErrorOf("{\"definitions\": [{\"id\": \"a\"}, {\"id\": \"b\", \"id\": \"c\"}]}") ==
        "definitions[1].id: duplicate key");
  // Equal values do not make a repeat acceptable.
  CHECK(ErrorOf("{\"a\": 1, \"a\": 1}") == "a: duplicate key");
}

TEST_CASE("node/strict_json: only integers in int64 range are numbers") {
  CHECK(ErrorOf("{\"definitions\": [{\"version\": 1.0}]}") ==
        std::string("definitions[0].version: ") + kFraction);
  CHECK(ErrorOf("{\"definitions\": [{\"version\": 2e3}]}") ==
        std::string("definitions[0].version: ") + kFraction);
  CHECK(ErrorOf("[0, -0.5]") == std::string("[1]: ") + kFraction);
  CHECK(ErrorOf("1.5") == kFraction);  // top level: no path
  // Below INT64_MIN the parser reads a float, so the message is the fraction one.
  CHECK(ErrorOf("-9223372036854775809") == kFraction);

  CHECK(ErrorOf("{\"x\": 18446744073709551615}") == "x: integer out of range");
  CHECK(ErrorOf("9223372036854775808") == "integer out of range");
}

TEST_CASE("node/strict_json: nesting is limited to kMaxStrictJsonDepth") {
  const size_t n = kMaxStrictJsonDepth;
  CHECK(ParseStrictJson(std::string(n, '[') + std::string(n, ']')).ok());
  std::string too_deep = ErrorOf(std::string(n + 1, '[') + std::string(n + 1, ']'));
  CHECK(too_deep.find("nested deeper than 32 levels") != std::string::npos);

  std::string deep = "{\"x\": " + std::string(40, '[') + std::string(40, ']') + "}";
  CHECK(ErrorOf(deep).starts_with("x"));
  CHECK(ErrorOf(deep).find("nested deeper than 32 levels") != std::string::npos);
}

}  // namespace
}  // namespace credmesh
