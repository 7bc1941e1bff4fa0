#include "protocol/field_reader.h"

#include <algorithm>
#include <utility>

namespace credmesh {

const char* FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "a string";
    case FieldType::kInt:
      return "an integer";
    case FieldType::kBool:
      return "a bool";
    case FieldType::kBytes:
      return "bytes";
    case FieldType::kArray:
      return "an array";
    case FieldType::kMap:
      return "a map";
  }
  return "?";
}

namespace {

// `describe(p)`, never ok: a Describe that forgets to fail must not let bad
// input through.
Status Describe(const DescribeProblem& describe, const FieldProblem& p) {
  Status s = describe(p);
  return s.ok() ? Status::InvalidArgument((p.key.empty() ? "value" : p.key) + ": invalid") : s;
}

}  // namespace

Result<FieldReader> FieldReader::Open(const Value& value, KeyPolicy policy,
                                      std::vector<std::string> allowed, DescribeProblem describe) {
  if (!value.is_map()) {
    FieldProblem p;
    p.kind = FieldProblem::Kind::kNotAMap;
    p.expected = FieldType::kMap;
    return Describe(describe, p);
  }
  if (policy == KeyPolicy::kClosed) {
    for (const auto& [key, unused] : value.as_map()) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      FieldProblem p;
      p.kind = FieldProblem::Kind::kUnknownKey;
      p.key = key;
      p.allowed = std::move(allowed);
      return Describe(describe, p);
    }
  }
  return FieldReader(&value.as_map(), std::move(describe));
}

const Value* FieldReader::Find(const std::string& key) const {
  auto it = map_->find(key);
  return it == map_->end() ? nullptr : &it->second;
}

Status FieldReader::Problem(const FieldProblem& problem) const {
  return Describe(describe_, problem);
}

Result<const Value*> FieldReader::Get(const std::string& key) const {
  return Require(key, std::nullopt);
}

Result<const Value*> FieldReader::Require(const std::string& key,
                                          std::optional<FieldType> expected) const {
  const Value* v = Find(key);
  if (v) return v;
  FieldProblem p;
  p.kind = FieldProblem::Kind::kMissing;
  p.key = key;
  p.expected = expected;
  return Problem(p);
}

Status FieldReader::WrongType(const std::string& key, FieldType expected) const {
  FieldProblem p;
  p.kind = FieldProblem::Kind::kWrongType;
  p.key = key;
  p.expected = expected;
  return Problem(p);
}

Result<std::string> FieldReader::StringValue(const Value& v, const std::string& key,
                                             size_t max_bytes, bool allow_empty) const {
  if (!v.is_string()) return WrongType(key, FieldType::kString);
  const std::string& s = v.as_string();
  if (!allow_empty && s.empty()) {
    FieldProblem p;
    p.kind = FieldProblem::Kind::kEmpty;
    p.key = key;
    p.expected = FieldType::kString;
    return Problem(p);
  }
  if (s.size() > max_bytes) {
    FieldProblem p;
    p.kind = FieldProblem::Kind::kTooLong;
    p.key = key;
    p.expected = FieldType::kString;
    p.max = static_cast<int64_t>(max_bytes);
    p.actual = static_cast<int64_t>(s.size());
    return Problem(p);
  }
  return s;
}

Result<int64_t> FieldReader::IntValue(const Value& v, const std::string& key, int64_t min,
                                      int64_t max) const {
  if (!v.is_int()) return WrongType(key, FieldType::kInt);
  if (v.as_int() < min || v.as_int() > max) {
    FieldProblem p;
    p.kind = FieldProblem::Kind::kOutOfRange;
    p.key = key;
    p.expected = FieldType::kInt;
    p.min = min;
    p.max = max;
    p.actual = v.as_int();
    return Problem(p);
  }
  return v.as_int();
}

Result<const Value::Array*> FieldReader::ArrayValue(const Value& v, const std::string& key,
                                                    size_t min, size_t max) const {
  if (!v.is_array()) return WrongType(key, FieldType::kArray);
  const size_t n = v.as_array().size();
  if (n < min || n > max) {
    FieldProblem p;
    p.kind = n < min ? FieldProblem::Kind::kTooFew : FieldProblem::Kind::kTooMany;
    p.key = key;
    p.expected = FieldType::kArray;
    p.min = static_cast<int64_t>(min);
    p.max = static_cast<int64_t>(std::min<size_t>(max, INT64_MAX));
    p.actual = static_cast<int64_t>(n);
    return Problem(p);
  }
  return &v.as_array();
}

Result<std::string> FieldReader::String(const std::string& key, size_t max_bytes,
                                        bool allow_empty) const {
  CREDMESH_ASSIGN_OR_RETURN(const Value* v, Require(key, FieldType::kString));
  return StringValue(*v, key, max_bytes, allow_empty);
}

Result<int64_t> FieldReader::Int(const std::string& key, int64_t min, int64_t max) const {
  CREDMESH_ASSIGN_OR_RETURN(const Value* v, Require(key, FieldType::kInt));
  return IntValue(*v, key, min, max);
}

Result<bool> FieldReader::Bool(const std::string& key) const {
  CREDMESH_ASSIGN_OR_RETURN(const Value* v, Require(key, FieldType::kBool));
  if (!v->is_bool()) return WrongType(key, FieldType::kBool);
  return v->as_bool();
}

Result<Bytes> FieldReader::Binary(const std::string& key, size_t min, size_t max) const {
  CREDMESH_ASSIGN_OR_RETURN(const Value* v, Require(key, FieldType::kBytes));
  if (!v->is_bytes()) return WrongType(key, FieldType::kBytes);
  const size_t n = v->as_bytes().size();
  if (n < min || n > max) {
    FieldProblem p;
    p.kind = n < min ? FieldProblem::Kind::kTooShort : FieldProblem::Kind::kTooLong;
    p.key = key;
    p.expected = FieldType::kBytes;
    p.min = static_cast<int64_t>(min);
    p.max = static_cast<int64_t>(std::min<size_t>(max, INT64_MAX));
    p.actual = static_cast<int64_t>(n);
    return Problem(p);
  }
  return v->as_bytes();
}

Result<const Value::Array*> FieldReader::Array(const std::string& key, size_t min,
                                               size_t max) const {
  CREDMESH_ASSIGN_OR_RETURN(const Value* v, Require(key, FieldType::kArray));
  return ArrayValue(*v, key, min, max);
}

Result<const Value::Map*> FieldReader::Map(const std::string& key) const {
  CREDMESH_ASSIGN_OR_RETURN(const Value* v, Require(key, FieldType::kMap));
  if (!v->is_map()) return WrongType(key, FieldType::kMap);
  return &v->as_map();
}

Result<std::optional<std::string>> FieldReader::OptString(const std::string& key, size_t max_bytes,
                                                          bool allow_empty) const {
  const Value* v = Find(key);
  if (!v) return std::optional<std::string>();
  CREDMESH_ASSIGN_OR_RETURN(std::string s, StringValue(*v, key, max_bytes, allow_empty));
  return std::optional<std::string>(std::move(s));
}

Result<std::optional<int64_t>> FieldReader::OptInt(const std::string& key, int64_t min,
                                                   int64_t max) const {
  const Value* v = Find(key);
  if (!v) return std::optional<int64_t>();
  CREDMESH_ASSIGN_OR_RETURN(int64_t n, IntValue(*v, key, min, max));
  return std::optional<int64_t>(n);
}

Result<std::optional<bool>> FieldReader::OptBool(const std::string& key) const {
  if (!Has(key)) return std::optional<bool>();
  CREDMESH_ASSIGN_OR_RETURN(bool b, Bool(key));
  return std::optional<bool>(b);
}

Result<const Value::Array*> FieldReader::OptArray(const std::string& key, size_t min,
                                                  size_t max) const {
  const Value* v = Find(key);
  if (!v) return static_cast<const Value::Array*>(nullptr);
  return ArrayValue(*v, key, min, max);
}

}  // namespace credmesh
