#include "protocol/reconcile_source.h"

#include <algorithm>

#include "protocol/crypto.h"

namespace credmesh {

Bound Bound::Between(const SyncItem& prev, const SyncItem& next) {
  Bound b{next.ts, {}};
  if (prev.ts != next.ts) return b;
  size_t k = 0;
  while (k < RecordId::kSize && prev.id.data[k] == next.id.data[k]) ++k;
  // prev < next with equal timestamps, so the ids differ at byte k < 32 and
  // next.id[k] > prev.id[k] >= 0: the prefix never ends in a zero byte.
  std::copy_n(next.id.data.begin(), std::min(k + 1, RecordId::kSize), b.id.data.begin());
  return b;
}

size_t Bound::prefix_size() const {
  size_t n = RecordId::kSize;
  while (n > 0 && id.data[n - 1] == 0) --n;
  return n;
}

void IdSum::Add(const RecordId& id) {
  IdSum other;
  for (size_t i = 0; i < 4; ++i) {
    uint64_t limb = 0;
    for (size_t j = 0; j < 8; ++j) limb |= static_cast<uint64_t>(id.data[i * 8 + j]) << (8 * j);
    other.limbs[i] = limb;
  }
  Add(other);
}

void IdSum::Add(const IdSum& other) {
  uint64_t carry = 0;
  for (size_t i = 0; i < 4; ++i) {
    uint64_t a = limbs[i], b = other.limbs[i];
    uint64_t s = a + b;
    uint64_t c1 = s < a;
    uint64_t s2 = s + carry;
    uint64_t c2 = s2 < s;
    limbs[i] = s2;
    carry = c1 | c2;
  }  // the final carry falls off: arithmetic is modulo 2^256
}

void IdSum::Subtract(const IdSum& other) {
  uint64_t borrow = 0;
  for (size_t i = 0; i < 4; ++i) {
    uint64_t a = limbs[i], b = other.limbs[i];
    uint64_t d = a - b;
    uint64_t b1 = a < b;
    uint64_t d2 = d - borrow;
    uint64_t b2 = d < borrow;
    limbs[i] = d2;
    borrow = b1 | b2;
  }
}

std::array<uint8_t, 32> IdSum::ToBytes() const {
  std::array<uint8_t, 32> out{};
  for (size_t i = 0; i < 4; ++i) {
    for (size_t j = 0; j < 8; ++j) out[i * 8 + j] = static_cast<uint8_t>(limbs[i] >> (8 * j));
  }
  return out;
}

Fingerprint RangeSummary::fingerprint() const {
  std::array<uint8_t, 40> input{};
  auto sum = this->sum.ToBytes();
  std::copy(sum.begin(), sum.end(), input.begin());
  for (size_t j = 0; j < 8; ++j) input[32 + j] = static_cast<uint8_t>(count >> (8 * j));
  Hash256 h = Blake2b256({input.data(), input.size()});
  Fingerprint fp;
  std::copy_n(h.data.begin(), Fingerprint::kSize, fp.data.begin());
  return fp;
}

Status MemoryItemSource::Insert(const SyncItem& item) {
  if (item.ts > kMaxSyncTimestamp) {
    return Status::InvalidArgument("sync item timestamp " + std::to_string(item.ts) +
                                   " is above the int64 range");
  }
  pending_.push_back(item);
  return Status::Ok();
}

Status MemoryItemSource::Insert(const std::vector<SyncItem>& items) {
  for (const auto& item : items) CREDMESH_RETURN_IF_ERROR(Insert(item));
  return Status::Ok();
}

void MemoryItemSource::Rebuild() const {
  if (!pending_.empty()) {
    std::sort(pending_.begin(), pending_.end());
    pending_.erase(std::unique(pending_.begin(), pending_.end()), pending_.end());
    std::vector<SyncItem> merged;
    merged.reserve(items_.size() + pending_.size());
    std::merge(items_.begin(), items_.end(), pending_.begin(), pending_.end(),
               std::back_inserter(merged));
    merged.erase(std::unique(merged.begin(), merged.end()), merged.end());
    items_ = std::move(merged);
    pending_.clear();
    pending_.shrink_to_fit();
    prefix_.clear();
  }
  if (prefix_.empty()) {
    prefix_.reserve(items_.size() / kStride + 1);
    IdSum running;
    prefix_.push_back(running);
    for (size_t i = 0; i < items_.size(); ++i) {
      running.Add(items_[i].id);
      if ((i + 1) % kStride == 0) prefix_.push_back(running);
    }
  }
}

size_t MemoryItemSource::size() const {
  Rebuild();
  return items_.size();
}

RangeSummary MemoryItemSource::Total() const {
  Rebuild();
  return {items_.size(), SumBefore(items_.size())};
}

size_t MemoryItemSource::LowerIndex(const Bound& b) const {
  auto it = std::lower_bound(items_.begin(), items_.end(), b,
                             [](const SyncItem& item, const Bound& bound) { return item < bound; });
  return static_cast<size_t>(it - items_.begin());
}

IdSum MemoryItemSource::SumBefore(size_t index) const {
  size_t block = index / kStride;
  IdSum s = prefix_[block];
  for (size_t i = block * kStride; i < index; ++i) s.Add(items_[i].id);
  return s;
}

Result<RangeSummary> MemoryItemSource::Summarize(const Bound& lower, const Bound& upper) const {
  Rebuild();
  size_t i = LowerIndex(lower), j = LowerIndex(upper);
  if (j <= i) return RangeSummary{};
  IdSum s = SumBefore(j);
  s.Subtract(SumBefore(i));
  return RangeSummary{j - i, s};
}

Result<std::optional<SyncItem>> MemoryItemSource::ItemAt(const Bound& lower,
                                                         uint64_t offset) const {
  Rebuild();
  size_t i = LowerIndex(lower);
  if (offset >= items_.size() - i) return std::optional<SyncItem>();
  return std::optional<SyncItem>(items_[i + offset]);
}

Result<std::vector<SyncItem>> MemoryItemSource::List(const Bound& lower, const Bound& upper,
                                                     size_t max_items) const {
  Rebuild();
  size_t i = LowerIndex(lower), j = LowerIndex(upper);
  std::vector<SyncItem> out;
  if (j <= i) return out;
  j = std::min(j, i + std::min(max_items, j - i));
  out.assign(items_.begin() + static_cast<std::ptrdiff_t>(i),
             items_.begin() + static_cast<std::ptrdiff_t>(j));
  return out;
}

}  // namespace credmesh
