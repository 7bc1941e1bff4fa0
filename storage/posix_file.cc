#include "storage/posix_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace credmesh {

Status ErrnoStatus(const std::string& what) {
  const int e = errno;
  std::string msg = what + ": " + std::strerror(e);
  if (e == ENOSPC || e == EDQUOT) return Status::ResourceExhausted(msg + " (disk full)");
  if (e == ENOENT) return Status::NotFound(msg);
  if (e == EEXIST) return Status::AlreadyExists(msg);
  return Status::IoError(msg);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

Status UniqueFd::Close(const std::string& path) {
  if (fd_ < 0) return Status::Ok();
  if (::close(release()) != 0) return ErrnoStatus("close " + path);
  return Status::Ok();
}

Status WriteAll(int fd, ByteView data, const std::string& path) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write " + path);
    }
    off += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<size_t> ReadUpTo(int fd, uint8_t* out, size_t size, const std::string& path) {
  size_t off = 0;
  while (off < size) {
    ssize_t n = ::read(fd, out + off, size - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read " + path);
    }
    if (n == 0) break;
    off += static_cast<size_t>(n);
  }
  return off;
}

Status FsyncDir(const std::string& dir) {
  UniqueFd d(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d.valid()) return ErrnoStatus("open " + dir);
  if (::fsync(d.get()) != 0) return ErrnoStatus("fsync " + dir);
  return Status::Ok();
}

namespace {

// Temporary file, write `head` then `body`, fsync if `durable`, rename
// over `path`.
Status ReplaceFile(const std::string& path, ByteView head, ByteView body, int mode, bool durable) {
  const std::string tmp = path + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd.valid()) return ErrnoStatus("create " + tmp);
  Status s = WriteAll(fd.get(), head, tmp);
  if (s.ok()) s = WriteAll(fd.get(), body, tmp);
  if (s.ok() && durable && ::fsync(fd.get()) != 0) s = ErrnoStatus("fsync " + tmp);
  if (s.ok()) s = fd.Close(tmp);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = ErrnoStatus("rename " + tmp);
  if (!s.ok()) ::unlink(tmp.c_str());
  return s;
}

}  // namespace

Status WriteFileDurably(const std::string& path, ByteView data, int mode) {
  return WriteFileDurably(path, data, {}, mode);
}

Status WriteFileDurably(const std::string& path, ByteView head, ByteView body, int mode) {
  CREDMESH_RETURN_IF_ERROR(ReplaceFile(path, head, body, mode, /*durable=*/true));
  const size_t slash = path.rfind('/');
  return FsyncDir(slash == std::string::npos ? "." : path.substr(0, slash));
}

Status WriteFileUnsynced(const std::string& path, ByteView head, ByteView body, int mode) {
  return ReplaceFile(path, head, body, mode, /*durable=*/false);
}

Status SyncFileSystem(int fd, const std::string& what) {
#if defined(__linux__)
  if (::syncfs(fd) != 0) return ErrnoStatus("syncfs " + what);
#else
  (void)fd;
  (void)what;
  ::sync();
#endif
  return Status::Ok();
}

}  // namespace credmesh
