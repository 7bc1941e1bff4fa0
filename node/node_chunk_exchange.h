// node_chunk_exchange.h: a node's side of evidence file transfer
// (docs/protocol.md §16): the sync layer's ChunkExchange over the node's
// chunk store and the evidence_chunks index. What to fetch and what may be
// served are decided by ChunksToFetch and MayServeChunk (evidence_files.h).
#pragma once

#include <mutex>

#include "node/evidence_files.h"
#include "node/files/chunk_store.h"
#include "node/files/chunk_write_batch.h"
#include "node/sync/chunk_exchange.h"
#include "storage/store.h"

namespace credmesh {

class NodeChunkExchange final : public ChunkExchange {
 public:
  // `store` must outlive the exchange. Thread-safety as ChunkExchange:
  // the chunks received from all sessions go through one write batch,
  // which a mutex guards.
  NodeChunkExchange(Store& store, ChunkStore chunks)
      : store_(store), chunks_(chunks), received_(std::move(chunks)) {}

  Result<std::vector<Hash256>> ChunksToFetch(const std::vector<std::string>& scopes,
                                             size_t limit) override;
  Status StoreChunk(const Hash256& hash, ByteView data) override;
  Status CommitChunks() override;
  Result<std::optional<Bytes>> ServeChunk(const std::vector<std::string>& scopes,
                                          const Hash256& hash) override;

  const ChunkStore& chunks() const { return chunks_; }

 private:
  Store& store_;
  ChunkStore chunks_;
  std::mutex received_mu_;
  ChunkWriteBatch received_;  // chunks from peers, until CommitChunks; guarded by received_mu_
};

}  // namespace credmesh
