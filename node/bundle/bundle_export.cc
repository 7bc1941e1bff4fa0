#include "node/bundle/bundle_export.h"

#include <set>

#include "node/sync/peers.h"
#include "node/trust/trust_index.h"

namespace credmesh {
namespace {

constexpr uint64_t kProgressEvery = 512;  // items between progress calls

// Binds a bound's timestamp, which the records table stores as int64.
int64_t SqlTs(uint64_t ts) { return static_cast<int64_t>(std::min(ts, kMaxSyncTimestamp)); }

class RecordStreamer {
 public:
  RecordStreamer(Store& store, BundleWriter& writer, const BundleExportRequest& req)
      : store_(store), writer_(writer), req_(req) {}

  // Sends the valid records of `scope` in [lower, upper), in (hlc, id) order.
  Status Range(const std::string& scope, const Bound& lower, const Bound& upper) {
    std::string sql =
        "SELECT bytes FROM records WHERE scope = ?1 AND state = 0"
        " AND (hlc > ?2 OR (hlc = ?2 AND id >= ?3))";
    if (!upper.is_infinity()) sql += " AND (hlc < ?4 OR (hlc = ?4 AND id < ?5))";
    sql += " ORDER BY hlc, id";
    CREDMESH_ASSIGN_OR_RETURN(Statement st, store_.db().Prepare(sql));
    st.Bind(1, scope).Bind(2, SqlTs(lower.ts)).Bind(3, lower.id.view());
    if (!upper.is_infinity()) st.Bind(4, SqlTs(upper.ts)).Bind(5, upper.id.view());
    for (;;) {
      CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return Status::Ok();
      CREDMESH_RETURN_IF_ERROR(writer_.AddRecord(st.ColumnBlob(0)));
      Tick();
    }
  }
  void Tick() {
    if (req_.progress && ++since_progress_ >= kProgressEvery) {
      since_progress_ = 0;
      req_.progress(writer_.stats());
    }
  }

 private:
  Store& store_;
  BundleWriter& writer_;
  const BundleExportRequest& req_;
  uint64_t since_progress_ = 0;
};

}  // namespace

Result<BundleRecipient> ResolveBundleRecipient(Database& db, const std::string& name,
                                               const std::string& district, uint64_t now_hlc) {
  BundleRecipient r;
  r.label = name;
  TrustIndex index(db);
  CREDMESH_RETURN_IF_ERROR(PeerStore::Migrate(db));  // a node that never synced has none yet
  CREDMESH_ASSIGN_OR_RETURN(auto peer, PeerStore(db).Get(name));
  if (peer) {
    r.key = peer->node_key;
  } else {
    CREDMESH_ASSIGN_OR_RETURN(auto facts, index.LoadAll());
    bool found = false;
    for (const TrustFact& f : facts) {
      if (f.role != Role::kSchoolNode || f.scope != "school/" + name) continue;
      found = true;
      r.key = f.subject;
      if (f.InEffectAt(now_hlc)) break;  // prefer the certificate in effect
    }
    if (!found) return Status::NotFound("no peer and no enrolled school named '" + name + "'");
  }
  CREDMESH_ASSIGN_OR_RETURN(r.cert, NodeCertificateOf(index, r.key, now_hlc, district));
  if (r.cert.role.empty())
    return Status::Unauthorized("node '" + name + "' (" + ShortKey(r.key) +
                                ") holds no certificate of district " + district +
                                " in effect now: expired, revoked or never enrolled");
  return r;
}

Result<std::vector<std::string>> BundleScopesFor(Store& store, PeerPolicy& policy,
                                                 const NodeCertInfo& recipient) {
  CREDMESH_ASSIGN_OR_RETURN(NodeCertInfo self, policy.Self());
  if (self.role.empty())
    return Status::FailedPrecondition("this node holds no node certificate in effect");
  CREDMESH_ASSIGN_OR_RETURN(auto held, HeldScopes(store));
  return GrantedScopes(policy, recipient, self, held);
}

Result<BundleExportSummary> ExportBundle(Store& store, ScopeItemCache& cache,
                                         const ChunkStore& chunks, const SigningKey& sender,
                                         const std::string& district, int64_t now_ms,
                                         BundleExportRequest req, const std::string& path) {
  if (req.scopes.empty()) return Status::InvalidArgument("no scope to export");
  std::optional<BundleWriter> w;
  if (req.recipient) {
    CREDMESH_ASSIGN_OR_RETURN(
        auto made, BundleWriter::CreateSealed(path, sender, district, now_ms, *req.recipient,
                                              std::move(req.stream_key)));
    w.emplace(std::move(made));
  } else {
    CREDMESH_ASSIGN_OR_RETURN(auto made,
                              BundleWriter::CreatePublic(path, sender, district, now_ms));
    w.emplace(std::move(made));
  }
  BundleExportSummary sum;
  RecordStreamer records(store, *w, req);
  if (req.since) CREDMESH_RETURN_IF_ERROR(cache.Refresh());
  for (const std::string& scope : req.scopes) {
    CREDMESH_RETURN_IF_ERROR(w->AddScope(scope));
    const ScopeState* theirs = req.since ? req.since->Find(scope) : nullptr;
    if (!theirs) {
      CREDMESH_RETURN_IF_ERROR(records.Range(scope, Bound::Min(), Bound::Infinity()));
      continue;
    }
    CREDMESH_ASSIGN_OR_RETURN(const MemoryItemSource* mine, cache.Get(scope));
    mine->Prepare();
    Bound lower = Bound::Min();
    for (const StateRange& r : theirs->ranges) {
      CREDMESH_ASSIGN_OR_RETURN(RangeSummary s, mine->Summarize(lower, r.upper));
      if (s.count == 0 || (s.count == r.count && s.fingerprint() == r.fingerprint)) {
        ++sum.ranges_same;
      } else {
        CREDMESH_RETURN_IF_ERROR(records.Range(scope, lower, r.upper));
      }
      lower = r.upper;
    }
  }
  std::set<Hash256> sent;
  for (const std::string& scope : req.scopes) {
    CREDMESH_ASSIGN_OR_RETURN(auto named, ChunksOfScope(store, scope));
    for (const Hash256& h : named) {
      if (!sent.insert(h).second) continue;
      if (req.since && req.since->chunks.MayHold(h)) {
        ++sum.chunks_held;
        continue;
      }
      if (!chunks.Has(h)) {
        ++sum.chunks_missing;
        continue;
      }
      CREDMESH_ASSIGN_OR_RETURN(Bytes data, chunks.Get(h));
      CREDMESH_RETURN_IF_ERROR(w->AddChunk(h, data));
      if (req.progress) req.progress(w->stats());
    }
  }
  CREDMESH_RETURN_IF_ERROR(w->Finish());
  sum.io = w->stats();
  if (req.progress) req.progress(sum.io);
  return sum;
}

}  // namespace credmesh
