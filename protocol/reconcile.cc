#include "protocol/reconcile.h"

#include <algorithm>
#include <string>

#include "protocol/crypto.h"
#include "protocol/strict_unpack.h"
#include "protocol/value.h"

namespace credmesh {
namespace {

// Room kept free in every message for the closing "rest" Fingerprint range
// ([-1, 1, bin16, count] <= 30 bytes) plus a Skip flushed before it (<= 45
// bytes), and for the array header (<= 5 bytes).
constexpr size_t kRestReserveBytes = 80;
constexpr size_t kRestReserveRanges = 2;
constexpr size_t kArrayHeaderMax = 5;

struct InRange {
  Bound upper;
  RangeMode mode = RangeMode::kSkip;
  Fingerprint fingerprint;
  uint64_t count = 0;         // Fingerprint: the sender's items in the range
  std::vector<ShortId> sids;  // IdList / Need: ascending bytewise, repeats allowed
};

struct OutRange {
  Bound upper;
  RangeMode mode = RangeMode::kSkip;
  Bytes data;          // fingerprint or concatenated short ids
  uint64_t count = 0;  // Fingerprint: our items in the range
};

Status Malformed(size_t index, const std::string& what) {
  return Status::InvalidArgument("reconcile: range " + std::to_string(index) + ": " + what);
}

Result<std::vector<InRange>> DecodeRanges(ByteView message, const ReconcileLimits& limits) {
  ValueLimits vl{3, std::max<size_t>(limits.max_ranges, 4)};
  CREDMESH_ASSIGN_OR_RETURN(
      Value v, DecodeCanonicalValue(message, limits.max_message_bytes, vl, "reconcile"));
  if (!v.is_array()) {
    return Status::InvalidArgument("reconcile: type confusion: expected an array of ranges");
  }
  const auto& arr = v.as_array();
  if (arr.size() > limits.max_ranges) {
    return Status::ResourceExhausted("reconcile: " + std::to_string(arr.size()) +
                                     " ranges exceed the limit of " +
                                     std::to_string(limits.max_ranges));
  }
  std::vector<InRange> out;
  out.reserve(arr.size());
  Bound prev = Bound::Min();
  for (size_t i = 0; i < arr.size(); ++i) {
    const Value& r = arr[i];
    if (!r.is_array()) return Malformed(i, "type confusion: a range must be an array");
    const auto& f = r.as_array();
    if (f.size() < 2 || f.size() > 5) return Malformed(i, "a range has 2 to 5 elements");
    if (!f[0].is_int() || !f[1].is_int()) {
      return Malformed(i, "type confusion: timestamp and mode must be integers");
    }
    if (prev.is_infinity()) return Malformed(i, "a range follows the infinity bound");
    InRange in;
    int64_t ts = f[0].as_int();
    if (ts == -1) {
      in.upper = Bound::Infinity();
    } else if (ts < 0) {
      return Malformed(i, "timestamp delta " + std::to_string(ts) + " is negative");
    } else {
      uint64_t delta = static_cast<uint64_t>(ts);
      if (delta > kMaxSyncTimestamp - prev.ts) return Malformed(i, "timestamp overflows");
      in.upper.ts = prev.ts + delta;
    }
    int64_t mode = f[1].as_int();
    if (mode < 0 || mode > 3) return Malformed(i, "unknown mode " + std::to_string(mode));
    in.mode = static_cast<RangeMode>(mode);
    const size_t fixed =
        in.mode == RangeMode::kSkip ? 2 : (in.mode == RangeMode::kFingerprint ? 4 : 3);
    if (f.size() < fixed || f.size() > fixed + 1) {
      return Malformed(i, "wrong number of elements for mode " + std::to_string(mode));
    }
    if (f.size() == fixed + 1) {
      const Value& p = f[fixed];
      if (!p.is_bytes()) return Malformed(i, "type confusion: id prefix must be bytes");
      const Bytes& b = p.as_bytes();
      if (b.empty() || b.size() > RecordId::kSize)
        return Malformed(i, "id prefix must be 1..32 bytes");
      if (b.back() == 0) return Malformed(i, "non-canonical: id prefix ends in a zero byte");
      if (in.upper.is_infinity()) return Malformed(i, "the infinity bound takes no id prefix");
      std::copy(b.begin(), b.end(), in.upper.id.data.begin());
    }
    if (!(prev < in.upper)) return Malformed(i, "bounds are not strictly ascending");
    if (in.mode == RangeMode::kSkip && i > 0 && out.back().mode == RangeMode::kSkip) {
      return Malformed(i, "non-canonical: adjacent Skip ranges");
    }
    if (in.mode == RangeMode::kFingerprint) {
      if (!f[2].is_bytes()) return Malformed(i, "type confusion: fingerprint must be bytes");
      auto fp = Fingerprint::FromView(f[2].as_bytes());
      if (!fp) return Malformed(i, "fingerprint must be 16 bytes");
      in.fingerprint = *fp;
      if (!f[3].is_int()) return Malformed(i, "type confusion: item count must be an integer");
      if (f[3].as_int() < 0) return Malformed(i, "item count is negative");
      in.count = static_cast<uint64_t>(f[3].as_int());
    } else if (in.mode == RangeMode::kIdList || in.mode == RangeMode::kNeed) {
      if (!f[2].is_bytes()) return Malformed(i, "type confusion: id list must be bytes");
      const Bytes& b = f[2].as_bytes();
      if (b.size() % ShortId::kSize != 0)
        return Malformed(i, "id list length is not a multiple of 8");
      if (in.mode == RangeMode::kNeed && b.empty())
        return Malformed(i, "a Need range lists no ids");
      in.sids.resize(b.size() / ShortId::kSize);
      for (size_t k = 0; k < in.sids.size(); ++k) {
        std::copy_n(b.begin() + static_cast<std::ptrdiff_t>(k * ShortId::kSize), ShortId::kSize,
                    in.sids[k].data.begin());
        if (k > 0 && in.sids[k] < in.sids[k - 1])
          return Malformed(i, "short ids are not ascending");
      }
    }
    prev = in.upper;
    out.push_back(std::move(in));
  }
  if (!out.empty() && out.back().mode == RangeMode::kSkip) {
    return Malformed(out.size() - 1, "non-canonical: trailing Skip range");
  }
  return out;
}

// Accumulates an outgoing message range by range, coalescing Skips, keeping
// room for one closing "rest" range.
class RangeWriter {
 public:
  explicit RangeWriter(const ReconcileLimits& limits) : limits_(limits) {}

  void Skip(const Bound& upper) { pending_skip_ = upper; }

  // Appends `unit` if it fits with the reserve; otherwise appends nothing.
  bool TryAppend(const std::vector<OutRange>& unit) {
    Bytes tmp;
    uint64_t ts = prev_ts_;
    size_t n = 0;
    if (pending_skip_ && !unit.empty()) {
      Encode({*pending_skip_, RangeMode::kSkip, {}}, ts, tmp);
      ++n;
    }
    for (const auto& r : unit) {
      Encode(r, ts, tmp);
      ++n;
    }
    if (body_.size() + tmp.size() + kArrayHeaderMax + kRestReserveBytes >
            limits_.max_message_bytes ||
        count_ + n + kRestReserveRanges > limits_.max_ranges) {
      return false;
    }
    if (!unit.empty()) pending_skip_.reset();
    body_.insert(body_.end(), tmp.begin(), tmp.end());
    prev_ts_ = ts;
    count_ += n;
    return true;
  }

  // Appends the closing range; the reserve guarantees it fits.
  void AppendRest(const OutRange& rest) {
    if (pending_skip_) {
      Encode({*pending_skip_, RangeMode::kSkip, {}}, prev_ts_, body_);
      ++count_;
      pending_skip_.reset();
    }
    Encode(rest, prev_ts_, body_);
    ++count_;
  }

  Bytes Finish() {
    // A trailing Skip is implicit: pending_skip_ is dropped.
    Bytes out;
    if (count_ <= 15) {
      out.push_back(static_cast<uint8_t>(0x90 | count_));
    } else if (count_ <= 0xffff) {
      out = {0xdc, static_cast<uint8_t>(count_ >> 8), static_cast<uint8_t>(count_)};
    } else {
      out = {0xdd, static_cast<uint8_t>(count_ >> 24), static_cast<uint8_t>(count_ >> 16),
             static_cast<uint8_t>(count_ >> 8), static_cast<uint8_t>(count_)};
    }
    out.insert(out.end(), body_.begin(), body_.end());
    return out;
  }

 private:
  static void Encode(const OutRange& r, uint64_t& prev_ts, Bytes& out) {
    Value::Array a;
    if (r.upper.is_infinity()) {
      a.emplace_back(int64_t{-1});
    } else {
      a.emplace_back(static_cast<int64_t>(r.upper.ts - prev_ts));
      prev_ts = r.upper.ts;
    }
    a.emplace_back(static_cast<int64_t>(r.mode));
    if (r.mode != RangeMode::kSkip) a.emplace_back(r.data);
    if (r.mode == RangeMode::kFingerprint) a.emplace_back(static_cast<int64_t>(r.count));
    size_t p = r.upper.is_infinity() ? 0 : r.upper.prefix_size();
    if (p > 0) a.emplace_back(Bytes(r.upper.id.data.begin(), r.upper.id.data.begin() + p));
    EncodeValue(Value(std::move(a)), out);
  }

  const ReconcileLimits& limits_;
  Bytes body_;
  size_t count_ = 0;
  uint64_t prev_ts_ = 0;
  std::optional<Bound> pending_skip_;
};

Bytes Concat(std::vector<ShortId> sids) {
  std::sort(sids.begin(), sids.end());
  Bytes out;
  out.reserve(sids.size() * ShortId::kSize);
  for (const auto& s : sids) out.insert(out.end(), s.data.begin(), s.data.end());
  return out;
}

OutRange FingerprintRange(const Bound& upper, const RangeSummary& s) {
  auto fp = s.fingerprint();
  return {upper, RangeMode::kFingerprint, Bytes(fp.data.begin(), fp.data.end()), s.count};
}

// Whether a side holding `mine` items of a range, the peer `theirs`, lists
// them (§8.4): always up to T, and up to 4T when the peer holds more. A list
// of up to 4T short ids costs about what narrowing the range down by splits
// would, and saves their round trips; the smaller side's list is the shorter.
bool Lists(uint64_t mine, uint64_t theirs, size_t threshold) {
  return mine <= threshold || (mine <= 4 * threshold && mine < theirs);
}

// The one-pass state of a Respond call.
class Responder {
 public:
  Responder(const ItemSource& source, const ReconcileLimits& limits, const ShortIdKey& key)
      : source_(source), limits_(limits), key_(key) {}

  // Our description of [lower, upper), which holds `count` of our items and
  // `theirs` of the peer's (0 if unknown): an IdList if Lists(), else
  // `buckets` Fingerprint ranges split by count.
  Result<std::vector<OutRange>> Split(const Bound& lower, const Bound& upper, uint64_t count,
                                      uint64_t theirs) {
    std::vector<OutRange> out;
    if (Lists(count, theirs, limits_.id_list_threshold)) {
      CREDMESH_ASSIGN_OR_RETURN(auto items, source_.List(lower, upper, count));
      std::vector<ShortId> sids;
      sids.reserve(items.size());
      for (const auto& it : items) sids.push_back(ShortIdOf(key_, it.id));
      out.push_back({upper, RangeMode::kIdList, Concat(std::move(sids))});
      return out;
    }
    Bound cur = lower;
    const uint64_t b = limits_.buckets;
    for (uint64_t i = 1; i < b; ++i) {
      uint64_t end = count * i / b;  // first offset of bucket i
      CREDMESH_ASSIGN_OR_RETURN(auto prev, source_.ItemAt(lower, end - 1));
      CREDMESH_ASSIGN_OR_RETURN(auto next, source_.ItemAt(lower, end));
      if (!prev || !next || !(*prev < *next)) break;  // source changed under us
      Bound ub = Bound::Between(*prev, *next);
      if (!(cur < ub) || !(ub < upper)) continue;
      CREDMESH_ASSIGN_OR_RETURN(auto s, source_.Summarize(cur, ub));
      out.push_back(FingerprintRange(ub, s));
      cur = ub;
    }
    CREDMESH_ASSIGN_OR_RETURN(auto s, source_.Summarize(cur, upper));
    out.push_back(FingerprintRange(upper, s));
    return out;
  }

  // Compares the peer's complete short-id list of [lower, upper) with ours:
  // adds to `have` our items not in it, and returns in `unit` a Need range
  // for its ids we lack (empty if none).
  Status Resolve(const Bound& lower, const Bound& upper, uint64_t count,
                 const std::vector<ShortId>& theirs, std::vector<RecordId>& have,
                 std::vector<OutRange>& unit, size_t& needed) {
    CREDMESH_ASSIGN_OR_RETURN(auto items, source_.List(lower, upper, count));
    std::vector<ShortId> ours;
    ours.reserve(items.size());
    for (const auto& it : items) {
      ShortId s = ShortIdOf(key_, it.id);
      if (!std::binary_search(theirs.begin(), theirs.end(), s)) have.push_back(it.id);
      ours.push_back(s);
    }
    std::sort(ours.begin(), ours.end());
    std::vector<ShortId> need;
    std::set_difference(theirs.begin(), theirs.end(), ours.begin(), ours.end(),
                        std::back_inserter(need));
    need.erase(std::unique(need.begin(), need.end()), need.end());
    needed = need.size();
    if (!need.empty()) unit.push_back({upper, RangeMode::kNeed, Concat(std::move(need))});
    return Status::Ok();
  }

  // The peer asks for our items of [lower, upper) with the given short ids.
  Status Supply(const Bound& lower, const Bound& upper, const std::vector<ShortId>& wanted,
                std::vector<RecordId>& have) {
    CREDMESH_ASSIGN_OR_RETURN(auto items, source_.List(lower, upper, limits_.max_ids_per_step));
    for (const auto& it : items) {
      if (std::binary_search(wanted.begin(), wanted.end(), ShortIdOf(key_, it.id)))
        have.push_back(it.id);
    }
    return Status::Ok();
  }

  Result<ReconcileStep> Run(const std::vector<InRange>& ranges) {
    ReconcileStep step;
    RangeWriter writer(limits_);
    Bound lower = Bound::Min();
    size_t needed_total = 0;  // short ids we asked for in this reply
    for (const auto& in : ranges) {
      std::vector<OutRange> unit;  // empty: answer with Skip
      std::vector<RecordId> have;  // found for this range; kept only if its answer fits
      size_t needed = 0;
      const size_t found = step.have_ids.size() + needed_total;
      if (in.mode == RangeMode::kNeed) {
        if (found > 0 && found + in.sids.size() > limits_.max_ids_per_step) {
          // Budget spent: defer with our fingerprint; the peer describes the
          // range again and we resolve it next round.
          CREDMESH_ASSIGN_OR_RETURN(RangeSummary s, source_.Summarize(lower, in.upper));
          unit.push_back(FingerprintRange(in.upper, s));
        } else {
          CREDMESH_RETURN_IF_ERROR(Supply(lower, in.upper, in.sids, have));
        }
      } else if (in.mode != RangeMode::kSkip) {
        CREDMESH_ASSIGN_OR_RETURN(RangeSummary s, source_.Summarize(lower, in.upper));
        if (in.mode == RangeMode::kFingerprint) {
          if (s.fingerprint() == in.fingerprint) {
            // Same items: Skip.
          } else if (in.count < s.count && Lists(in.count, s.count, limits_.id_list_threshold)) {
            // The peer holds fewer items here, few enough to list: hand the
            // range back with our fingerprint so that it lists its ids
            // instead of us listing or splitting ours. It cannot hand the
            // range back again (§8.4).
            unit.push_back(FingerprintRange(in.upper, s));
          } else {
            CREDMESH_ASSIGN_OR_RETURN(unit, Split(lower, in.upper, s.count, in.count));
          }
        } else {
          if (s.count > limits_.max_ids_per_step) {
            // Too many of ours to list in one step: narrow the range instead.
            CREDMESH_ASSIGN_OR_RETURN(unit, Split(lower, in.upper, s.count, in.sids.size()));
          } else if (found > 0 && found + s.count + in.sids.size() > limits_.max_ids_per_step) {
            // Budget spent: defer with our fingerprint; the peer answers it.
            unit.push_back(FingerprintRange(in.upper, s));
          } else {
            CREDMESH_RETURN_IF_ERROR(
                Resolve(lower, in.upper, s.count, in.sids, have, unit, needed));
          }
        }
      }
      if (unit.empty()) {
        writer.Skip(in.upper);
      } else if (!writer.TryAppend(unit)) {
        // Out of room: one Fingerprint covers everything from here on, and
        // the peer continues from it in the next round; what this range
        // found is found again then.
        CREDMESH_ASSIGN_OR_RETURN(RangeSummary rest, source_.Summarize(lower, Bound::Infinity()));
        writer.AppendRest(FingerprintRange(Bound::Infinity(), rest));
        break;
      }
      step.have_ids.insert(step.have_ids.end(), have.begin(), have.end());
      needed_total += needed;
      lower = in.upper;
    }
    step.reply = writer.Finish();
    step.finished = IsFinalReconcileMessage(*step.reply);
    return step;
  }

 private:
  const ItemSource& source_;
  const ReconcileLimits& limits_;
  const ShortIdKey& key_;
};

}  // namespace

Status ReconcileLimits::Validate() const {
  if (buckets < 2 || buckets > 64)
    return Status::InvalidArgument("reconcile: buckets must be 2..64");
  if (id_list_threshold < buckets || id_list_threshold > 1024) {
    return Status::InvalidArgument("reconcile: id_list_threshold must be buckets..1024");
  }
  if (max_message_bytes < kMinMessageBytes ||
      max_message_bytes < 2 * (id_list_threshold * RecordId::kSize + 128) ||
      max_message_bytes < buckets * 80 + 256) {
    return Status::InvalidArgument(
        "reconcile: max_message_bytes is too small for the bucket "
        "and id-list settings");
  }
  if (max_ranges < buckets + 4)
    return Status::InvalidArgument("reconcile: max_ranges < buckets + 4");
  if (max_ids_per_step < 1024) return Status::InvalidArgument("reconcile: max_ids_per_step < 1024");
  return Status::Ok();
}

Result<Reconciler> Reconciler::Create(const ItemSource& source, ReconcileLimits limits,
                                      ShortIdKey key) {
  CREDMESH_RETURN_IF_ERROR(limits.Validate());
  return Reconciler(source, limits, key);
}

ShortId ShortIdOf(const ShortIdKey& key, const RecordId& id) { return SipHash24(key, id.view()); }

Result<Bytes> Reconciler::Initiate() const {
  CREDMESH_ASSIGN_OR_RETURN(RangeSummary all, source_->Summarize(Bound::Min(), Bound::Infinity()));
  Responder r(*source_, limits_, key_);
  std::vector<OutRange> unit;
  if (all.count <= limits_.id_list_threshold) {
    CREDMESH_ASSIGN_OR_RETURN(unit, r.Split(Bound::Min(), Bound::Infinity(), all.count, 0));
  } else {
    unit.push_back(FingerprintRange(Bound::Infinity(), all));
  }
  RangeWriter writer(limits_);
  if (!writer.TryAppend(unit)) return Status::Internal("reconcile: initial message does not fit");
  return writer.Finish();
}

Result<Reconciler::Step> Reconciler::Respond(ByteView message) const {
  CREDMESH_ASSIGN_OR_RETURN(auto ranges, DecodeRanges(message, limits_));
  if (ranges.empty()) {
    Step done;
    done.finished = true;  // the peer's final message: nothing to answer
    return done;
  }
  Responder r(*source_, limits_, key_);
  return r.Run(ranges);
}

bool IsFinalReconcileMessage(ByteView message) { return message.size() == 1 && message[0] == 0x90; }

}  // namespace credmesh
