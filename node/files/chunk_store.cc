#include "node/files/chunk_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "node/files/chunk_checksum.h"
#include "protocol/crypto.h"
#include "storage/posix_file.h"

namespace credmesh {

namespace fs = std::filesystem;

Result<ChunkStore> ChunkStore::Open(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError("create " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);  // evidence is student work: owner only
  return ChunkStore(dir);
}

std::string ChunkStore::PathOf(const Hash256& hash) const {
  std::string hex = hash.hex();
  return dir_ + "/" + hex.substr(0, 2) + "/" + hex;
}

namespace {

bool IsRegularFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string FolderOf(const std::string& path) { return path.substr(0, path.rfind('/')); }

}  // namespace

Status ChunkStore::RefusePurged(const Hash256& hash) const {
  if (!IsPurged(hash)) return Status::Ok();
  return Status::FailedPrecondition("chunk " + hash.hex().substr(0, 16) +
                                    " belongs to purged evidence and may not be stored again");
}

Status ChunkStore::MakeFolderOf(const std::string& path) {
  const std::string sub = FolderOf(path);
  if (::mkdir(sub.c_str(), 0700) != 0 && errno != EEXIST) return ErrnoStatus("mkdir " + sub);
  return Status::Ok();
}

Status ChunkStore::CheckHash(const Hash256& expected, ByteView data) {
  if (Blake2b256(data) == expected) return Status::Ok();
  return Status::Corruption("chunk " + expected.hex().substr(0, 16) + " does not match its hash");
}

Status ChunkStore::WriteChunk(const Hash256& hash, ByteView data, Sync sync) {
  CREDMESH_RETURN_IF_ERROR(RefusePurged(hash));
  const std::string path = PathOf(hash);
  if (Has(hash)) return Status::Ok();
  CREDMESH_RETURN_IF_ERROR(MakeFolderOf(path));
  const ChunkHeader header = MakeChunkHeader(data);
  CREDMESH_RETURN_IF_ERROR(sync == Sync::kNow ? WriteFileDurably(path, header, data, 0600)
                                              : WriteFileUnsynced(path, header, data, 0600));
  // A purge may have marked the chunk while it was being written: the
  // purge's own deletion may have run before the rename, so undo it here.
  if (IsPurged(hash)) {
    CREDMESH_RETURN_IF_ERROR(Remove(hash));
    return RefusePurged(hash);
  }
  return Status::Ok();
}

Result<Hash256> ChunkStore::Put(ByteView data) {
  Hash256 h = Blake2b256(data);
  CREDMESH_RETURN_IF_ERROR(WriteChunk(h, data, Sync::kNow));
  return h;
}

Status ChunkStore::PutVerified(const Hash256& expected, ByteView data, Sync sync) {
  CREDMESH_RETURN_IF_ERROR(CheckHash(expected, data));
  return WriteChunk(expected, data, sync);
}

bool ChunkStore::Has(const Hash256& hash) const { return IsRegularFile(PathOf(hash)); }

bool ChunkStore::IsPurged(const Hash256& hash) const { return IsRegularFile(MarkPathOf(hash)); }

Status ChunkStore::MarkPurged(const Hash256& hash) {
  const std::string mark = MarkPathOf(hash);
  const std::string sub = FolderOf(mark);
  if (!IsPurged(hash)) {
    if (::mkdir(sub.c_str(), 0700) != 0 && errno != EEXIST) return ErrnoStatus("mkdir " + sub);
    // The mark first (durable: WriteFileDurably syncs the folder), then the
    // bytes: a crash in between leaves a mark and bytes, and running the
    // purge again deletes them; never bytes that may come back unmarked.
    CREDMESH_RETURN_IF_ERROR(WriteFileDurably(mark, {}, 0600));
  }
  const std::string path = PathOf(hash);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return ErrnoStatus("unlink " + path);
  }
  return FsyncDir(sub);
}

Status ChunkStore::Unmark(const Hash256& hash) {
  const std::string mark = MarkPathOf(hash);
  if (::unlink(mark.c_str()) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return ErrnoStatus("unlink " + mark);
  }
  return FsyncDir(FolderOf(mark));
}

Result<Bytes> ChunkStore::Get(const Hash256& hash) const {
  const std::string path = PathOf(hash);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT)
      return Status::NotFound("chunk " + hash.hex().substr(0, 16) + " is not here");
    return ErrnoStatus("open " + path);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("stat " + path);
  const size_t size = static_cast<size_t>(st.st_size);
  // The header apart from the bytes, so that the bytes need no moving.
  ChunkHeader header{};
  const size_t head = std::min(size, header.size());
  CREDMESH_ASSIGN_OR_RETURN(size_t got, ReadUpTo(fd.get(), header.data(), head, path));
  Bytes out(size - head);
  CREDMESH_ASSIGN_OR_RETURN(size_t n, ReadUpTo(fd.get(), out.data(), out.size(), path));
  out.resize(n);
  if (got == header.size()) {
    switch (CheckChunkHeader(header, out)) {
      case ChunkHeaderCheck::kMatches:
        return out;
      case ChunkHeaderCheck::kMismatch:
        // Damaged, unless only the checksum is: the hash decides.
        if (Blake2b256(out) == hash) return out;
        break;
      case ChunkHeaderCheck::kAbsent:
        break;
    }
  }
  // A chunk written before checksums (or one whose content happens to begin
  // like a header): the whole file is the chunk, checked against its hash.
  out.insert(out.begin(), header.begin(), header.begin() + static_cast<std::ptrdiff_t>(got));
  if (Blake2b256(out) != hash) {
    return Status::Corruption("chunk " + hash.hex().substr(0, 16) + " is corrupt on disk (" + path +
                              ")");
  }
  return out;
}

Status ChunkStore::Adopt(ChunkStore& staging, const Hash256& hash, Sync sync) {
  const std::string from = staging.PathOf(hash);
  if (Has(hash)) return staging.Remove(hash);
  CREDMESH_RETURN_IF_ERROR(RefusePurged(hash));
  const std::string path = PathOf(hash);
  CREDMESH_RETURN_IF_ERROR(MakeFolderOf(path));
  if (::rename(from.c_str(), path.c_str()) != 0) return ErrnoStatus("rename " + from);
  return sync == Sync::kNow ? FsyncDir(FolderOf(path)) : Status::Ok();
}

Status ChunkStore::Remove(const Hash256& hash) {
  const std::string path = PathOf(hash);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("unlink " + path);
  return Status::Ok();
}

Result<ChunkStore::Usage> ChunkStore::Measure() const {
  Usage u;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string name = it->path().filename().string();
    if (name.size() != 64) continue;  // skips *.tmp leftovers and *.purged marks
    ++u.chunks;
    u.bytes += static_cast<int64_t>(it->file_size(ec));
  }
  if (ec) return Status::IoError("walk " + dir_ + ": " + ec.message());
  return u;
}

}  // namespace credmesh
