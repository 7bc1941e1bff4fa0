// JSON views of Value, for the CLI's --json output and JSON imports.
#include <nlohmann/json.hpp>

#include "protocol/value.h"

namespace credmesh {

nlohmann::json ValueToJson(const Value& v) {
  if (v.is_nil()) return nullptr;
  if (v.is_bool()) return v.as_bool();
  if (v.is_int()) return v.as_int();
  if (v.is_string()) return v.as_string();
  if (v.is_bytes()) return nlohmann::json{{"$hex", ToHex(v.as_bytes())}};
  if (v.is_array()) {
    auto out = nlohmann::json::array();
    for (const auto& e : v.as_array()) out.push_back(ValueToJson(e));
    return out;
  }
  auto out = nlohmann::json::object();
  for (const auto& [k, e] : v.as_map()) out[k] = ValueToJson(e);
  return out;
}

Result<Value> ValueFromJson(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return Value();
    case nlohmann::json::value_t::boolean:
      return Value(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return Value(j.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      auto u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return Status::InvalidArgument("integer too large");
      return Value(static_cast<int64_t>(u));
    }
    case nlohmann::json::value_t::number_float:
      return Status::InvalidArgument("fractional numbers are not supported; use a string");
    case nlohmann::json::value_t::string:
      return Value(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      Value::Array out;
      for (const auto& e : j) {
        auto v = ValueFromJson(e);
        if (!v.ok()) return v.status();
        out.push_back(std::move(*v));
      }
      return Value(std::move(out));
    }
    case nlohmann::json::value_t::object: {
      if (j.size() == 1 && j.contains("$hex") && j["$hex"].is_string()) {
        auto b = FromHex(j["$hex"].get<std::string>());
        if (!b) return Status::InvalidArgument("$hex is not valid hex");
        return Value(std::move(*b));
      }
      Value::Map out;
      for (const auto& [k, e] : j.items()) {
        auto v = ValueFromJson(e);
        if (!v.ok()) return v.status().WithContext(k);
        out.emplace(k, std::move(*v));
      }
      return Value(std::move(out));
    }
    default:
      return Status::InvalidArgument("unsupported JSON value");
  }
}

}  // namespace credmesh
