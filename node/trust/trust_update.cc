#include "node/trust/trust_update.h"

#include "node/ledger.h"

namespace credmesh {
Result<bool> TrustUpdate::Knows(const PublicKey& key) {
  if (key == root_) return true;
  return index_.HasFacts(key);
}

Result<std::optional<Record>> TrustUpdate::LoadRecord(const RecordId& id, Stored* stored) {
  CREDMESH_ASSIGN_OR_RETURN(auto row, store_.records().GetRow(id));
  if (!row) return std::optional<Record>();
  if (stored) *stored = {row->state, row->reason};
  if (auto it = fresh_records_.find(id); it != fresh_records_.end()) {
    return std::optional<Record>(*it->second);
  }
  CREDMESH_ASSIGN_OR_RETURN(auto bytes, store_.records().GetBytes(id));
  if (!bytes) return Status::Internal("stored record " + id.hex() + " vanished");
  auto rec = DecodeRecord(*bytes);
  if (!rec.ok()) return rec.status().WithContext("stored record " + id.hex());
  return std::optional<Record>(std::move(*rec));
}

Result<std::optional<Record>> TrustUpdate::FindTrustRecord(const RecordId& id) {
  CREDMESH_ASSIGN_OR_RETURN(auto rec, LoadRecord(id, nullptr));
  if (rec && !IsTrustKind(rec->kind)) rec.reset();
  return rec;
}

Result<std::vector<Role>> TrustUpdate::RolesBefore(const PublicKey& key, uint64_t hlc,
                                                   const RecordId& id, const std::string& scope) {
  std::vector<Role> roles;
  if (key == root_) roles.push_back(Role::kRoot);
  CREDMESH_ASSIGN_OR_RETURN(auto facts, index_.FactsOf(key));
  for (const TrustFact& f : facts) {
    TrustFact unrevoked = f;
    unrevoked.revoked_hlc = TrustFact::kNever;
    if (!unrevoked.InEffectAt(hlc) || !ScopeCovers(f.scope, scope, district_)) continue;
    if (hlc > f.revoked_hlc) continue;
    if (hlc == f.revoked_hlc) {
      // Revoked at this very timestamp: only revocations ordered before this
      // record (smaller id) count, as in the full pass.
      CREDMESH_ASSIGN_OR_RETURN(bool before, index_.ValidRevocationAtBefore(f.id, hlc, id));
      if (before) continue;
    }
    roles.push_back(f.role);
  }
  return roles;
}

Status TrustUpdate::SetState(const RecordId& id, const Stored& before, const TrustDecision& d) {
  is_valid_[id] = d.state == RecordState::kValid;
  if (before.state == d.state && before.reason == d.reason) return Status::Ok();
  return store_.records().SetState(id, d.state, d.reason);
}

Status TrustUpdate::SubjectChanged(const PublicKey& key, uint64_t from, bool knows_flipped,
                                   const Position& at) {
  // Becoming known or unknown turns the key's unauthorized records from
  // pending to denied or back, whatever their timestamp.
  const uint64_t lo = knows_flipped ? 0 : from;
  auto [pos, fresh] = others_from_.emplace(key, lo);
  if (!fresh) pos->second = std::min(pos->second, lo);
  CREDMESH_ASSIGN_OR_RETURN(
      StatementLease st,
      store_.db().Cached("SELECT hlc, id FROM records WHERE author = ? AND hlc >= ?"
                         " AND (kind GLOB 'trust.*' OR kind = 'district.genesis')"));
  st->Bind(1, key.view()).Bind(2, static_cast<int64_t>(lo));
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    auto id = RecordId::FromView(st->ColumnBlob(1));
    if (!id) return Status::Corruption("records: bad id");
    Position p{static_cast<uint64_t>(st->ColumnInt(0)), *id};
    // Only later records depend on the change; earlier ones are re-decided
    // for their pending/denied choice alone.
    if (knows_flipped || at < p) queue_.insert(p);
  }
  return Status::Ok();
}

Status TrustUpdate::SetFact(const RecordId& id, std::optional<TrustFact> fact, const Position& at) {
  CREDMESH_ASSIGN_OR_RETURN(std::optional<TrustFact> old, index_.Fact(id));
  if (fact) {
    CREDMESH_ASSIGN_OR_RETURN(fact->revoked_hlc, index_.EarliestValidRevocation(id));
  }
  if (old == fact) return Status::Ok();
  const PublicKey subject = fact ? fact->subject : old->subject;
  CREDMESH_ASSIGN_OR_RETURN(bool knew, Knows(subject));
  if (fact) {
    CREDMESH_RETURN_IF_ERROR(index_.Put(*fact));
  } else {
    CREDMESH_RETURN_IF_ERROR(index_.Remove(id));
  }
  CREDMESH_ASSIGN_OR_RETURN(bool knows, Knows(subject));
  return SubjectChanged(subject, at.first, knew != knows, at);
}

Status TrustUpdate::RevocationChanged(const RecordId& target, const Position& at) {
  CREDMESH_ASSIGN_OR_RETURN(std::optional<TrustFact> fact, index_.Fact(target));
  if (!fact) return Status::Ok();  // the target is no fact (yet): nothing in effect changes
  CREDMESH_ASSIGN_OR_RETURN(uint64_t revoked, index_.EarliestValidRevocation(target));
  if (revoked == fact->revoked_hlc) return Status::Ok();
  const uint64_t from = std::min(revoked, fact->revoked_hlc);
  fact->revoked_hlc = revoked;
  CREDMESH_RETURN_IF_ERROR(index_.Put(*fact));
  return SubjectChanged(fact->subject, from, false, at);
}

Status TrustUpdate::Decide(const Position& at) {
  const RecordId& id = at.second;
  Stored held{};
  CREDMESH_ASSIGN_OR_RETURN(std::optional<Record> rec, LoadRecord(id, &held));
  if (!rec || !IsTrustKind(rec->kind)) return Status::Ok();
  ++work_.trust_records_decided;
  const bool valid_before = held.state == RecordState::kValid;
  was_valid_.emplace(id, valid_before);

  CREDMESH_ASSIGN_OR_RETURN(TrustStep step, DecideTrustRecord(id, *rec, *this, district_, root_));
  TrustDecision d = step.decision;
  if (step.unauthorized) {
    // Provisional: whether the signer is known is settled at the end.
    CREDMESH_ASSIGN_OR_RETURN(bool known, Knows(rec->author));
    d = credmesh::SettleUnauthorized(rec->author, step.decision.reason, known);
    unauthorized_[id] = {rec->author, std::move(step.decision.reason)};
  } else {
    unauthorized_.erase(id);
  }
  // The state first: the revocation look-ups below read it.
  CREDMESH_RETURN_IF_ERROR(SetState(id, held, d));
  CREDMESH_RETURN_IF_ERROR(SetFact(id, std::move(step.fact), at));
  const bool valid_now = d.state == RecordState::kValid;
  if (rec->kind == kRevokeKind && valid_before != valid_now) {
    // Valid once means well-formed, so the body parses.
    auto rv = RevokeBody::Parse(rec->body);
    if (!rv.ok()) return rv.status().WithContext("revocation " + id.hex());
    CREDMESH_RETURN_IF_ERROR(RevocationChanged(rv->target, at));
  }
  return Status::Ok();
}

Status TrustUpdate::FinishUnauthorized() {
  for (const auto& [id, u] : unauthorized_) {
    CREDMESH_ASSIGN_OR_RETURN(auto row, store_.records().GetRow(id));
    if (!row) return Status::Internal("trust record " + id.hex() + " vanished");
    CREDMESH_ASSIGN_OR_RETURN(bool known, Knows(u.first));
    CREDMESH_RETURN_IF_ERROR(SetState(id, {row->state, row->reason},
                                      credmesh::SettleUnauthorized(u.first, u.second, known)));
  }
  return Status::Ok();
}

Status TrustUpdate::ReevaluateOthers(const std::vector<const VerifiedRecord*>& fresh,
                                     std::vector<RecordId>& changed) {
  RecordStore& rs = store_.records();
  std::map<PublicKey, TrustView> views;
  auto view_of = [&](const PublicKey& key) -> Result<const TrustView*> {
    auto it = views.find(key);
    if (it != views.end()) return &it->second;
    TrustView view(district_, root_);
    CREDMESH_ASSIGN_OR_RETURN(auto facts, index_.FactsOf(key));
    for (const TrustFact& f : facts) view.Add(f);
    return &views.emplace(key, std::move(view)).first->second;
  };
  auto apply = [&](const RecordId& id, RecordState state, const std::string& reason,
                   const TrustDecision& d) -> Status {
    if (state == d.state && reason == d.reason) return Status::Ok();
    CREDMESH_RETURN_IF_ERROR(rs.SetState(id, d.state, d.reason));
    if ((state == RecordState::kValid) != (d.state == RecordState::kValid)) changed.push_back(id);
    return Status::Ok();
  };

  std::set<RecordId> done;
  for (const auto& [key, from] : others_from_) {
    CREDMESH_ASSIGN_OR_RETURN(const TrustView* view, view_of(key));
    RecordQuery q;
    q.author = key;
    if (from > 0) q.min_hlc = from;
    // Read first, then write: no updates under an open scan.
    std::vector<std::pair<RecordRow, Record>> rows;
    CREDMESH_RETURN_IF_ERROR(rs.ForEach(q, [&](const RecordRow& row, ByteView bytes) {
      if (IsTrustKind(row.kind)) return Status::Ok();
      auto rec = DecodeRecord(bytes);
      if (!rec.ok()) return rec.status().WithContext("stored record " + row.id.hex());
      rows.emplace_back(row, std::move(*rec));
      return Status::Ok();
    }));
    for (const auto& [row, rec] : rows) {
      ++work_.records_evaluated;
      done.insert(row.id);
      CREDMESH_RETURN_IF_ERROR(apply(row.id, row.state, row.reason, EvaluateRecord(rec, *view)));
    }
  }
  for (const VerifiedRecord* r : fresh) {
    const Record& rec = r->record();
    if (IsTrustKind(rec.kind) || done.count(r->id())) continue;
    CREDMESH_ASSIGN_OR_RETURN(const TrustView* view, view_of(rec.author));
    // Stored just now as pending with no reason (the Authorizer contract).
    CREDMESH_RETURN_IF_ERROR(apply(r->id(), RecordState::kPending, "", EvaluateRecord(rec, *view)));
  }
  return Status::Ok();
}

Status TrustUpdate::Run(const std::vector<const VerifiedRecord*>& fresh,
                        std::vector<RecordId>& changed) {
  std::vector<const VerifiedRecord*> trust;
  for (const VerifiedRecord* r : fresh) {
    if (!IsTrustKind(r->record().kind)) continue;
    trust.push_back(r);
    fresh_records_.emplace(r->id(), &r->record());
    queue_.insert({r->record().hlc, r->id()});
    if (r->record().kind != kRevokeKind) continue;
    if (auto rv = RevokeBody::Parse(r->record().body); rv.ok()) {
      CREDMESH_RETURN_IF_ERROR(index_.AddRevocation(rv->target, r->id()));
    }
  }
  // Revocations that were waiting for an arriving record can now be decided.
  for (const VerifiedRecord* r : trust) CREDMESH_RETURN_IF_ERROR(QueueRevocationsOf(r->id()));
  return Settle(fresh, changed);
}

Status TrustUpdate::QueueRevocationsOf(const RecordId& id) {
  CREDMESH_ASSIGN_OR_RETURN(auto waiting, index_.RevocationsOf(id));
  for (const RecordId& rev : waiting) {
    CREDMESH_ASSIGN_OR_RETURN(auto row, store_.records().GetRow(rev));
    if (row) queue_.insert({row->hlc, rev});
  }
  return Status::Ok();
}

Status TrustUpdate::Forget(const std::vector<TrustInput>& removed, std::vector<RecordId>& changed) {
  for (const TrustInput& in : removed) {
    if (in.record.kind == kRevokeKind) {
      if (auto rv = RevokeBody::Parse(in.record.body); rv.ok()) {
        CREDMESH_RETURN_IF_ERROR(index_.RemoveRevocation(rv->target, in.id));
      }
    }
    CREDMESH_RETURN_IF_ERROR(QueueRevocationsOf(in.id));
  }
  return Settle({}, changed);
}

Status TrustUpdate::Settle(const std::vector<const VerifiedRecord*>& fresh,
                           std::vector<RecordId>& changed) {
  // In (timestamp, id) order, so each record is decided after everything it
  // depends on; SubjectChanged only adds later records (or, when a key became
  // known or unknown, records whose validity cannot change).
  while (!queue_.empty()) {
    const Position at = *queue_.begin();
    queue_.erase(queue_.begin());
    CREDMESH_RETURN_IF_ERROR(Decide(at));
  }
  CREDMESH_RETURN_IF_ERROR(FinishUnauthorized());
  for (const auto& [id, before] : was_valid_) {
    if (is_valid_[id] != before) changed.push_back(id);
  }
  return ReevaluateOthers(fresh, changed);
}

}  // namespace credmesh
