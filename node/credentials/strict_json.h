// strict_json.h: JSON text -> Value for files people write by hand (the
// catalog, docs/catalog-format.md). Stricter than RFC 8259 so that what a
// person reads in the file is exactly what gets parsed and signed: no
// duplicate keys (where JSON libraries silently keep one), no fractions, no
// unbounded nesting. Every message names the JSON path of the offending value.
#pragma once

#include <cstddef>
#include <string_view>

#include "protocol/status.h"
#include "protocol/value.h"

namespace credmesh {

// Deepest nesting of arrays and objects ParseStrictJson accepts
// (CatalogLimits::kMaxJsonDepth).
inline constexpr size_t kMaxStrictJsonDepth = 32;

// Parses `text` as exactly one JSON value. Objects become Value::Map, arrays
// Value::Array, integers int64_t, null the nil Value. On failure returns
// InvalidArgument for the first problem, prefixed "<path>: " unless it is at
// the top level (paths look like "definitions[1].id"):
//   - syntax errors, trailing content, bad UTF-8: "invalid JSON: <parser's message>"
//   - a key repeated within one object: "duplicate key"
//   - a fraction or exponent, or an integer below INT64_MIN:
//     "must be an integer (fractions and exponents are not allowed)"
//   - an integer above INT64_MAX: "integer out of range"
//   - more than kMaxStrictJsonDepth open containers: "nested deeper than 32 levels"
// No size limit: callers cap `text` first. Nothing thrown escapes.
Result<Value> ParseStrictJson(std::string_view text);

}  // namespace credmesh
