// trust_test_world.h: shared fixtures for the trust tests — a district with
// keys and builders for trust records at chosen timestamps. Test-only.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "node/ledger.h"
#include "node/trust/trust_authorizer.h"
#include "node/trust/trust_records.h"
#include "protocol/hlc.h"

namespace credmesh::testing {

inline constexpr int64_t kT0 = 1'700'000'000'000;

// Timestamp `minutes` after kT0.
inline uint64_t At(int minutes) { return HybridClock::Make(kT0 + int64_t{minutes} * 60'000, 0); }

struct District {
  std::string d = "valley";
  SigningKey root = SigningKey::Generate();

  VerifiedRecord Make(const std::string& kind, const std::string& scope, const std::string& entity,
                      uint64_t hlc, Value body, const SigningKey& key) const {
    auto r = VerifiedRecord::Create(kind, scope, entity, hlc, std::move(body), key);
    return std::move(*r);
  }
  VerifiedRecord Genesis(uint64_t hlc = At(0)) const {
    GenesisBody g{"Valley USD", d, root.public_key()};
    return Make(kGenesisKind, "district/" + d, "district/" + d, hlc, g.ToValue(), root);
  }
  VerifiedRecord Cert(const SigningKey& signer, const PublicKey& node, const std::string& school,
                      uint64_t hlc) const {
    NodeCertBody c;
    c.node_key = node;
    c.role = school.empty() ? Role::kHubNode : Role::kSchoolNode;
    c.school = school;
    c.name = school;
    c.not_before_ms = kT0;
    c.not_after_ms = kT0 + 365LL * 86'400'000;
    return Make(kNodeCertKind, "district/" + d, "node/" + node.hex(), hlc, c.ToValue(), signer);
  }
  VerifiedRecord Grant(const SigningKey& signer, const PublicKey& subject, Role role,
                       const std::string& scope, uint64_t hlc, int valid_minutes = 100000) const {
    GrantBody g;
    g.subject = subject;
    g.role = role;
    g.scope = scope;
    g.not_before_ms = HybridClock::Millis(hlc);
    g.not_after_ms = g.not_before_ms + int64_t{valid_minutes} * 60'000;
    g.name = "someone";
    return Make(kGrantKind, "district/" + d, "person/" + subject.hex(), hlc, g.ToValue(), signer);
  }
  VerifiedRecord Revoke(const SigningKey& signer, const RecordId& target, uint64_t hlc) const {
    RevokeBody r{target, "test"};
    return Make(kRevokeKind, "district/" + d, "revoke/" + target.hex(), hlc, r.ToValue(), signer);
  }
  VerifiedRecord Review(const SigningKey& author, uint64_t hlc,
                        const std::string& school = "pine") const {
    return Make("review.score", "school/" + school, "sub-1", hlc, Value::Map{{"score", 3}}, author);
  }
};

// Keeps the set of valid records, as a projection would: the derived state.
class ValidSet final : public Projection {
 public:
  Status Migrate(Database&) override { return Status::Ok(); }
  Status Apply(Store& store, const std::vector<ChangedRecord>& changed) override {
    for (const auto& [id, kind, entity] : changed) {
      last_changed.insert(id);
      auto row = store.records().GetRow(id);
      if (!row.ok()) return row.status();
      if (*row && (*row)->state == RecordState::kValid)
        valid.insert(id);
      else
        valid.erase(id);
    }
    return Status::Ok();
  }
  Status Clear(Database&) override {
    valid.clear();
    return Status::Ok();
  }
  std::set<RecordId> valid;
  std::set<RecordId> last_changed;  // every id ever reported as changed
};

// A fresh in-memory node of district `d` with a trust authorizer.
struct TestNode {
  ManualClock clock{kT0 + 30LL * 86'400'000};
  std::unique_ptr<Store> store;
  std::unique_ptr<TrustAuthorizer> auth;
  ValidSet derived;
  std::unique_ptr<Ledger> ledger;

  explicit TestNode(const District& district, QuarantineLimits limits = {}) {
    store = std::move(*Store::Open(":memory:"));
    auth = std::make_unique<TrustAuthorizer>(district.d, district.root.public_key(), limits);
    ledger = std::move(*Ledger::Open(*store, clock, auth.get(), {&derived}));
  }
  // `from`: the peer that delivered them, as a sync session passes it.
  Status Ingest(const std::vector<const VerifiedRecord*>& recs, IngestSummary* summary = nullptr,
                const PublicKey* from = nullptr) const {
    std::vector<VerifiedRecord> copies;
    copies.reserve(recs.size());
    for (const auto* r : recs) copies.push_back(*VerifiedRecord::Verify(r->bytes()));
    auto s = ledger->IngestVerified(copies, from);
    if (s.ok() && summary) *summary = *s;
    return s.ok() ? Status::Ok() : s.status();
  }
  bool Has(const VerifiedRecord& r) const { return *store->records().Contains(r.id()); }
  RecordRow Row(const VerifiedRecord& r) const {
    auto row = store->records().GetRow(r.id());
    return **row;
  }
  RecordState State(const VerifiedRecord& r) const { return Row(r).state; }
};

}  // namespace credmesh::testing
