// bundle_state.h: what a node holds, summarised for an exporting node that
// cannot ask (docs/bundle-format.md, "State file"). Per scope, the node's
// valid records are cut into consecutive ranges of the (timestamp, id) order
// of at most kStateRangeItems items, each given by its upper bound, item
// count and 16-byte fingerprint — the range summary of network
// reconciliation (protocol/reconcile_source.h) — so the exporter sends only
// the ranges whose summary differs from its own. The evidence file chunks
// held are summarised by a keyed Bloom filter. The file is signed by the
// node whose holdings it describes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "node/files/chunk_store.h"
#include "node/sync/sync_backend.h"
#include "protocol/crypto.h"
#include "protocol/reconcile_source.h"
#include "storage/store.h"

namespace credmesh {

inline constexpr char kStateMagic[] = "CMBSTATE";  // 8 bytes on disk, no NUL
inline constexpr uint8_t kStateVersion = 1;
inline constexpr char kStateSignContext[] = "credmesh-bundle-state/1";
// Items per range: the state costs ~30 bytes per this many records (about
// 240 KB per million), and a differing range resends at most this many.
inline constexpr size_t kStateRangeItems = 128;

struct StateRange {
  Bound upper;  // exclusive; the last range's is Bound::Infinity()
  uint64_t count = 0;
  Fingerprint fingerprint;
  bool operator==(const StateRange&) const = default;
};

struct ScopeState {
  std::string scope;
  std::vector<StateRange> ranges;  // consecutive from Bound::Min() to infinity
  bool operator==(const ScopeState&) const = default;
};

// A Bloom filter over chunk hashes, keyed (SipHash-2-4) with a key fresh
// for each state file, so that a chunk wrongly taken as held (false
// positive, about 1 in 3 million) is not wrongly taken again next time.
class ChunkFilter {
 public:
  static constexpr uint8_t kHashes = 16;
  static constexpr size_t kBitsPerChunk = 32;
  ChunkFilter() = default;
  // An empty filter sized for `expected` chunks.
  ChunkFilter(size_t expected, const FixedBytes<16>& key);
  void Add(const Hash256& chunk);
  bool MayHold(const Hash256& chunk) const;

  FixedBytes<16> key;
  uint8_t hashes = kHashes;
  std::vector<uint8_t> bits;  // bit b is bits[b / 8] & (1 << (b % 8))
  bool operator==(const ChunkFilter&) const = default;
};

struct BundleState {
  int64_t created_ms = 0;
  std::string district;
  PublicKey node;  // whose holdings these are; the state is signed by it
  std::vector<ScopeState> scopes;
  ChunkFilter chunks;

  // The signed encoding.
  Bytes Encode(const SigningKey& node_key) const;
  // Parses and checks the signature against `node`. Errors: kCorruption.
  static Result<BundleState> Parse(ByteView data);
  const ScopeState* Find(const std::string& scope) const;
};

// The ranges of one scope's item set.
Result<std::vector<StateRange>> SummarizeScope(const ItemSource& items,
                                               size_t range_items = kStateRangeItems);

// Hashes of the file chunks named by the valid evidence records of `scope`,
// each once, in record order.
Result<std::vector<Hash256>> ChunksOfScope(Store& store, const std::string& scope);

// The scopes this node holds valid records of, sorted.
Result<std::vector<std::string>> HeldScopes(Store& store);

// What this node holds: every scope it holds records of, and the chunks of
// those scopes' files that are in `chunks`. `filter_key` is random in use.
Result<BundleState> SummarizeHoldings(Store& store, ScopeItemCache& cache, const ChunkStore& chunks,
                                      const PublicKey& node, const std::string& district,
                                      int64_t now_ms, const FixedBytes<16>& filter_key);

}  // namespace credmesh
