// reconcile_source.h: what range-based reconciliation needs from a store.
// Items are (timestamp, record id) pairs ordered by (timestamp, id); ranges
// are [lower, upper) between two Bounds; a range is summarised by its count
// and the 256-bit sum of its ids, from which the 16-byte fingerprint follows.
// docs/protocol.md, "Reconciliation", is the normative description.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/status.h"

namespace credmesh {

// Item timestamps are record HLC values, which records limit to int64 range
// (record.h); the wire encodes bounds as MessagePack int64.
inline constexpr uint64_t kMaxSyncTimestamp = static_cast<uint64_t>(INT64_MAX);

struct SyncItem {
  uint64_t ts = 0;
  RecordId id;
  auto operator<=>(const SyncItem&) const = default;  // (ts, id), id bytewise
};

// A position in the (ts, id) order. Lower bounds are inclusive, upper bounds
// exclusive. Infinity lies above every item; Min() at or below every item.
struct Bound {
  static constexpr uint64_t kInfinityTs = std::numeric_limits<uint64_t>::max();
  uint64_t ts = 0;
  RecordId id;  // a prefix, zero-padded to 32 bytes

  static Bound Min() { return {}; }
  static Bound Infinity() { return {kInfinityTs, {}}; }
  static Bound At(const SyncItem& item) { return {item.ts, item.id}; }
  // The shortest bound b with prev < b <= next. REQUIRES: prev < next.
  static Bound Between(const SyncItem& prev, const SyncItem& next);
  bool is_infinity() const { return ts == kInfinityTs; }
  // Bytes of `id` without its trailing zero bytes: what goes on the wire.
  size_t prefix_size() const;
  auto operator<=>(const Bound&) const = default;
};

inline bool operator<(const SyncItem& item, const Bound& b) {
  return item.ts != b.ts ? item.ts < b.ts : item.id < b.id;
}

// Sum of ids read as 256-bit little-endian integers, modulo 2^256. Adding an
// id is O(1), so a store can keep sums current under insertion.
struct IdSum {
  std::array<uint64_t, 4> limbs{};  // limbs[0] least significant
  void Add(const RecordId& id);
  void Add(const IdSum& other);
  void Subtract(const IdSum& other);
  // The 32-byte little-endian form hashed into fingerprints.
  std::array<uint8_t, 32> ToBytes() const;
  bool operator==(const IdSum&) const = default;
};

using Fingerprint = FixedBytes<16>;

struct RangeSummary {
  uint64_t count = 0;
  IdSum sum;
  // First 16 bytes of BLAKE2b-256(sum as 32 bytes LE || count as uint64 LE).
  Fingerprint fingerprint() const;
};

// What a store provides for one scope's item set. Implementations may fail
// (I/O); every method returns a Result. Calls never modify the set.
class ItemSource {
 public:
  virtual ~ItemSource() = default;
  // Count and id sum of the items in [lower, upper); empty if upper <= lower.
  virtual Result<RangeSummary> Summarize(const Bound& lower, const Bound& upper) const = 0;
  // The item `offset` places after the first item >= lower (offset 0 is that
  // item), or nullopt if there are not that many.
  virtual Result<std::optional<SyncItem>> ItemAt(const Bound& lower, uint64_t offset) const = 0;
  // Up to `max_items` items of [lower, upper) in ascending order.
  virtual Result<std::vector<SyncItem>> List(const Bound& lower, const Bound& upper,
                                             size_t max_items) const = 0;
};

// An in-memory ItemSource: a sorted vector plus prefix sums sampled every
// kStride items, rebuilt lazily (O(n)) after insertions; afterwards Summarize
// and ItemAt are O(log n). About 42 bytes per item: 1M items fit in ~42 MB.
// Not thread-safe, not even for concurrent const calls (they rebuild).
class MemoryItemSource final : public ItemSource {
 public:
  static constexpr size_t kStride = 16;

  MemoryItemSource() = default;
  // Adds an item; inserting an item already present changes nothing.
  // Errors: InvalidArgument if item.ts > kMaxSyncTimestamp.
  Status Insert(const SyncItem& item);
  Status Insert(const std::vector<SyncItem>& items);
  size_t size() const;
  // Sum over all items: the whole-set summary.
  RangeSummary Total() const;
  // Merges pending insertions now (O(n)), so that the next query is fast.
  void Prepare() const { Rebuild(); }
  // Insertions not merged yet.
  size_t pending() const { return pending_.size(); }

  Result<RangeSummary> Summarize(const Bound& lower, const Bound& upper) const override;
  Result<std::optional<SyncItem>> ItemAt(const Bound& lower, uint64_t offset) const override;
  Result<std::vector<SyncItem>> List(const Bound& lower, const Bound& upper,
                                     size_t max_items) const override;

 private:
  void Rebuild() const;  // merges pending_ into items_ and recomputes prefix_
  size_t LowerIndex(const Bound& b) const;
  IdSum SumBefore(size_t index) const;

  mutable std::vector<SyncItem> items_;    // sorted, unique
  mutable std::vector<SyncItem> pending_;  // inserted since the last rebuild
  mutable std::vector<IdSum> prefix_;      // prefix_[k] = sum of items_[0, k*kStride)
};

}  // namespace credmesh
