#include "storage/key_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "storage/posix_file.h"

namespace credmesh {
namespace {

constexpr char kPrefix[] = "credmesh-ed25519-seed ";

}  // namespace

Status WriteKeyFile(const std::string& path, const SigningKey& key) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("create " + path);
  Bytes seed = key.Seed();
  std::string line = kPrefix + ToHex(seed) + "\n";
  sodium_memzero(seed.data(), seed.size());
  Status s = WriteAll(fd, AsBytes(line), path);
  if (s.ok() && ::fsync(fd) != 0) s = ErrnoStatus("fsync " + path);
  sodium_memzero(line.data(), line.size());
  ::close(fd);
  return s;
}

Result<SigningKey> ReadKeyFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("key file " + path);
  if (st.st_mode & 077) {
    return Status::FailedPrecondition("key file " + path +
                                      " is readable by others; run: chmod 600 " + path);
  }
  CREDMESH_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.rfind(kPrefix, 0) != 0)
    return Status::Corruption("key file " + path + " has an unknown format");
  auto seed = FromHex(text.substr(sizeof kPrefix - 1));
  sodium_memzero(text.data(), text.size());
  if (!seed) return Status::Corruption("key file " + path + " does not hold valid hex");
  auto key = SigningKey::FromSeed(*seed);
  sodium_memzero(seed->data(), seed->size());
  if (!key.ok()) return key.status().WithContext("key file " + path);
  return key;
}

Status WriteFileAtomic(const std::string& path, const std::string& content, int mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoStatus("create " + tmp);
  Status s = WriteAll(fd, AsBytes(content), tmp);
  if (s.ok() && ::fsync(fd) != 0) s = ErrnoStatus("fsync " + tmp);
  ::close(fd);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus("rename " + tmp);
  return Status::Ok();
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IoError("read " + path);
  return ss.str();
}

}  // namespace credmesh
