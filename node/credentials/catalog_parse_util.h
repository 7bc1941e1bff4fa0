// catalog_parse_util.h: internal to catalog_model.cc, catalog_bodies.cc
// and strict_json.cc, not an API. The JSON-path helpers behind their error
// messages, kept in one place so every message names paths the same way, and
// the definition/stack parsers that both the catalog file and the record
// bodies are checked with.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "node/credentials/catalog_model.h"
#include "protocol/status.h"
#include "protocol/value.h"

namespace credmesh::catalog_internal {

// The path of member `key` of the object at `path` ("" is the top level).
inline std::string Sel(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// The path of element `i` of the list at `path`.
inline std::string At(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// InvalidArgument "path: msg", or just "msg" at the top level.
inline Status Err(const std::string& path, const std::string& msg) {
  return Status::InvalidArgument(path.empty() ? msg : path + ": " + msg);
}

// Parse and validate one definition / stack object, with `path` prefixed to
// every error (catalog_model.cc). Shorthand forms are accepted here; the
// FromBody functions add the canonical-form check.
Result<CredentialDefinition> ParseDefinition(const Value& v, const std::string& path);
Result<Stack> ParseStack(const Value& v, const std::string& path);

}  // namespace credmesh::catalog_internal
