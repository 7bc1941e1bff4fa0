// temp_dir.h: a uniquely named scratch directory for tests, removed with
// everything in it when the object goes out of scope.
#pragma once

#include <filesystem>
#include <string>

#include "protocol/bytes.h"
#include "protocol/crypto.h"

namespace credmesh {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "credmesh-test") {
    uint8_t r[8];
    RandomBytes(r, sizeof r);
    path_ = std::filesystem::temp_directory_path() / (prefix + "-" + ToHex(ByteView(r, sizeof r)));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // The path of `name` inside the directory (not created).
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace credmesh
