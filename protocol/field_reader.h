// field_reader.h: the one reader of a map Value's fields — a record body or
// wire message decoded from MessagePack, or an object parsed from JSON —
// used by every decoder: wire messages, catalog definitions and stacks,
// credential and trust record bodies.
//
// A reader checks what is common to all of them — that the value is a map,
// the key policy (closed: an unknown key is an error; open: unknown keys are
// ignored, so newer writers can add fields), presence, type, integer ranges,
// string, byte and list lengths — and reports each problem as a
// FieldProblem. How a problem reads is the caller's: each decoder passes a
// Describe function that words it in that format's established messages
// (e.g. `hello: missing required field "v"` on the wire,
// `definitions[0].id: required` in a catalog file). Pure; nothing thrown.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/status.h"
#include "protocol/value.h"

namespace credmesh {

enum class KeyPolicy {
  kClosed,  // every key must be listed as allowed
  kOpen,    // unlisted keys are ignored
};

enum class FieldType { kString, kInt, kBool, kBytes, kArray, kMap };
// "a string", "an integer", "a bool", "bytes", "an array", "a map".
const char* FieldTypeName(FieldType type);

struct FieldProblem {
  enum class Kind {
    kNotAMap,     // the value read is not a map (key is empty)
    kUnknownKey,  // closed policy: `key` is not allowed (`allowed` lists what is)
    kMissing,     // a required field is absent
    kWrongType,   // present with a type other than `expected`
    kEmpty,       // a string that must not be empty is
    kTooLong,     // a string or byte string longer than `max` (`actual` = its length)
    kTooShort,    // a byte string shorter than `min` (`actual` = its length)
    kOutOfRange,  // an integer outside `min`..`max` (`actual` = the integer)
    kTooFew,      // a list with fewer than `min` entries (`actual` = its size)
    kTooMany,     // a list with more than `max` entries (`actual` = its size)
  };
  Kind kind = Kind::kMissing;
  std::string key;
  // The type being read: what kWrongType / kNotAMap wanted, what a kMissing
  // field was asked for as (nullopt from Get), what kTooLong measured.
  std::optional<FieldType> expected;
  int64_t min = 0, max = 0, actual = 0;
  std::vector<std::string> allowed;
};

// Turns a problem into the caller's error Status. Must return a non-ok status.
using DescribeProblem = std::function<Status(const FieldProblem&)>;

class FieldReader {
 public:
  // Reads the fields of `value`. Fails (through `describe`) when `value` is
  // not a map, or, under KeyPolicy::kClosed, on the first key (in key order)
  // not in `allowed`. `value` must outlive the reader.
  static Result<FieldReader> Open(const Value& value, KeyPolicy policy,
                                  std::vector<std::string> allowed, DescribeProblem describe);
  // An open-policy reader of a map.
  FieldReader(const Value::Map& map, DescribeProblem describe)
      : map_(&map), describe_(std::move(describe)) {}

  // The field, or nullptr if absent.
  const Value* Find(const std::string& key) const;
  bool Has(const std::string& key) const { return Find(key) != nullptr; }
  // The field; kMissing when absent.
  Result<const Value*> Get(const std::string& key) const;
  // `problem` worded by this reader's Describe.
  Status Problem(const FieldProblem& problem) const;

  // Required fields: kMissing when absent, kWrongType when of another type.
  // Strings: kEmpty unless `allow_empty`; kTooLong over `max_bytes`.
  Result<std::string> String(const std::string& key, size_t max_bytes,
                             bool allow_empty = true) const;
  Result<int64_t> Int(const std::string& key, int64_t min, int64_t max) const;
  Result<bool> Bool(const std::string& key) const;
  // kTooShort / kTooLong outside min..max bytes.
  Result<Bytes> Binary(const std::string& key, size_t min, size_t max) const;
  // kTooFew / kTooMany outside min..max entries.
  Result<const Value::Array*> Array(const std::string& key, size_t min, size_t max) const;
  Result<const Value::Map*> Map(const std::string& key) const;

  // Optional fields: nullopt (or nullptr) when absent, else as above.
  Result<std::optional<std::string>> OptString(const std::string& key, size_t max_bytes,
                                               bool allow_empty = true) const;
  Result<std::optional<int64_t>> OptInt(const std::string& key, int64_t min, int64_t max) const;
  Result<std::optional<bool>> OptBool(const std::string& key) const;
  Result<const Value::Array*> OptArray(const std::string& key, size_t min, size_t max) const;

  // The checks of Int, for a value that is not a field of the map (a list
  // entry), reported under `key`.
  Result<int64_t> IntValue(const Value& v, const std::string& key, int64_t min, int64_t max) const;

 private:
  FieldReader(const Value::Map* map, DescribeProblem describe)
      : map_(map), describe_(std::move(describe)) {}
  Result<const Value*> Require(const std::string& key, std::optional<FieldType> expected) const;
  Status WrongType(const std::string& key, FieldType expected) const;
  Result<std::string> StringValue(const Value& v, const std::string& key, size_t max_bytes,
                                  bool allow_empty) const;
  Result<const Value::Array*> ArrayValue(const Value& v, const std::string& key, size_t min,
                                         size_t max) const;

  const Value::Map* map_;
  DescribeProblem describe_;
};

}  // namespace credmesh
