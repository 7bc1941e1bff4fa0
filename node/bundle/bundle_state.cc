#include "node/bundle/bundle_state.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "node/credentials/credential_records.h"
#include "protocol/record.h"
#include "storage/record_store.h"

namespace credmesh {
namespace {

void StatePutLe(Bytes& out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void StateAppend(Bytes& out, ByteView v) { out.insert(out.end(), v.begin(), v.end()); }

// Bounds-checked reading of the state encoding.
class StateCursor {
 public:
  explicit StateCursor(ByteView data) : data_(data) {}
  bool Take(size_t n, ByteView& out) {
    if (data_.size() - at_ < n) return false;
    out = data_.subspan(at_, n);
    at_ += n;
    return true;
  }
  bool Le(int n, uint64_t& v) {
    ByteView b;
    if (!Take(n, b)) return false;
    v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | b[i];
    return true;
  }
  bool Str(std::string& s) {
    uint64_t n;
    ByteView b;
    if (!Le(1, n) || n == 0 || !Take(n, b)) return false;
    s.assign(b.begin(), b.end());
    return true;
  }
  size_t at() const { return at_; }
  bool done() const { return at_ == data_.size(); }

 private:
  ByteView data_;
  size_t at_ = 0;
};

Bytes StateSigningMessage(ByteView signed_part) {
  Bytes m(kStateSignContext, kStateSignContext + sizeof(kStateSignContext) - 1);
  StateAppend(m, signed_part);
  return m;
}

// Bit indices by double hashing one SipHash-2-4 value of the chunk hash.
template <typename Fn>
void ForEachFilterBit(const ChunkFilter& f, const Hash256& chunk, Fn fn) {
  const FixedBytes<8> h = SipHash24(f.key, chunk.view());
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | h.data[i];
  const uint64_t h1 = v & 0xffffffffu, h2 = (v >> 32) | 1;
  const uint64_t m = uint64_t{f.bits.size()} * 8;
  for (uint64_t i = 0; i < f.hashes; ++i) fn((h1 + i * h2) % m);
}

}  // namespace

ChunkFilter::ChunkFilter(size_t expected, const FixedBytes<16>& k) : key(k) {
  const size_t bytes = std::max<size_t>(8, (expected * kBitsPerChunk + 7) / 8);
  bits.assign(bytes, 0);
}

void ChunkFilter::Add(const Hash256& chunk) {
  ForEachFilterBit(*this, chunk, [&](uint64_t b) { bits[b / 8] |= uint8_t(1u << (b % 8)); });
}

bool ChunkFilter::MayHold(const Hash256& chunk) const {
  if (bits.empty()) return false;
  bool all = true;
  ForEachFilterBit(*this, chunk, [&](uint64_t b) { all = all && (bits[b / 8] >> (b % 8)) & 1; });
  return all;
}

Bytes BundleState::Encode(const SigningKey& node_key) const {
  Bytes out(kStateMagic, kStateMagic + 8);
  out.push_back(kStateVersion);
  StatePutLe(out, static_cast<uint64_t>(created_ms), 8);
  out.push_back(static_cast<uint8_t>(district.size()));
  StateAppend(out, AsBytes(district));
  StateAppend(out, node.view());
  StatePutLe(out, scopes.size(), 2);
  for (const ScopeState& s : scopes) {
    out.push_back(static_cast<uint8_t>(s.scope.size()));
    StateAppend(out, AsBytes(s.scope));
    StatePutLe(out, s.ranges.size(), 4);
    for (const StateRange& r : s.ranges) {
      StatePutLe(out, r.upper.ts, 8);
      const size_t p = r.upper.prefix_size();
      out.push_back(static_cast<uint8_t>(p));
      StateAppend(out, r.upper.id.view().subspan(0, p));
      StatePutLe(out, r.count, 4);
      StateAppend(out, r.fingerprint.view());
    }
  }
  StateAppend(out, chunks.key.view());
  out.push_back(chunks.hashes);
  StatePutLe(out, chunks.bits.size(), 4);
  StateAppend(out, chunks.bits);
  const Signature sig = node_key.Sign(StateSigningMessage(out));
  StateAppend(out, sig.view());
  return out;
}

Result<BundleState> BundleState::Parse(ByteView data) {
  auto bad = [](const std::string& why) {
    return Status::Corruption("not a valid bundle state file (" + why + ")");
  };
  if (data.size() < 8 + 64 || std::memcmp(data.data(), kStateMagic, 8) != 0)
    return bad("bad magic");
  StateCursor c(data.subspan(0, data.size() - 64));
  ByteView b;
  c.Take(8, b);
  uint64_t v;
  if (!c.Le(1, v) || v != kStateVersion) return bad("unsupported version");
  BundleState st;
  if (!c.Le(8, v)) return bad("truncated");
  st.created_ms = static_cast<int64_t>(v);
  if (!c.Str(st.district) || !c.Take(32, b)) return bad("truncated");
  st.node = *PublicKey::FromView(b);
  uint64_t nscopes;
  if (!c.Le(2, nscopes)) return bad("truncated");
  for (uint64_t i = 0; i < nscopes; ++i) {
    ScopeState s;
    uint64_t nranges;
    if (!c.Str(s.scope) || !c.Le(4, nranges) || nranges == 0) return bad("bad scope entry");
    Bound lower = Bound::Min();
    for (uint64_t j = 0; j < nranges; ++j) {
      StateRange r;
      uint64_t p, count;
      if (!c.Le(8, r.upper.ts) || !c.Le(1, p) || p > 32 || !c.Take(p, b)) return bad("bad range");
      std::copy(b.begin(), b.end(), r.upper.id.data.begin());
      if (!c.Le(4, count) || !c.Take(16, b)) return bad("bad range");
      r.count = count;
      r.fingerprint = *Fingerprint::FromView(b);
      if (!(lower < r.upper)) return bad("ranges out of order in " + s.scope);
      lower = r.upper;
      s.ranges.push_back(r);
    }
    if (!s.ranges.back().upper.is_infinity())
      return bad("last range of " + s.scope + " is bounded");
    st.scopes.push_back(std::move(s));
  }
  uint64_t nbits;
  if (!c.Take(16, b)) return bad("truncated");
  st.chunks.key = *FixedBytes<16>::FromView(b);
  if (!c.Le(1, v) || v == 0 || v > 64 || !c.Le(4, nbits) || !c.Take(nbits, b))
    return bad("bad chunk filter");
  st.chunks.hashes = static_cast<uint8_t>(v);
  st.chunks.bits.assign(b.begin(), b.end());
  if (!c.done()) return bad("trailing bytes");
  const Signature sig = *Signature::FromView(data.subspan(data.size() - 64));
  if (!VerifySignature(st.node, StateSigningMessage(data.subspan(0, data.size() - 64)), sig))
    return bad("signature does not verify");
  return st;
}

const ScopeState* BundleState::Find(const std::string& scope) const {
  for (const ScopeState& s : scopes)
    if (s.scope == scope) return &s;
  return nullptr;
}

Result<std::vector<StateRange>> SummarizeScope(const ItemSource& items, size_t range_items) {
  std::vector<StateRange> out;
  Bound lower = Bound::Min();
  for (;;) {
    CREDMESH_ASSIGN_OR_RETURN(auto next, items.ItemAt(lower, range_items));
    StateRange r;
    if (next) {
      CREDMESH_ASSIGN_OR_RETURN(auto last, items.ItemAt(lower, range_items - 1));
      r.upper = Bound::Between(*last, *next);
    } else {
      r.upper = Bound::Infinity();
    }
    CREDMESH_ASSIGN_OR_RETURN(RangeSummary sum, items.Summarize(lower, r.upper));
    r.count = sum.count;
    r.fingerprint = sum.fingerprint();
    out.push_back(r);
    if (!next) return out;
    lower = r.upper;
  }
}

Result<std::vector<Hash256>> ChunksOfScope(Store& store, const std::string& scope) {
  RecordQuery q;
  q.scope = scope;
  q.kind = kSubmissionEvidenceKind;
  q.state = RecordState::kValid;
  std::vector<Hash256> out;
  std::set<Hash256> seen;
  CREDMESH_RETURN_IF_ERROR(store.records().ForEach(q, [&](const RecordRow&, ByteView bytes) {
    auto rec = DecodeRecord(bytes);
    if (!rec.ok())
      return Status::Corruption("stored record does not decode: " + rec.status().message());
    auto body = EvidenceBody::Parse(rec->body);
    if (!body.ok() || !body->file) return Status::Ok();  // text evidence, or not ours to judge
    for (const Hash256& h : body->file->chunks)
      if (seen.insert(h).second) out.push_back(h);
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<std::string>> HeldScopes(Store& store) {
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st,
      store.db().Prepare("SELECT DISTINCT scope FROM records WHERE state = 0 ORDER BY scope"));
  std::vector<std::string> out;
  for (;;) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return out;
    out.push_back(st.ColumnText(0));
  }
}

Result<BundleState> SummarizeHoldings(Store& store, ScopeItemCache& cache, const ChunkStore& chunks,
                                      const PublicKey& node, const std::string& district,
                                      int64_t now_ms, const FixedBytes<16>& filter_key) {
  BundleState st;
  st.created_ms = now_ms;
  st.district = district;
  st.node = node;
  CREDMESH_RETURN_IF_ERROR(cache.Refresh());
  CREDMESH_ASSIGN_OR_RETURN(auto scopes, HeldScopes(store));
  std::vector<Hash256> held;
  for (const std::string& scope : scopes) {
    CREDMESH_ASSIGN_OR_RETURN(const MemoryItemSource* items, cache.Get(scope));
    items->Prepare();
    ScopeState s;
    s.scope = scope;
    CREDMESH_ASSIGN_OR_RETURN(s.ranges, SummarizeScope(*items));
    st.scopes.push_back(std::move(s));
    CREDMESH_ASSIGN_OR_RETURN(auto named, ChunksOfScope(store, scope));
    for (const Hash256& h : named)
      if (chunks.Has(h)) held.push_back(h);
  }
  st.chunks = ChunkFilter(held.size(), filter_key);
  for (const Hash256& h : held) st.chunks.Add(h);
  return st;
}

}  // namespace credmesh
