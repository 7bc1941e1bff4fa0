#include "node/bundle/bundle_import.h"

#include <fcntl.h>

#include <filesystem>
#include <set>
#include <vector>

#include "node/bundle/bundle_state.h"
#include "node/trust/trust_index.h"
#include "node/trust/trust_records.h"
#include "storage/posix_file.h"

namespace credmesh {
namespace {

constexpr size_t kImportBatch = 512;  // records per ledger call
constexpr uint64_t kImportProgressEvery = 512;

// A staging chunk store in a fresh folder, removed with everything in it
// when this goes out of scope.
class StagingArea {
 public:
  static Result<StagingArea> Create(const std::string& parent) {
    uint8_t rnd[8];
    RandomBytes(rnd, sizeof rnd);
    const std::string dir = parent + "/bundle-staging-" + ToHex(ByteView(rnd, sizeof rnd));
    CREDMESH_ASSIGN_OR_RETURN(ChunkStore store, ChunkStore::Open(dir));
    // Opened before any chunk is staged, so that Sync reports a write-back
    // error of any of them (SyncFileSystem).
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) return ErrnoStatus("open " + dir);
    return StagingArea(dir, std::move(store), std::move(fd));
  }
  StagingArea(StagingArea&& o) noexcept
      : dir_(std::move(o.dir_)), store_(std::move(o.store_)), sync_fd_(std::move(o.sync_fd_)) {
    o.dir_.clear();
  }
  StagingArea& operator=(StagingArea&&) = delete;
  StagingArea(const StagingArea&) = delete;
  StagingArea& operator=(const StagingArea&) = delete;
  ~StagingArea() {
    if (dir_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ChunkStore& store() { return store_; }
  // Makes every write to the file system of the staging folder (and of the
  // chunk store beside it) durable: one sync for all staged chunks instead
  // of two fsyncs each (docs/files.md §3).
  Status Sync() { return SyncFileSystem(sync_fd_.get(), dir_); }

 private:
  StagingArea(std::string dir, ChunkStore store, UniqueFd sync_fd)
      : dir_(std::move(dir)), store_(std::move(store)), sync_fd_(std::move(sync_fd)) {}
  std::string dir_;
  ChunkStore store_;
  UniqueFd sync_fd_;
};

}  // namespace

Result<BundleImportSummary> ImportBundle(const BundleImportTarget& t, const std::string& path) {
  CREDMESH_ASSIGN_OR_RETURN(BundleReader reader, BundleReader::Open(path));
  const BundleHeader& h = reader.header();
  BundleImportSummary sum;
  sum.mode = h.mode;
  sum.sender = h.sender;
  if (h.district != t.district)
    return Status::Unauthorized("the bundle is from district " + h.district +
                                ", and this node belongs to district " + t.district);
  CREDMESH_RETURN_IF_ERROR(reader.Unlock(*t.identity));  // addressed to us?
  TrustIndex index(t.store->db());
  CREDMESH_ASSIGN_OR_RETURN(sum.sender_cert,
                            NodeCertificateOf(index, h.sender, t.now_hlc, t.district));
  if (sum.sender_cert.role.empty())
    return Status::Unauthorized("the bundle was exported by node " + ShortKey(h.sender) +
                                ", which holds no certificate of district " + t.district +
                                " in effect here (unknown, expired or revoked)");
  CREDMESH_ASSIGN_OR_RETURN(NodeCertInfo self, t.policy->Self());
  if (self.role.empty())
    return Status::FailedPrecondition("this node holds no node certificate in effect");

  CREDMESH_ASSIGN_OR_RETURN(StagingArea staging, StagingArea::Create(t.staging_parent));
  CREDMESH_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(t.store->db()));
  std::vector<VerifiedRecord> batch;
  std::vector<Hash256> staged;
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::Ok();
    CREDMESH_ASSIGN_OR_RETURN(IngestSummary s, t.ledger->IngestVerified(std::exchange(batch, {})));
    sum.ingest += s;
    return Status::Ok();
  };
  std::string scope;
  std::vector<std::string> scopes;
  uint64_t items = 0;
  for (;;) {
    CREDMESH_ASSIGN_OR_RETURN(auto item, reader.Next());
    if (!item) break;
    switch (item->type) {
      case BundleItemType::kScope:
        if (GrantedScopes(*t.policy, sum.sender_cert, self, {item->scope}).empty())
          return Status::Unauthorized("the bundle carries scope " + item->scope +
                                      ", which the exporting node or this node may not read");
        scope = item->scope;
        scopes.push_back(scope);
        break;
      case BundleItemType::kRecord: {
        auto rec = VerifiedRecord::Verify(Bytes(item->record.begin(), item->record.end()));
        if (!rec.ok())
          return Status::Corruption(
              path + ": record " + std::to_string(reader.stats().counts.records) +
              " fails verification (" + rec.status().message() + "): the bundle was altered");
        if (scope.empty() || rec->record().scope != scope)
          return Status::Corruption(path + ": record " + rec->id().hex().substr(0, 16) +
                                    " of scope " + rec->record().scope + " is filed under " +
                                    (scope.empty() ? "no scope" : scope));
        batch.push_back(std::move(*rec));
        if (batch.size() >= kImportBatch) CREDMESH_RETURN_IF_ERROR(flush());
        break;
      }
      case BundleItemType::kChunk: {
        if (t.chunks->Has(item->chunk_hash)) {
          if (Blake2b256(item->chunk) != item->chunk_hash)
            return Status::Corruption(path + ": chunk " + item->chunk_hash.hex().substr(0, 16) +
                                      " does not match its hash: the bundle was altered");
          ++sum.chunks_held;
          break;
        }
        Status s =
            staging.store().PutVerified(item->chunk_hash, item->chunk, ChunkStore::Sync::kDeferred);
        if (s.code() == Status::Code::kCorruption)
          return Status::Corruption(path + ": " + s.message() + ": the bundle was altered");
        CREDMESH_RETURN_IF_ERROR(s);
        staged.push_back(item->chunk_hash);
        break;
      }
      case BundleItemType::kEnd:
        break;  // Next() consumes END itself
    }
    if (t.progress && ++items % kImportProgressEvery == 0) t.progress(reader.stats());
  }
  CREDMESH_RETURN_IF_ERROR(flush());
  // Keep only chunks that a valid evidence record of a carried scope names
  // (records of this bundle included: the transaction sees them), so a
  // bundle cannot fill the chunk store with bytes nothing refers to.
  std::set<Hash256> named;
  for (const std::string& sc : scopes) {
    CREDMESH_ASSIGN_OR_RETURN(auto chunks, ChunksOfScope(*t.store, sc));
    named.insert(chunks.begin(), chunks.end());
  }
  std::erase_if(staged, [&](const Hash256& c) {
    if (!named.count(c)) {
      ++sum.chunks_unreferenced;
      return true;
    }
    if (t.chunks->IsPurged(c)) {  // purged here: the bytes never come back
      ++sum.chunks_purged;
      return true;
    }
    return false;
  });
  // Verified to the last byte: make it so. Chunks first, so that a record
  // never names a chunk that the commit left behind. Their bytes are made
  // durable before any enters the chunk store (a chunk is never held before
  // its bytes are durable), and the renames before the records commit.
  if (!staged.empty()) CREDMESH_RETURN_IF_ERROR(staging.Sync());
  std::vector<Hash256> adopted;
  auto undo_chunks = [&] {
    for (const Hash256& c : adopted) (void)t.chunks->Remove(c);
  };
  for (const Hash256& c : staged) {
    const bool had = t.chunks->Has(c);
    if (Status s = t.chunks->Adopt(staging.store(), c, ChunkStore::Sync::kDeferred); !s.ok()) {
      undo_chunks();
      return s;
    }
    if (!had) {
      adopted.push_back(c);
      ++sum.chunks_new;
    } else {
      ++sum.chunks_held;
    }
  }
  if (!adopted.empty()) {
    if (Status s = staging.Sync(); !s.ok()) {
      undo_chunks();
      return s;
    }
  }
  if (Status s = tx.Commit(); !s.ok()) {
    undo_chunks();
    return s.WithContext("commit of the bundle's records failed; nothing was applied");
  }
  sum.io = reader.stats();
  if (t.progress) t.progress(sum.io);
  return sum;
}

}  // namespace credmesh
