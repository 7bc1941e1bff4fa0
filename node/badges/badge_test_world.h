// badge_test_world.h: a district store holding one issued award, for the
// badge tests: the sample definition, a submission awarded by a passing
// review, the educator's profile, and an issuer grant in the trust index.
#pragma once

#include "node/badges/badge_issuer.h"
#include "node/credentials/credential_test_world.h"
#include "node/credentials/lifecycle_views.h"
#include "node/credentials/stack_awards.h"
#include "node/trust/trust_index.h"
#include "node/trust/trust_records.h"

namespace credmesh::testing {

class BadgeWorld {
 public:
  static constexpr char kSub[] = "sub-0123456789abcdef";
  static constexpr char kEmail[] = "Ed.Ucator@pine.example.org";

  BadgeWorld()
      : dir_(std::filesystem::temp_directory_path() / ("credmesh-badge-" + NewSubmissionId())) {
    std::filesystem::create_directories(dir_);
    auto s = Store::Open((dir_ / "node.db").string());
    REQUIRE(s.ok());
    store_ = std::move(*s);
    REQUIRE(TrustIndex::Migrate(store_->db()).ok());
    REQUIRE(BadgeStatusIndex::Migrate(store_->db()).ok());
    auto l = Ledger::Open(*store_, clock_, nullptr, {&catalog_, &lifecycle_});
    REQUIRE(l.ok());
    ledger_ = std::move(*l);

    def = SampleDefinition();
    f.Add(kGenesisKind, "district/" + f.district, "district", T(0),
          GenesisBody{"Maple Valley USD", f.district, root.public_key()}.ToValue(), root);
    definition_record = f.Definition(def, T(1));
    f.Draft(kSub, def, 2);
    review = f.Review(kSub, 1, def, true, T(20), f.reviewer);
    // Frozen as `award issue` does (award_snapshot.h).
    f.Issue(kSub, 1, def, review, T(21),
            AwardSnapshot{definition_record, def.title, "Maple Valley USD",
                          testing::Levels(def, true)});
    f.Add(kProfileKind, "district/" + f.district, "person/" + f.educator.public_key().hex(), T(22),
          Value(Value::Map{
              {"key", f.educator.public_key().hex()}, {"name", "Ed"}, {"email", kEmail}}),
          f.educator);
    Ingest();
    // The issuer holds an issuer grant for the district from T(0) on.
    TrustFact grant;
    grant.id = Blake2b256(AsBytes("grant"));
    grant.subject = f.issuer.public_key();
    grant.role = Role::kIssuer;
    grant.scope = "district/" + f.district;
    grant.issued_hlc = T(0);
    grant.not_before_ms = kBaseMs;
    grant.not_after_ms = kBaseMs + 365LL * 24 * 3600 * 1000;
    REQUIRE(TrustIndex(store_->db()).ReplaceAll({grant}).ok());
  }
  BadgeWorld(const BadgeWorld&) = delete;
  BadgeWorld& operator=(const BadgeWorld&) = delete;
  ~BadgeWorld() {
    ledger_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // Ingests every record the factory made that is not stored yet.
  void Ingest() { REQUIRE(ledger_->IngestVerified(f.all).ok()); }
  void Revoke() {
    auto award = ShowAward(*store_, kSub);
    REQUIRE(award.ok());
    REQUIRE(award->has_value());
    AwardRevokeBody b{(*award)->issue_record, "evidence reused"};
    f.Add(kAwardRevokeKind, "public/" + f.district, AwardEntity(kSub), T(40), b.ToValue(),
          f.issuer);
    Ingest();
  }
  // A second award (fa-individual-support) and an issued stack "fa-pair"
  // resting on both awards, as `award stack` writes it. Returns its entity.
  std::string IssueStack() {
    static constexpr char kSub2[] = "sub-fedcba9876543210";
    CredentialDefinition second = SampleDefinition("fa-individual-support");
    f.Definition(second, T(23));
    f.Draft(kSub2, second, 24);
    RecordId r2 = f.Review(kSub2, 1, second, true, T(35), f.reviewer);
    f.Issue(kSub2, 1, second, r2, T(36));
    Stack stack;
    stack.id = "fa-pair";
    stack.title = "Formative pair";
    stack.description = "Whole-class decisions and individual support.";
    stack.definitions = {{def.id, std::nullopt}, {second.id, std::nullopt}};
    f.Add(kCatalogStackKind, "district/" + f.district, StackEntity(stack.id), T(37),
          StackToBody(stack), f.issuer);
    Ingest();
    auto body = NextStackAward(*store_, stack.id, f.educator.public_key(), "Maple Valley USD");
    REQUIRE(body.ok());
    std::string entity = StackAwardEntity(stack.id, 1, f.educator.public_key());
    f.Add(kAwardStackKind, "public/" + f.district, entity, T(38), body->ToValue(), f.issuer);
    Ingest();
    return entity;
  }
  DistrictIssuerTrust Trust() {
    auto t = DistrictIssuerTrust::Load(store_->db(), f.district, root.public_key());
    REQUIRE(t.ok());
    return std::move(*t);
  }
  BadgeRequest Request(const std::string& url = "https://maple.example/status/1") {
    return {f.district, kSub, f.issuer.public_key(), url};
  }
  Store& store() { return *store_; }
  ManualClock& clock() { return clock_; }

  Factory f;
  SigningKey root = SigningKey::Generate();
  CredentialDefinition def;
  RecordId definition_record;
  RecordId review;

 private:
  std::filesystem::path dir_;
  ManualClock clock_{kBaseMs + 3600 * 1000};
  std::unique_ptr<Store> store_;
  CatalogProjection catalog_;
  LifecycleProjection lifecycle_;
  std::unique_ptr<Ledger> ledger_;
};

}  // namespace credmesh::testing
