#include "node/files/chunk_write_batch.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <optional>

#include "node/files/chunk_checksum.h"
#include "protocol/crypto.h"

namespace credmesh {
namespace {

// Distinct temporary names, so that two batches (two sessions, or a
// session and a bundle import in another process) writing the same chunk
// never share a file. Measure skips them (their names are not 64 digits).
std::string BatchTempName(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  return path + "." + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".tmp";
}

// The process that wrote a batch's temporary file, from its name
// (<64 hex digits>.<pid>-<n>.tmp); nullopt for any other name.
std::optional<pid_t> BatchTempWriter(const std::string& name) {
  constexpr size_t kHex = 64;
  const std::string suffix = ".tmp";
  if (name.size() <= kHex + 1 + suffix.size() || name[kHex] != '.' ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  const size_t dash = name.find('-', kHex + 1);
  if (dash == std::string::npos) return std::nullopt;
  pid_t pid = 0;
  const char* first = name.data() + kHex + 1;
  const char* last = name.data() + dash;
  auto [end, ec] = std::from_chars(first, last, pid);
  if (ec != std::errc() || end != last || pid <= 0) return std::nullopt;
  return pid;
}

bool ProcessAlive(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

}  // namespace

ChunkWriteBatch::~ChunkWriteBatch() { Discard(); }

Result<size_t> ChunkWriteBatch::RemoveAbandoned(const ChunkStore& store) {
  namespace fs = std::filesystem;
  size_t removed = 0;
  std::error_code ec;
  for (auto folder = fs::directory_iterator(store.dir(), ec);
       !ec && folder != fs::directory_iterator(); folder.increment(ec)) {
    if (!folder->is_directory(ec)) continue;
    std::error_code ec2;
    for (auto f = fs::directory_iterator(folder->path(), ec2);
         !ec2 && f != fs::directory_iterator(); f.increment(ec2)) {
      const auto pid = BatchTempWriter(f->path().filename().string());
      if (!pid || *pid == ::getpid() || ProcessAlive(*pid)) continue;
      if (::unlink(f->path().c_str()) == 0) ++removed;
    }
    if (ec2) return Status::IoError("walk " + folder->path().string() + ": " + ec2.message());
  }
  if (ec) return Status::IoError("walk " + store.dir() + ": " + ec.message());
  return removed;
}

bool ChunkWriteBatch::IsStaged(const Hash256& hash) const {
  return std::any_of(staged_.begin(), staged_.end(),
                     [&](const Staged& s) { return s.hash == hash; });
}

Status ChunkWriteBatch::AddVerified(const Hash256& expected, ByteView data) {
  CREDMESH_RETURN_IF_ERROR(ChunkStore::CheckHash(expected, data));
  return Stage(expected, data);
}

Result<Hash256> ChunkWriteBatch::Add(ByteView data) {
  const Hash256 hash = Blake2b256(data);
  CREDMESH_RETURN_IF_ERROR(Stage(hash, data));
  return hash;
}

Status ChunkWriteBatch::Stage(const Hash256& expected, ByteView data) {
  CREDMESH_RETURN_IF_ERROR(store_.RefusePurged(expected));
  if (IsStaged(expected) || store_.Has(expected)) return Status::Ok();
  if (!root_.valid()) {
    root_ = UniqueFd(::open(store_.dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root_.valid()) return ErrnoStatus("open " + store_.dir());
  }
  const std::string path = store_.PathOf(expected);
  CREDMESH_RETURN_IF_ERROR(ChunkStore::MakeFolderOf(path));
  const std::string temp = BatchTempName(path);
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return ErrnoStatus("create " + temp);
  const ChunkHeader header = MakeChunkHeader(data);
  Status s = WriteAll(fd.get(), header, temp);
  if (s.ok()) s = WriteAll(fd.get(), data, temp);
  if (s.ok()) s = fd.Close(temp);
  if (!s.ok()) {
    ::unlink(temp.c_str());
    return s;
  }
  staged_.push_back(Staged{expected, temp});
  bytes_ += static_cast<int64_t>(data.size());
  return Status::Ok();
}

Status ChunkWriteBatch::Commit() {
  if (staged_.empty()) {
    if (!names_pending_) return Status::Ok();
    names_pending_ = false;
    Status s = SyncFileSystem(root_.get(), store_.dir());
    root_ = UniqueFd();
    return s;
  }
  // The bytes first (and the previous commit's names): no name points at a
  // chunk before its bytes are durable.
  Status s = SyncFileSystem(root_.get(), store_.dir());
  size_t renamed = 0;
  for (; s.ok() && renamed < staged_.size(); ++renamed) {
    const Staged& c = staged_[renamed];
    const std::string path = store_.PathOf(c.hash);
    if (::rename(c.temp.c_str(), path.c_str()) != 0) s = ErrnoStatus("rename " + c.temp);
  }
  // A purge may have marked a chunk while it waited (ChunkStore::WriteChunk
  // does the same check): its bytes go again.
  for (size_t i = 0; i < renamed; ++i) {
    if (store_.IsPurged(staged_[i].hash)) {
      Status r = store_.Remove(staged_[i].hash);
      if (s.ok()) s = r;
    }
  }
  names_pending_ = renamed > 0;
  staged_.erase(staged_.begin(), staged_.begin() + static_cast<std::ptrdiff_t>(renamed));
  for (const Staged& c : staged_) ::unlink(c.temp.c_str());  // not renamed, after an error
  staged_.clear();
  bytes_ = 0;
  return s;
}

void ChunkWriteBatch::Discard() {
  for (const Staged& c : staged_) ::unlink(c.temp.c_str());
  staged_.clear();
  bytes_ = 0;
  if (!names_pending_) root_ = UniqueFd();
}

}  // namespace credmesh
