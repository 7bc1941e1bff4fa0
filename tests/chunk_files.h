// chunk_files.h: what a node's chunk folder holds, for end-to-end tests
// that look at it from outside (docs/files.md §3).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace credmesh::testing {

// Files under `chunks` (a node's chunks/ folder, absent is fine): with an
// empty `suffix` the chunks themselves (64-hex-digit names), otherwise
// files whose names end with `suffix` (e.g. ".purged" marks).
inline size_t CountChunkFiles(const std::filesystem::path& chunks, const std::string& suffix) {
  size_t n = 0;
  if (!std::filesystem::exists(chunks)) return 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(chunks)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file()) continue;
    if (suffix.empty() ? name.size() == 64 : name.ends_with(suffix)) ++n;
  }
  return n;
}

}  // namespace credmesh::testing
