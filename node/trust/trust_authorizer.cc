#include "node/trust/trust_authorizer.h"

#include <map>

#include "node/trust/trust_index.h"

namespace credmesh {
namespace {

bool IsHeld(const RecordRow& row) {
  return row.state == RecordState::kPending && row.reason == kHeldFutureReason;
}

// Stores `d` for record `id` if it differs from its stored state and
// reason; reports flips of validity.
Status Apply(RecordStore& rs, const RecordId& id, RecordState state, std::string_view reason,
             const TrustDecision& d, std::vector<RecordId>& changed) {
  if (state == d.state && reason == d.reason) return Status::Ok();
  CREDMESH_RETURN_IF_ERROR(rs.SetState(id, d.state, d.reason));
  if ((state == RecordState::kValid) != (d.state == RecordState::kValid)) changed.push_back(id);
  return Status::Ok();
}

Status Apply(RecordStore& rs, const RecordRow& row, const TrustDecision& d,
             std::vector<RecordId>& changed) {
  return Apply(rs, row.id, row.state, row.reason, d, changed);
}

// Rows matching `q` with their decoded records, skipping records held for
// future timestamps (the ledger releases those).
Status Collect(RecordStore& rs, const RecordQuery& q,
               std::vector<std::pair<RecordRow, Record>>& out) {
  return rs.ForEach(q, [&](const RecordRow& row, ByteView bytes) {
    if (IsHeld(row)) return Status::Ok();
    auto rec = DecodeRecord(bytes);
    if (!rec.ok()) return rec.status().WithContext("stored record " + row.id.hex());
    out.emplace_back(row, std::move(*rec));
    return Status::Ok();
  });
}

}  // namespace

Status TrustAuthorizer::Migrate(Database& db) { return TrustIndex::Migrate(db); }

Result<TrustView> TrustAuthorizer::LoadView(Store& store) {
  TrustView view(district_, root_);
  CREDMESH_ASSIGN_OR_RETURN(auto facts, TrustIndex(store.db()).LoadAll());
  for (const TrustFact& f : facts) view.Add(f);
  return view;
}

Status TrustAuthorizer::RecomputeTrust(Store& store, std::vector<RecordId>& changed,
                                       std::set<PublicKey>& affected) {
  RecordStore& rs = store.records();
  std::vector<std::pair<RecordRow, Record>> rows;
  RecordQuery q;
  q.kind_prefix = "trust.";
  CREDMESH_RETURN_IF_ERROR(Collect(rs, q, rows));
  RecordQuery g;
  g.kind = kGenesisKind;
  CREDMESH_RETURN_IF_ERROR(Collect(rs, g, rows));

  std::vector<TrustInput> inputs;
  inputs.reserve(rows.size());
  for (const auto& [row, rec] : rows) inputs.push_back({row.id, rec});
  TrustOutcome out = ComputeTrust(std::move(inputs), district_, root_);
  for (const auto& [row, rec] : rows) {
    CREDMESH_RETURN_IF_ERROR(Apply(rs, row, out.decisions[row.id], changed));
  }

  TrustIndex index(store.db());
  CREDMESH_ASSIGN_OR_RETURN(auto old_facts, index.LoadAll());
  std::map<RecordId, const TrustFact*> before, after;
  for (const auto& f : old_facts) before[f.id] = &f;
  for (const auto& f : out.facts) after[f.id] = &f;
  for (const auto& [id, f] : before) {
    auto it = after.find(id);
    if (it == after.end() || !(*it->second == *f)) affected.insert(f->subject);
  }
  for (const auto& [id, f] : after) {
    if (!before.count(id)) affected.insert(f->subject);
  }
  if (affected.empty()) return Status::Ok();
  return index.ReplaceAll(out.facts);
}

Status TrustAuthorizer::Reevaluate(Store& store, const RecordQuery& q, const TrustView& view,
                                   std::vector<RecordId>& changed) {
  std::vector<std::pair<RecordRow, Record>> rows;
  CREDMESH_RETURN_IF_ERROR(Collect(store.records(), q, rows));
  for (const auto& [row, rec] : rows) {
    if (IsTrustKind(rec.kind)) continue;
    CREDMESH_RETURN_IF_ERROR(Apply(store.records(), row, EvaluateRecord(rec, view), changed));
  }
  return Status::Ok();
}

Status TrustAuthorizer::Authorize(Store& store, const std::vector<const VerifiedRecord*>& fresh,
                                  std::vector<RecordId>& changed) {
  std::set<PublicKey> affected;
  bool trust_arrived = false;
  for (const VerifiedRecord* r : fresh) trust_arrived |= IsTrustKind(r->record().kind);
  if (trust_arrived) CREDMESH_RETURN_IF_ERROR(RecomputeTrust(store, changed, affected));
  CREDMESH_ASSIGN_OR_RETURN(TrustView view, LoadView(store));
  // Records whose author's facts changed, in any state: a later grant admits
  // waiting records, a revocation with an earlier timestamp voids valid ones.
  for (const PublicKey& key : affected) {
    RecordQuery q;
    q.author = key;
    CREDMESH_RETURN_IF_ERROR(Reevaluate(store, q, view, changed));
  }
  RecordStore& rs = store.records();
  for (const VerifiedRecord* r : fresh) {
    const Record& rec = r->record();
    if (IsTrustKind(rec.kind) || affected.count(rec.author)) continue;
    // Stored just now as pending with no reason (the Authorizer contract).
    CREDMESH_RETURN_IF_ERROR(
        Apply(rs, r->id(), RecordState::kPending, "", EvaluateRecord(rec, view), changed));
  }
  return Status::Ok();
}

Result<bool> TrustAuthorizer::Predecide(Store& store,
                                        const std::vector<const VerifiedRecord*>& records,
                                        std::vector<Decision>& decisions) {
  // Trust records change facts, and so other records' states: Authorize.
  for (const VerifiedRecord* r : records) {
    if (IsTrustKind(r->record().kind)) return false;
  }
  CREDMESH_ASSIGN_OR_RETURN(TrustView view, LoadView(store));
  decisions.clear();
  decisions.reserve(records.size());
  for (const VerifiedRecord* r : records) {
    TrustDecision d = EvaluateRecord(r->record(), view);
    decisions.push_back({d.state, std::move(d.reason)});
  }
  return true;
}

Status TrustAuthorizer::Reauthorize(Store& store, std::vector<RecordId>& changed) {
  std::set<PublicKey> affected;
  CREDMESH_RETURN_IF_ERROR(RecomputeTrust(store, changed, affected));
  CREDMESH_ASSIGN_OR_RETURN(TrustView view, LoadView(store));
  return Reevaluate(store, RecordQuery{}, view, changed);
}

}  // namespace credmesh
