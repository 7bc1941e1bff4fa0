// posix_file.h: small POSIX file helpers shared by the node directory's
// file writers (key files, the chunk store): errno translated to Status in
// one place, an owning file descriptor, full reads and writes, and durable
// whole-file replacement.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "protocol/bytes.h"
#include "protocol/status.h"

namespace credmesh {

// The current errno as a Status naming `what`: ENOSPC/EDQUOT are
// kResourceExhausted ("disk full"), ENOENT kNotFound, EEXIST kAlreadyExists,
// anything else kIoError.
Status ErrnoStatus(const std::string& what);

// Owns a file descriptor; closes it on destruction. Move-only.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  // Closes now, reporting a failed close (which can mean lost writes).
  Status Close(const std::string& path);

 private:
  int fd_;
};

// Writes all of `data`, retrying short writes and EINTR.
Status WriteAll(int fd, ByteView data, const std::string& path);
// Reads until `size` bytes or end of file; returns the bytes read.
Result<size_t> ReadUpTo(int fd, uint8_t* out, size_t size, const std::string& path);
// Replaces `path` with `data`: temporary file, write, fsync, rename, fsync of
// the directory. After a crash `path` holds the old or the new content.
Status WriteFileDurably(const std::string& path, ByteView data, int mode);
// The same with content `head` followed by `body` (e.g. a header and the
// bytes it describes), written without joining them first.
Status WriteFileDurably(const std::string& path, ByteView head, ByteView body, int mode);
// As WriteFileDurably without the fsyncs: the content (`head`, then `body`)
// replaces `path` by a rename, and is durable only once the file system is
// synced (SyncFileSystem) after it.
Status WriteFileUnsynced(const std::string& path, ByteView head, ByteView body, int mode);
// fsyncs a directory, making renames in it durable.
Status FsyncDir(const std::string& dir);
// Makes every write to the file system holding `fd` durable, data and
// metadata, with one device flush (Linux syncfs; elsewhere sync, which
// reports no error). Reports a write-back error of any file of that file
// system that happened since `fd` was opened, so open `fd` before the
// writes it must cover. `what` names it in errors.
Status SyncFileSystem(int fd, const std::string& what);

}  // namespace credmesh
