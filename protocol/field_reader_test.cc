#include "protocol/field_reader.h"

#include <doctest/doctest.h>

namespace credmesh {
namespace {

// Words every problem as "<kind> <key> <details>", so tests see what the
// reader reported.
Status Words(const FieldProblem& p) {
  static const char* kKinds[] = {"not-a-map", "unknown",   "missing", "type",    "empty",
                                 "too-long",  "too-short", "range",   "too-few", "too-many"};
  std::string s = std::string(kKinds[static_cast<int>(p.kind)]) + " " + p.key;
  switch (p.kind) {
    case FieldProblem::Kind::kWrongType:
    case FieldProblem::Kind::kNotAMap:
      s += std::string(" ") + FieldTypeName(*p.expected);
      break;
    case FieldProblem::Kind::kUnknownKey:
      for (const auto& a : p.allowed) s += " " + a;
      break;
    case FieldProblem::Kind::kTooLong:
    case FieldProblem::Kind::kTooShort:
    case FieldProblem::Kind::kOutOfRange:
    case FieldProblem::Kind::kTooFew:
    case FieldProblem::Kind::kTooMany:
      s += " " + std::to_string(p.actual) + " " + std::to_string(p.min) + ".." +
           std::to_string(p.max);
      break;
    default:
      break;
  }
  return Status::InvalidArgument(s);
}

const Value kBody =
    Value::Map{{"name", "Pine"},     {"empty", ""},           {"n", 7},
               {"flag", true},       {"bin", Bytes{1, 2, 3}}, {"list", Value::Array{1, 2}},
               {"map", Value::Map{}}};

FieldReader Reader() { return FieldReader(kBody.as_map(), Words); }

TEST_CASE("field_reader: the value must be a map, a closed policy refuses unknown keys") {
  CHECK(FieldReader::Open(Value(3), KeyPolicy::kOpen, {}, Words).status().message() ==
        "not-a-map  a map");
  auto closed = FieldReader::Open(kBody, KeyPolicy::kClosed, {"name", "n"}, Words);
  CHECK(closed.status().message() == "unknown bin name n");  // the first unknown key in key order
  CHECK(FieldReader::Open(kBody, KeyPolicy::kOpen, {"name"}, Words).ok());
  auto all =
      FieldReader::Open(kBody, KeyPolicy::kClosed,
                        {"name", "empty", "n", "flag", "bin", "list", "map", "extra"}, Words);
  REQUIRE(all.ok());
  CHECK(*all->String("name", 10) == "Pine");
}

TEST_CASE("field_reader: strings") {
  FieldReader r = Reader();
  CHECK(*r.String("name", 4) == "Pine");
  CHECK(r.String("name", 3).status().message() == "too-long name 4 0..3");
  CHECK(r.String("nope", 3).status().message() == "missing nope");
  CHECK(r.String("n", 3).status().message() == "type n a string");
  CHECK(*r.String("empty", 3) == "");
  CHECK(r.String("empty", 3, /*allow_empty=*/false).status().message() == "empty empty");
  CHECK(!r.OptString("nope", 3)->has_value());
  CHECK(**r.OptString("name", 4) == "Pine");
  CHECK(r.OptString("flag", 4).status().message() == "type flag a string");
}

TEST_CASE("field_reader: integers, bools, bytes, lists and maps") {
  FieldReader r = Reader();
  CHECK(*r.Int("n", 7, 7) == 7);
  CHECK(r.Int("n", 8, 9).status().message() == "range n 7 8..9");
  CHECK(r.Int("name", 0, 9).status().message() == "type name an integer");
  CHECK(!r.OptInt("nope", 0, 1)->has_value());
  CHECK(r.OptInt("n", 0, 1).status().message() == "range n 7 0..1");
  CHECK(r.IntValue(Value(-1), "v", 0, 5).status().message() == "range v -1 0..5");

  CHECK(*r.Bool("flag"));
  CHECK(r.Bool("n").status().message() == "type n a bool");
  CHECK(!r.OptBool("nope")->has_value());

  CHECK(*r.Binary("bin", 3, 3) == Bytes{1, 2, 3});
  CHECK(r.Binary("bin", 4, 8).status().message() == "too-short bin 3 4..8");
  CHECK(r.Binary("bin", 1, 2).status().message() == "too-long bin 3 1..2");
  CHECK(r.Binary("name", 1, 2).status().message() == "type name bytes");

  CHECK((*r.Array("list", 2, 2))->size() == 2);
  CHECK(r.Array("list", 3, 5).status().message() == "too-few list 2 3..5");
  CHECK(r.Array("list", 0, 1).status().message() == "too-many list 2 0..1");
  CHECK(r.Array("map", 0, 1).status().message() == "type map an array");
  CHECK(*r.OptArray("nope", 1, 1) == nullptr);

  CHECK((*r.Map("map"))->empty());
  CHECK(r.Map("list").status().message() == "type list a map");
}

TEST_CASE("field_reader: a missing field names the type that was asked for") {
  FieldReader r(kBody.as_map(), [](const FieldProblem& p) {
    return Status::InvalidArgument(p.expected ? FieldTypeName(*p.expected) : "any");
  });
  CHECK(r.Int("nope", 0, 1).status().message() == "an integer");
  CHECK(r.Bool("nope").status().message() == "a bool");
  CHECK(r.String("nope", 1).status().message() == "a string");
  CHECK(r.Get("nope").status().message() == "any");
}

TEST_CASE("field_reader: a Describe that does not fail still refuses the field") {
  FieldReader r(kBody.as_map(), [](const FieldProblem&) { return Status::Ok(); });
  CHECK(r.Int("n", 0, 1).status().code() == Status::Code::kInvalidArgument);
  CHECK(r.String("nope", 1).status().message() == "nope: invalid");
}

}  // namespace
}  // namespace credmesh
