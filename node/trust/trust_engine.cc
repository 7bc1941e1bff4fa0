#include "node/trust/trust_engine.h"

#include <algorithm>

namespace credmesh {
namespace {

TrustDecision Valid() { return {RecordState::kValid, ""}; }
TrustDecision Denied(std::string why) { return {RecordState::kDenied, std::move(why)}; }

std::string WaitingReason(const PublicKey& key) {
  return "waiting for a grant: signer " + ShortKey(key) + " holds no known grant or certificate";
}

// A record its signer had no authority for. Whether it waits or is refused
// depends on whether the signer is known at all, decided after the pass.
struct Unauthorized {
  PublicKey signer;
  std::string denial;
};

bool InDistrict(const std::string& scope, const std::string& district) {
  return ScopeCovers("district/" + district, scope, district);
}

class Pass {
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
      out_.decisions[id] = view_.Knows(u.signer) ? Denied(u.denial)
                                                  : TrustDecision{RecordState::kPending,
                                                                  WaitingReason(u.signer)};
    }
    for (auto& [id, fact] : facts_) out_.facts.push_back(fact);
    return std::move(out_);
  }

 private:
  void Decide(const TrustInput& in) {
    const Record& r = in.record;
    const std::string& d = view_.district();
    if (r.scope != "district/" + d) {
      out_.decisions[in.id] = Denied("trust records belong in scope district/" + d);
      return;
    }
    if (r.kind == kGenesisKind) return Genesis(in);
    if (r.kind == kNodeCertKind) return NodeCert(in);
    if (r.kind == kGrantKind) return Grant(in);
    if (r.kind == kRevokeKind) return Revoke(in);
    out_.decisions[in.id] = Denied("unknown trust record kind " + r.kind);
  }

  void Genesis(const TrustInput& in) {
    auto g = GenesisBody::Parse(in.record.body);
    if (!g.ok()) return Set(in, Denied("malformed genesis: " + g.status().message()));
    if (in.record.author != view_.root() || g->root != view_.root() ||
        g->district != view_.district()) {
      return Set(in, Denied("genesis is not signed by this district's root key"));
    }
    Set(in, Valid());
  }

  void NodeCert(const TrustInput& in) {
    if (in.record.author != view_.root()) {
      return Set(in, Denied("node certificates must be signed by the district root key"));
    }
    auto c = NodeCertBody::Parse(in.record.body);
    if (!c.ok()) return Set(in, Denied("malformed node certificate: " + c.status().message()));
    AddFact(in, c->node_key, c->role, c->Scope(view_.district()), c->not_before_ms,
            c->not_after_ms, c->name);
    Set(in, Valid());
  }

  void Grant(const TrustInput& in) {
    const Record& r = in.record;
    auto g = GrantBody::Parse(r.body);
    if (!g.ok()) return Set(in, Denied("malformed grant: " + g.status().message()));
    if (!InDistrict(g->scope, view_.district())) {
      return Set(in, Denied("grant scope " + g->scope + " is outside district " + view_.district()));
    }
    auto roles = view_.RolesAt(r.author, r.hlc, g->scope);
    if (!MayGrant(roles, g->role, g->scope)) {
      unauthorized_[in.id] = {r.author, "signer " + ShortKey(r.author) + " held no authority to grant " +
                                            RoleName(g->role) + " for " + g->scope + " at " +
                                            FormatHlcUtc(r.hlc)};
      return;
    }
    AddFact(in, g->subject, g->role, g->scope, g->not_before_ms, g->not_after_ms, g->name);
    Set(in, Valid());
  }

  void Revoke(const TrustInput& in) {
    const Record& r = in.record;
    auto rv = RevokeBody::Parse(r.body);
    if (!rv.ok()) return Set(in, Denied("malformed revocation: " + rv.status().message()));
    auto it = by_id_.find(rv->target);
    if (it == by_id_.end()) {
      return Set(in, {RecordState::kPending,
                      "waiting for the revoked record " + rv->target.hex().substr(0, 16)});
    }
    const Record& target = it->second->record;
    std::string scope;
    Role role;
    if (target.kind == kGrantKind) {
      auto g = GrantBody::Parse(target.body);
      if (!g.ok()) return Set(in, Denied("revoked grant is malformed"));
      scope = g->scope;
      role = g->role;
    } else if (target.kind == kNodeCertKind) {
      auto c = NodeCertBody::Parse(target.body);
      if (!c.ok()) return Set(in, Denied("revoked certificate is malformed"));
      scope = c->Scope(view_.district());
      role = c->role;
    } else {
      return Set(in, Denied("only grants and node certificates can be revoked"));
    }
    auto roles = view_.RolesAt(r.author, r.hlc, scope);
    if (!MayGrant(roles, role, scope)) {
      unauthorized_[in.id] = {r.author, "signer " + ShortKey(r.author) + " held no authority to revoke " +
                                            RoleName(role) + " for " + scope + " at " +
                                            FormatHlcUtc(r.hlc)};
      return;
    }
    auto [pos, fresh] = revoked_at_.emplace(rv->target, r.hlc);
    if (!fresh) pos->second = std::min(pos->second, r.hlc);
    if (auto f = facts_.find(rv->target); f != facts_.end()) {
      f->second.revoked_hlc = std::min(f->second.revoked_hlc, r.hlc);
      Rebuild();
    }
    Set(in, Valid());
  }

  void AddFact(const TrustInput& in, const PublicKey& subject, Role role, std::string scope,
               int64_t nb, int64_t na, std::string name) {
    TrustFact f;
    f.id = in.id;
    f.subject = subject;
    f.role = role;
    f.scope = std::move(scope);
    f.issued_hlc = in.record.hlc;
    f.not_before_ms = nb;
    f.not_after_ms = na;
    f.name = std::move(name);
    if (auto it = revoked_at_.find(in.id); it != revoked_at_.end()) f.revoked_hlc = it->second;
    facts_[in.id] = f;
    view_.Add(f);
  }

  // A revocation changed an existing fact: rebuild the view (rare).
  void Rebuild() {
    TrustView fresh(view_.district(), view_.root());
    for (const auto& [id, f] : facts_) fresh.Add(f);
    view_ = std::move(fresh);
  }

  void Set(const TrustInput& in, TrustDecision d) { out_.decisions[in.id] = std::move(d); }

  TrustView view_;
  std::map<RecordId, const TrustInput*> by_id_;
  std::map<RecordId, TrustFact> facts_;
  std::map<RecordId, uint64_t> revoked_at_;
  std::map<RecordId, Unauthorized> unauthorized_;
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

bool TrustView::Knows(const PublicKey& key) const {
  return key == root_ || by_subject_.count(key) > 0;
}

TrustOutcome ComputeTrust(std::vector<TrustInput> records, const std::string& district,
                          const PublicKey& root) {
  return Pass(district, root).Run(std::move(records));
}

TrustDecision EvaluateRecord(const Record& r, const TrustView& view) {
  if (!InDistrict(r.scope, view.district())) {
    return Denied("scope " + r.scope + " is outside district " + view.district());
  }
  auto roles = view.RolesAt(r.author, r.hlc, r.scope);
  if (MayWrite(roles, r.kind, r.scope, view.district())) return Valid();
  // A person may publish their own profile while holding any role there.
  if (r.kind == kProfileKind && r.entity == "person/" + r.author.hex() && !roles.empty()) {
    return Valid();
  }
  if (!view.Knows(r.author)) return {RecordState::kPending, WaitingReason(r.author)};
  std::string need = RequiredRolesText(r.kind);
  std::string what = need == "any" ? "no grant or certificate" : "no " + need + " grant";
  return Denied("author " + ShortKey(r.author) + " held " + what + " for " + r.scope + " at " +
                FormatHlcUtc(r.hlc));
}

}  // namespace credmesh
