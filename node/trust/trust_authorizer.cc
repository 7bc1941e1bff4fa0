#include "node/trust/trust_authorizer.h"

#include <map>
#include <set>

#include "node/trust/trust_index.h"

namespace credmesh {
namespace {

bool IsHeld(const RecordRow& row) {
  return row.state == RecordState::kPending && row.reason == kHeldFutureReason;
}

// Stores `d` for `row` if it differs from its stored state and reason;
// reports flips of validity.
Status Apply(RecordStore& rs, const RecordRow& row, const TrustDecision& d,
             std::vector<RecordId>& changed) {
  if (row.state == d.state && row.reason == d.reason) return Status::Ok();
  CREDMESH_RETURN_IF_ERROR(rs.SetState(row.id, d.state, d.reason));
  if ((row.state == RecordState::kValid) != (d.state == RecordState::kValid)) {
    changed.push_back(row.id);
  }
  return Status::Ok();
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

Status TrustAuthorizer::Authorize(Store& store, const std::vector<const VerifiedRecord*>& fresh,
                                  std::vector<RecordId>& changed) {
  return TrustUpdate(store, district_, root_, work_).Run(fresh, changed);
}

Result<bool> TrustAuthorizer::Predecide(Store& store,
                                        const std::vector<const VerifiedRecord*>& records,
                                        std::vector<Decision>& decisions) {
  // Trust records change facts, and so other records' states: Authorize.
  for (const VerifiedRecord* r : records) {
    if (IsTrustKind(r->record().kind)) return false;
  }
  // A decision reads only its author's facts: load those of the batch's authors.
  TrustView view(district_, root_);
  TrustIndex index(store.db());
  std::set<PublicKey> authors;
  for (const VerifiedRecord* r : records) {
    if (!authors.insert(r->record().author).second) continue;
    CREDMESH_ASSIGN_OR_RETURN(auto facts, index.FactsOf(r->record().author));
    for (const TrustFact& f : facts) view.Add(f);
  }
  decisions.clear();
  decisions.reserve(records.size());
  for (const VerifiedRecord* r : records) {
    TrustDecision d = EvaluateRecord(r->record(), view);
    decisions.push_back({d.state, std::move(d.reason)});
  }
  return true;
}

Status TrustAuthorizer::Reauthorize(Store& store, std::vector<RecordId>& changed) {
  RecordStore& rs = store.records();
  std::vector<std::pair<RecordRow, Record>> rows;
  RecordQuery q;
  q.kind_prefix = "trust.";
  CREDMESH_RETURN_IF_ERROR(Collect(rs, q, rows));
  RecordQuery g;
  g.kind = kGenesisKind;
  CREDMESH_RETURN_IF_ERROR(Collect(rs, g, rows));

  std::vector<TrustInput> inputs;
  std::vector<std::pair<RecordId, RecordId>> revocations;  // (target, revocation)
  inputs.reserve(rows.size());
  for (const auto& [row, rec] : rows) {
    inputs.push_back({row.id, rec});
    if (rec.kind != kRevokeKind) continue;
    if (auto rv = RevokeBody::Parse(rec.body); rv.ok()) revocations.emplace_back(rv->target, row.id);
  }
  TrustOutcome out = ComputeTrust(std::move(inputs), district_, root_);
  for (const auto& [row, rec] : rows) {
    CREDMESH_RETURN_IF_ERROR(Apply(rs, row, out.decisions[row.id], changed));
  }
  TrustIndex index(store.db());
  CREDMESH_RETURN_IF_ERROR(index.ReplaceAll(out.facts));
  // Held revocations are noted when they are released, like arrivals.
  CREDMESH_RETURN_IF_ERROR(index.ReplaceRevocations(revocations));

  TrustView view(district_, root_);
  for (const TrustFact& f : out.facts) view.Add(f);
  std::vector<std::pair<RecordRow, Record>> others;
  CREDMESH_RETURN_IF_ERROR(Collect(rs, RecordQuery{}, others));
  for (const auto& [row, rec] : others) {
    if (IsTrustKind(rec.kind)) continue;
    CREDMESH_RETURN_IF_ERROR(Apply(rs, row, EvaluateRecord(rec, view), changed));
  }
  return Status::Ok();
}

}  // namespace credmesh
