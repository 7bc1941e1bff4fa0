// chunk_exchange.h: what a sync session needs from a node to move evidence
// file chunks in version 2 of the protocol (docs/protocol.md §16). The sync
// layer knows neither the chunk store nor evidence records: the assembly
// (node/node_chunk_exchange.h) implements this over both, so node/sync keeps
// depending only on trust and the ledger.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/status.h"

namespace credmesh {

// Thread-safety: ChunksToFetch and ServeChunk are called by the thread
// that drives the session; StoreChunk and CommitChunks may run on other
// threads (a session's ChunkStorer), at the same time as those, and, when
// several sessions share one exchange, at the same time as each other.
class ChunkExchange {
 public:
  virtual ~ChunkExchange() = default;
  // Client: at most `limit` hashes of chunks this node lacks, of the files
  // named by valid evidence records of `scopes`, each once, in the order to
  // fetch them (record by record, file order within each).
  virtual Result<std::vector<Hash256>> ChunksToFetch(const std::vector<std::string>& scopes,
                                                     size_t limit) = 0;
  // Client: stores a chunk received from a peer if its BLAKE2b-256 is
  // `hash`; it is held (durable, no longer listed by ChunksToFetch) once
  // CommitChunks returns. Errors: kCorruption (storing nothing) if it is
  // not; storage errors otherwise.
  virtual Status StoreChunk(const Hash256& hash, ByteView data) = 0;
  // Client: makes the chunks stored since the last commit durable, then
  // held, with one sync for all of them (docs/files.md §3); that sync also
  // makes the previous commit's renames durable, and a commit with nothing
  // stored makes the last commit's renames durable. Errors: storage
  // failures (chunks not committed are dropped, and fetched again later).
  virtual Status CommitChunks() = 0;
  // Server: the chunk's bytes if it may go to a peer granted `scopes` (it
  // is named by a valid evidence record of one of them) and is held intact
  // here; nullopt otherwise, whatever the reason. Errors: storage failures.
  virtual Result<std::optional<Bytes>> ServeChunk(const std::vector<std::string>& scopes,
                                                  const Hash256& hash) = 0;
};

}  // namespace credmesh
