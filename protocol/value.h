// value.h: the dynamic value type of record bodies, and its canonical
// MessagePack form. Only nil, bool, 64-bit signed integers, UTF-8 strings,
// byte strings, arrays and string-keyed maps exist: no floats, no extension
// types, so every value has exactly one encoding.
#pragma once

#include <cstdint>
#include <map>
#include <msgpack/object_fwd_decl.hpp>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <variant>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/status.h"

namespace credmesh {

class Value {
 public:
  using Array = std::vector<Value>;
  using Map = std::map<std::string, Value>;  // std::string orders bytewise

  Value() = default;
  Value(std::nullptr_t) {}                      // NOLINT
  Value(bool b) : v_(b) {}                      // NOLINT
  Value(int v) : v_(int64_t{v}) {}              // NOLINT
  Value(int64_t v) : v_(v) {}                   // NOLINT
  Value(const char* s) : v_(std::string(s)) {}  // NOLINT
  Value(std::string s) : v_(std::move(s)) {}    // NOLINT
  Value(Bytes b) : v_(std::move(b)) {}          // NOLINT
  Value(Array a) : v_(std::move(a)) {}          // NOLINT
  Value(Map m) : v_(std::move(m)) {}            // NOLINT

  bool is_nil() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_int() const { return std::holds_alternative<int64_t>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_bytes() const { return std::holds_alternative<Bytes>(v_); }
  bool is_array() const { return std::holds_alternative<Array>(v_); }
  bool is_map() const { return std::holds_alternative<Map>(v_); }

  // REQUIRES: the matching is_*() is true.
  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Bytes& as_bytes() const { return std::get<Bytes>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  const Map& as_map() const { return std::get<Map>(v_); }
  Array& as_array() { return std::get<Array>(v_); }
  Map& as_map() { return std::get<Map>(v_); }

  // Map lookup; nullptr if this is not a map or has no such key.
  const Value* Find(const std::string& key) const;
  // Typed map lookups returning the fallback when absent or of another type.
  std::string GetString(const std::string& key, const std::string& fallback = "") const;
  int64_t GetInt(const std::string& key, int64_t fallback = 0) const;

  bool operator==(const Value&) const = default;

 private:
  std::variant<std::monostate, bool, int64_t, std::string, Bytes, Array, Map> v_;
};

// Limits enforced by the decoder; see docs/records.md.
struct ValueLimits {
  size_t max_depth = 16;        // nesting of arrays/maps
  size_t max_container = 4096;  // elements of one array or entries of one map
};

// Appends the canonical MessagePack encoding of `value` to `out`.
void EncodeValue(const Value& value, Bytes& out);

// Converts a parsed msgpack object to a Value, rejecting floats, extension
// types, non-string or unsorted/duplicate map keys and invalid UTF-8.
// `path` names the location for error messages.
Result<Value> ValueFromObject(const msgpack::object& obj, const ValueLimits& limits,
                              const std::string& path, size_t depth = 0);

// Strictly decodes one canonical value occupying all of `data`.
Result<Value> DecodeValue(ByteView data, const ValueLimits& limits = {});

// True iff `s` is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF).
bool IsValidUtf8(std::string_view s);

// JSON views: bytes become {"$hex": "..."}; integers beyond JSON's safe range
// are kept as integers. FromJson rejects floats.
nlohmann::json ValueToJson(const Value& value);
Result<Value> ValueFromJson(const nlohmann::json& json);

}  // namespace credmesh
