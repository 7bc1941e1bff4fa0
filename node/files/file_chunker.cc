#include "node/files/file_chunker.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "node/files/chunk_write_batch.h"
#include "node/files/media_type.h"
#include "protocol/crypto.h"
#include "storage/posix_file.h"

namespace credmesh {
namespace {

std::string MiB(int64_t bytes) { return std::to_string(bytes / (1024 * 1024)) + " MiB"; }

}  // namespace

Status FileManifest::Validate() const {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    return Status::InvalidArgument("file name '" + name + "' is not a plain file name");
  }
  if (chunk_size <= 0 || chunk_size > kChunkSize) {
    return Status::InvalidArgument("chunk size " + std::to_string(chunk_size) + " is out of range");
  }
  if (size < 0 || size > kMaxFileSize) return Status::InvalidArgument("file size out of range");
  const int64_t want = (size + chunk_size - 1) / chunk_size;
  if (static_cast<int64_t>(chunks.size()) != want) {
    return Status::InvalidArgument("manifest lists " + std::to_string(chunks.size()) +
                                   " chunks, a " + std::to_string(size) + "-byte file has " +
                                   std::to_string(want));
  }
  return Status::Ok();
}

Result<FileManifest> ChunkFile(ChunkStore& store, const std::string& path,
                               const ChunkingOptions& options, const ChunkProgress& progress) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("cannot read " + path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("stat " + path);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + " is not a regular file");
  const int64_t limit = std::min(options.max_file_size, kMaxFileSize);
  if (st.st_size > limit) {
    return Status::ResourceExhausted(path + " is " + MiB(st.st_size) + ", over the " + MiB(limit) +
                                     " limit for one evidence file");
  }
  FileManifest m;
  m.name = std::filesystem::path(path).filename().string();
  m.chunk_size = kChunkSize;
  Blake2bHasher whole;
  // One durable commit per kChunksPerCommit chunks instead of two fsyncs
  // per chunk (docs/files.md §4); chunks not yet committed when this fails
  // are dropped with the batch.
  ChunkWriteBatch batch(store);
  Bytes buf(static_cast<size_t>(kChunkSize));
  const int64_t total = st.st_size;
  for (;;) {
    CREDMESH_ASSIGN_OR_RETURN(size_t n, ReadUpTo(fd.get(), buf.data(), buf.size(), path));
    if (n == 0) break;
    ByteView chunk(buf.data(), n);
    if (m.size == 0) {
      m.media_type =
          options.media_type.empty() ? GuessMediaType(chunk, m.name) : options.media_type;
    }
    whole.Update(chunk);
    CREDMESH_ASSIGN_OR_RETURN(Hash256 h, batch.Add(chunk));
    m.chunks.push_back(h);
    if (batch.size() >= kChunksPerCommit) CREDMESH_RETURN_IF_ERROR(batch.Commit());
    m.size += static_cast<int64_t>(n);
    if (m.size > limit) {  // the file grew while we read it
      return Status::ResourceExhausted(path + " grew over the " + MiB(limit) +
                                       " limit while being read");
    }
    if (progress) progress(m.size, std::max(total, m.size));
    if (n < buf.size()) break;
  }
  if (m.size == 0) {
    m.media_type = options.media_type.empty() ? GuessMediaType({}, m.name) : options.media_type;
  }
  m.hash = whole.Final();
  CREDMESH_RETURN_IF_ERROR(m.Validate());
  // Every chunk durable and held, names included, before the caller signs
  // a record naming them: the second commit syncs the first one's renames.
  CREDMESH_RETURN_IF_ERROR(batch.Commit());
  CREDMESH_RETURN_IF_ERROR(batch.Commit());
  return m;
}

Status AssembleFile(const ChunkStore& store, const FileManifest& manifest,
                    const std::string& out_path) {
  CREDMESH_RETURN_IF_ERROR(manifest.Validate());
  if (std::filesystem::exists(out_path))
    return Status::AlreadyExists(out_path + " exists; not overwriting");
  const std::string tmp = out_path + ".part";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd.get() < 0) return ErrnoStatus("create " + tmp);
  auto fail = [&](Status s) {
    ::unlink(tmp.c_str());
    return s;
  };
  Blake2bHasher whole;
  int64_t written = 0;
  for (size_t i = 0; i < manifest.chunks.size(); ++i) {
    auto chunk = store.Get(manifest.chunks[i]);
    if (!chunk.ok()) return fail(chunk.status());
    const int64_t expect = std::min(manifest.chunk_size, manifest.size - written);
    if (static_cast<int64_t>(chunk->size()) != expect) {
      return fail(Status::Corruption("chunk " + std::to_string(i) + " of " + manifest.name +
                                     " has " + std::to_string(chunk->size()) + " bytes, expected " +
                                     std::to_string(expect)));
    }
    whole.Update(*chunk);
    if (Status s = WriteAll(fd.get(), *chunk, tmp); !s.ok()) return fail(s);
    written += static_cast<int64_t>(chunk->size());
  }
  if (whole.Final() != manifest.hash) {
    return fail(Status::Corruption(manifest.name + ": the assembled file does not match its hash"));
  }
  if (::fsync(fd.get()) != 0) return fail(ErrnoStatus("fsync " + tmp));
  if (Status s = fd.Close(tmp); !s.ok()) return fail(s);
  if (::rename(tmp.c_str(), out_path.c_str()) != 0) return fail(ErrnoStatus("rename " + tmp));
  return Status::Ok();
}

FileAvailability Availability(const ChunkStore& store, const FileManifest& manifest) {
  FileAvailability a;
  a.chunks_total = static_cast<int64_t>(manifest.chunks.size());
  for (size_t i = 0; i < manifest.chunks.size(); ++i) {
    if (store.Has(manifest.chunks[i])) {
      ++a.chunks_present;
    } else {
      const int64_t start = static_cast<int64_t>(i) * manifest.chunk_size;
      a.bytes_missing += std::min(manifest.chunk_size, manifest.size - start);
    }
  }
  return a;
}

}  // namespace credmesh
