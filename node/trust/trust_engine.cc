#include "node/trust/trust_engine.h"

#include <algorithm>

#include "node/trust/person_records.h"

namespace credmesh {
namespace {

TrustDecision Valid() { return {RecordState::kValid, ""}; }
TrustDecision Denied(std::string why) { return {RecordState::kDenied, std::move(why)}; }

std::string WaitingReason(const PublicKey& key) {
  return "waiting for a grant: signer " + ShortKey(key) + " holds no known grant or certificate";
}

bool InDistrict(const std::string& scope, const std::string& district) {
  return ScopeCovers("district/" + district, scope, district);
}

TrustStep Step(TrustDecision d) { return {std::move(d), std::nullopt, std::nullopt, false}; }

TrustStep Unauthorized(std::string denial) {
  return {{RecordState::kDenied, std::move(denial)}, std::nullopt, std::nullopt, true};
}

TrustFact MakeFact(const RecordId& id, const Record& r, const PublicKey& subject, Role role,
                   std::string scope, int64_t nb, int64_t na, std::string name) {
  TrustFact f;
  f.id = id;
  f.subject = subject;
  f.role = role;
  f.scope = std::move(scope);
  f.issued_hlc = r.hlc;
  f.not_before_ms = nb;
  f.not_after_ms = na;
  f.name = std::move(name);
  return f;
}

TrustStep DecideGenesis(const Record& r, const std::string& district, const PublicKey& root) {
  auto g = GenesisBody::Parse(r.body);
  if (!g.ok()) return Step(Denied("malformed genesis: " + g.status().message()));
  if (r.author != root || g->root != root || g->district != district) {
    return Step(Denied("genesis is not signed by this district's root key"));
  }
  return Step(Valid());
}

TrustStep DecideNodeCert(const RecordId& id, const Record& r, const std::string& district,
                         const PublicKey& root) {
  if (r.author != root) {
    return Step(Denied("node certificates must be signed by the district root key"));
  }
  auto c = NodeCertBody::Parse(r.body);
  if (!c.ok()) return Step(Denied("malformed node certificate: " + c.status().message()));
  TrustStep s = Step(Valid());
  s.fact = MakeFact(id, r, c->node_key, c->role, c->Scope(district), c->not_before_ms,
                    c->not_after_ms, c->name);
  return s;
}

Result<TrustStep> DecideGrant(const RecordId& id, const Record& r, TrustContext& ctx,
                              const std::string& district) {
  auto g = GrantBody::Parse(r.body);
  if (!g.ok()) return Step(Denied("malformed grant: " + g.status().message()));
  if (!InDistrict(g->scope, district)) {
    return Step(Denied("grant scope " + g->scope + " is outside district " + district));
  }
  CREDMESH_ASSIGN_OR_RETURN(auto roles, ctx.RolesBefore(r.author, r.hlc, id, g->scope));
  if (!MayGrant(roles, g->role, g->scope)) {
    return Unauthorized("signer " + ShortKey(r.author) + " held no authority to grant " +
                        RoleName(g->role) + " for " + g->scope + " at " + FormatHlcUtc(r.hlc));
  }
  TrustStep s = Step(Valid());
  s.fact =
      MakeFact(id, r, g->subject, g->role, g->scope, g->not_before_ms, g->not_after_ms, g->name);
  return s;
}

Result<TrustStep> DecideRevoke(const RecordId& id, const Record& r, TrustContext& ctx,
                               const std::string& district) {
  auto rv = RevokeBody::Parse(r.body);
  if (!rv.ok()) return Step(Denied("malformed revocation: " + rv.status().message()));
  CREDMESH_ASSIGN_OR_RETURN(std::optional<Record> target, ctx.FindTrustRecord(rv->target));
  if (!target) {
    return Step({RecordState::kPending,
                 "waiting for the revoked record " + rv->target.hex().substr(0, 16)});
  }
  std::string scope;
  Role role;
  if (target->kind == kGrantKind) {
    auto g = GrantBody::Parse(target->body);
    if (!g.ok()) return Step(Denied("revoked grant is malformed"));
    scope = g->scope;
    role = g->role;
  } else if (target->kind == kNodeCertKind) {
    auto c = NodeCertBody::Parse(target->body);
    if (!c.ok()) return Step(Denied("revoked certificate is malformed"));
    scope = c->Scope(district);
    role = c->role;
  } else {
    return Step(Denied("only grants and node certificates can be revoked"));
  }
  CREDMESH_ASSIGN_OR_RETURN(auto roles, ctx.RolesBefore(r.author, r.hlc, id, scope));
  if (!MayGrant(roles, role, scope)) {
    return Unauthorized("signer " + ShortKey(r.author) + " held no authority to revoke " +
                        RoleName(role) + " for " + scope + " at " + FormatHlcUtc(r.hlc));
  }
  TrustStep s = Step(Valid());
  s.revokes = rv->target;
  return s;
}

// The full pass: every trust record in (timestamp, id) order against the
// facts of the records before it.
class Pass final : public TrustContext {
 public:
  Pass(const std::string& district, const PublicKey& root) : view_(district, root) {}

  TrustOutcome Run(std::vector<TrustInput> records) {
    std::sort(records.begin(), records.end(), [](const TrustInput& a, const TrustInput& b) {
      return a.record.hlc != b.record.hlc ? a.record.hlc < b.record.hlc : a.id < b.id;
    });
    for (const TrustInput& in : records) by_id_[in.id] = &in;
    for (const TrustInput& in : records) {
      if (!IsTrustKind(in.record.kind)) continue;
      Decide(in);
    }
    // The facts are final now: waiting vs refused depends on the final set.
    for (auto& [id, u] : unauthorized_) {
      out_.decisions[id] = SettleUnauthorized(u.first, u.second, view_.Knows(u.first));
    }
    for (auto& [id, fact] : facts_) out_.facts.push_back(fact);
    return std::move(out_);
  }

  // The view holds exactly the facts of the records before the current one
  // (and the revocations decided so far), so the id is not needed.
  Result<std::vector<Role>> RolesBefore(const PublicKey& key, uint64_t hlc, const RecordId&,
                                        const std::string& scope) override {
    return view_.RolesAt(key, hlc, scope);
  }
  Result<std::optional<Record>> FindTrustRecord(const RecordId& id) override {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return std::optional<Record>();
    return std::optional<Record>(it->second->record);
  }

 private:
  void Decide(const TrustInput& in) {
    // The pass's own context never fails.
    TrustStep s = *DecideTrustRecord(in.id, in.record, *this, view_.district(), view_.root());
    if (s.unauthorized) {
      unauthorized_[in.id] = {in.record.author, std::move(s.decision.reason)};
      return;
    }
    if (s.fact) AddFact(std::move(*s.fact));
    if (s.revokes) Revoke(*s.revokes, in.record.hlc);
    out_.decisions[in.id] = std::move(s.decision);
  }

  void Revoke(const RecordId& target, uint64_t hlc) {
    auto [pos, fresh] = revoked_at_.emplace(target, hlc);
    if (!fresh) pos->second = std::min(pos->second, hlc);
    if (auto f = facts_.find(target); f != facts_.end()) {
      f->second.revoked_hlc = std::min(f->second.revoked_hlc, hlc);
      Rebuild();
    }
  }

  void AddFact(TrustFact f) {
    if (auto it = revoked_at_.find(f.id); it != revoked_at_.end()) f.revoked_hlc = it->second;
    view_.Add(f);
    facts_[f.id] = std::move(f);
  }

  // A revocation changed an existing fact: rebuild the view (rare).
  void Rebuild() {
    TrustView fresh(view_.district(), view_.root());
    for (const auto& [id, f] : facts_) fresh.Add(f);
    view_ = std::move(fresh);
  }

  TrustView view_;
  std::map<RecordId, const TrustInput*> by_id_;
  std::map<RecordId, TrustFact> facts_;
  std::map<RecordId, uint64_t> revoked_at_;
  std::map<RecordId, std::pair<PublicKey, std::string>> unauthorized_;  // signer, denial
  TrustOutcome out_;
};

}  // namespace

void TrustView::Add(const TrustFact& fact) { by_subject_[fact.subject].push_back(fact); }

std::vector<Role> TrustView::RolesAt(const PublicKey& key, uint64_t hlc,
                                     const std::string& scope) const {
  std::vector<Role> roles;
  if (key == root_) roles.push_back(Role::kRoot);
  auto it = by_subject_.find(key);
  if (it == by_subject_.end()) return roles;
  for (const TrustFact& f : it->second) {
    if (f.InEffectAt(hlc) && ScopeCovers(f.scope, scope, district_)) roles.push_back(f.role);
  }
  return roles;
}

bool TrustView::HoldsPersonRoleAt(const PublicKey& key, uint64_t hlc) const {
  auto it = by_subject_.find(key);
  if (it == by_subject_.end()) return false;
  for (const TrustFact& f : it->second) {
    const bool person = f.role == Role::kEducator || f.role == Role::kReviewer ||
                        f.role == Role::kIssuer || f.role == Role::kAdmin;
    if (person && f.InEffectAt(hlc)) return true;
  }
  return false;
}

bool TrustView::Knows(const PublicKey& key) const {
  return key == root_ || by_subject_.count(key) > 0;
}

Result<TrustStep> DecideTrustRecord(const RecordId& id, const Record& r, TrustContext& ctx,
                                    const std::string& district, const PublicKey& root) {
  if (r.scope != "district/" + district) {
    return Step(Denied("trust records belong in scope district/" + district));
  }
  if (r.kind == kGenesisKind) return DecideGenesis(r, district, root);
  if (r.kind == kNodeCertKind) return DecideNodeCert(id, r, district, root);
  if (r.kind == kGrantKind) return DecideGrant(id, r, ctx, district);
  if (r.kind == kRevokeKind) return DecideRevoke(id, r, ctx, district);
  return Step(Denied("unknown trust record kind " + r.kind));
}

TrustDecision SettleUnauthorized(const PublicKey& signer, const std::string& denial,
                                 bool signer_known) {
  if (signer_known) return Denied(denial);
  return {RecordState::kPending, WaitingReason(signer)};
}

TrustOutcome ComputeTrust(std::vector<TrustInput> records, const std::string& district,
                          const PublicKey& root) {
  return Pass(district, root).Run(std::move(records));
}

TrustDecision EvaluateRecord(const Record& r, const TrustView& view) {
  if (!InDistrict(r.scope, view.district())) {
    return Denied("scope " + r.scope + " is outside district " + view.district());
  }
  // People records are checked whoever signed them: a malformed one can
  // never become valid.
  if (std::string problem = PersonRecordProblem(r); !problem.empty()) return Denied(problem);
  if (r.kind == kRekeyKind && r.scope != "district/" + view.district()) {
    return Denied("person.rekey belongs in scope district/" + view.district());
  }
  auto roles = view.RolesAt(r.author, r.hlc, r.scope);
  if (MayWrite(roles, r.kind, r.scope, view.district())) return Valid();
  // A person may publish their own profile while holding any role there.
  if (r.kind == kProfileKind && r.entity == PersonEntity(r.author) && !roles.empty()) {
    return Valid();
  }
  // A person may move to a new key while holding any role in the district,
  // whatever its scope (an educator's grant covers only their school).
  if (r.kind == kRekeyKind && r.entity == PersonEntity(r.author) &&
      view.HoldsPersonRoleAt(r.author, r.hlc)) {
    return Valid();
  }
  if (!view.Knows(r.author)) return {RecordState::kPending, WaitingReason(r.author)};
  std::string need = RequiredRolesText(r.kind);
  std::string what = need == "any" ? "no grant or certificate" : "no " + need + " grant";
  return Denied("author " + ShortKey(r.author) + " held " + what + " for " + r.scope + " at " +
                FormatHlcUtc(r.hlc));
}

}  // namespace credmesh
