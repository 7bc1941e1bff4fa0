#include "node/node_chunk_exchange.h"

namespace credmesh {

Result<std::vector<Hash256>> NodeChunkExchange::ChunksToFetch(
    const std::vector<std::string>& scopes, size_t limit) {
  return credmesh::ChunksToFetch(store_, chunks_, scopes, limit);
}

Status NodeChunkExchange::StoreChunk(const Hash256& hash, ByteView data) {
  std::lock_guard<std::mutex> lock(received_mu_);
  return received_.AddVerified(hash, data);
}

Status NodeChunkExchange::CommitChunks() {
  std::lock_guard<std::mutex> lock(received_mu_);
  return received_.Commit();
}

Result<std::optional<Bytes>> NodeChunkExchange::ServeChunk(const std::vector<std::string>& scopes,
                                                           const Hash256& hash) {
  CREDMESH_ASSIGN_OR_RETURN(bool may, MayServeChunk(store_, hash, scopes));
  if (!may) return std::optional<Bytes>();
  auto bytes = chunks_.Get(hash);  // checked: a chunk damaged on disk is not sent
  if (bytes.ok()) return std::optional<Bytes>(std::move(*bytes));
  const Status::Code code = bytes.status().code();
  if (code == Status::Code::kNotFound || code == Status::Code::kCorruption) {
    return std::optional<Bytes>();
  }
  return bytes.status();
}

}  // namespace credmesh
