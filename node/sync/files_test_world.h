// files_test_world.h: test-only fixtures for evidence file transfer
// (docs/protocol.md §16) on top of sync_test_world.h: each node's chunk
// exchange, attaching a file as a signed evidence record, sessions with
// chunks, a driver that can cut a session after some chunks, and a chunk
// source that corrupts what it serves (a fault injected in the test world,
// never a production flag).
#pragma once

#include <fstream>
#include <functional>

#include "node/credentials/credential_records.h"
#include "node/evidence_files.h"
#include "node/node_chunk_exchange.h"
#include "node/sync/sync_test_world.h"

namespace credmesh::testing {

// Deterministic pseudo-random bytes (xorshift), so tests can rebuild them.
inline Bytes PatternBytes(size_t n, uint64_t seed) {
  Bytes out(n);
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<uint8_t>(x);
  }
  return out;
}

inline std::unique_ptr<NodeChunkExchange> ExchangeOf(SyncPeer& p) {
  auto store = ChunkStore::Open(p.node->Path(Node::kChunkDir));
  if (!store.ok()) throw std::runtime_error(store.status().ToString());
  return std::make_unique<NodeChunkExchange>(p.node->store(), std::move(*store));
}

// Stores `content` in `at`'s chunk store and signs a submission.evidence
// record naming it in `scope` with the district root (which may write
// anything). Returns the file's manifest.
inline FileManifest AttachFile(SyncWorld& w, SyncPeer& at, const std::string& scope,
                               const std::string& submission, const Bytes& content,
                               const std::string& name = "video.mp4") {
  const std::string path = w.dir + "/attach-" + name;
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(content.data()),
            static_cast<std::streamsize>(content.size()));
  }
  auto store = ChunkStore::Open(at.node->Path(Node::kChunkDir));
  SyncWorld::Check(store.status());
  auto manifest = ChunkFile(*store, path, ChunkingOptions{});
  SyncWorld::Check(manifest.status());
  EvidenceBody b;
  b.attempt = 1;
  b.slot = "lesson-" + name;
  b.file = EvidenceFileOf(*manifest);
  auto r = at.node->ledger().Write(kSubmissionEvidenceKind, scope, submission, b.ToValue(), w.root);
  SyncWorld::Check(r.status());
  std::filesystem::remove(path);
  return *manifest;
}

// Whether `p` holds every chunk of `m` (and so can assemble the file).
inline bool HoldsFile(SyncPeer& p, const FileManifest& m) {
  auto store = ChunkStore::Open(p.node->Path(Node::kChunkDir));
  return store.ok() && Availability(*store, m).complete();
}

// How many of `m`'s chunks `p` holds.
inline int64_t ChunksHeld(SyncPeer& p, const FileManifest& m) {
  auto store = ChunkStore::Open(p.node->Path(Node::kChunkDir));
  return store.ok() ? Availability(*store, m).chunks_present : 0;
}

// Sessions with chunks. Unless `store_thread`, received chunks are stored
// on the session's thread as each arrives, so that a test stepping the two
// sessions frame by frame sees each one stored at once.
inline std::unique_ptr<SyncClientSession> MakeFileClient(SyncPeer& from, SyncPeer& to, Clock& clock,
                                                         std::vector<std::string> scopes,
                                                         ChunkExchange* chunks, unsigned credit = 8,
                                                         bool store_thread = false) {
  ClientOptions o;
  o.chunk_store_thread = store_thread;
  o.chunks_per_commit = 0;  // one commit per credit window: what the tests count
  o.scopes = std::move(scopes);
  o.server_key = to.key();
  o.chunks = chunks;
  o.chunk_credit = credit;
  auto c = SyncClientSession::Create(*from.backend, *from.policy, clock, o);
  if (!c.ok()) throw std::runtime_error(c.status().ToString());
  (*c)->Start();
  return std::move(*c);
}

inline std::unique_ptr<SyncServerSession> MakeFileServer(SyncPeer& at, const PublicKey& client_key,
                                                         Clock& clock, ChunkExchange* chunks,
                                                         bool store_thread = false) {
  SessionOptions o;
  o.chunk_store_thread = store_thread;
  o.chunks_per_commit = 0;
  o.chunks = chunks;
  return std::make_unique<SyncServerSession>(*at.backend, *at.policy, clock, client_key, o);
}

// Moves frames as a socket loop does (each side sends all it has, then the
// other), until both are silent or `stop` holds (checked after every frame,
// so a test can cut a session anywhere); `each` sees both sessions after
// every frame. Returns the frames moved.
inline int RunPairStepwise(SyncSession& client, SyncSession& server,
                           const std::function<bool()>& stop = {},
                           const std::function<void()>& each = {}, int max_frames = 200000) {
  int frames = 0;
  auto deliver = [&](SyncSession& from, SyncSession& to) {
    from.Tick();
    while (auto f = from.NextFrame()) {
      to.OnFrame(*f);
      ++frames;
      if (each) each();
      if ((stop && stop()) || frames >= max_frames) return true;
    }
    return false;
  };
  for (;;) {
    const int before = frames;
    if (deliver(client, server) || deliver(server, client)) break;
    if (frames == before) break;
  }
  return frames;
}

// A chunk exchange that serves through `inner` but flips one byte of the
// first `bad` chunks it serves: a peer with a faulty disk or a liar.
class CorruptingExchange final : public ChunkExchange {
 public:
  CorruptingExchange(ChunkExchange& inner, int bad) : inner_(inner), bad_(bad) {}
  Result<std::vector<Hash256>> ChunksToFetch(const std::vector<std::string>& scopes,
                                             size_t limit) override {
    return inner_.ChunksToFetch(scopes, limit);
  }
  Status StoreChunk(const Hash256& hash, ByteView data) override {
    return inner_.StoreChunk(hash, data);
  }
  Status CommitChunks() override { return inner_.CommitChunks(); }
  Result<std::optional<Bytes>> ServeChunk(const std::vector<std::string>& scopes,
                                          const Hash256& hash) override {
    auto r = inner_.ServeChunk(scopes, hash);
    if (r.ok() && *r && corrupted_ < bad_) {
      (**r)[(**r).size() / 2] ^= 0x01;
      ++corrupted_;
    }
    return r;
  }
  int corrupted() const { return corrupted_; }

 private:
  ChunkExchange& inner_;
  int bad_;
  int corrupted_ = 0;
};

}  // namespace credmesh::testing
