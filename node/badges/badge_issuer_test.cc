#include "node/badges/badge_issuer.h"

#include <doctest/doctest.h>

#include "node/badges/badge_test_world.h"
#include "node/badges/badge_verifier.h"
#include "node/badges/multibase.h"
#include "node/badges/status_list.h"
#include "node/badges/vc_proof.h"
#include "node/credentials/catalog_projection.h"

namespace credmesh {
namespace {

using testing::BadgeWorld;
using testing::kBaseMs;

TEST_CASE("badges/issuer: gathers the award's content") {
  BadgeWorld w;
  auto c = GatherBadgeContent(w.store(), w.Request());
  REQUIRE(c.ok());
  CHECK(c->issuer_name == "Maple Valley USD");
  CHECK(c->issuer_id == DidKeyOf(w.f.issuer.public_key()));
  CHECK(c->definition == w.def);
  CHECK(c->levels == testing::Levels(w.def, true));
  CHECK(c->valid_from_ms == HybridClock::Millis(testing::T(21)));
  REQUIRE(c->email.has_value());
  CHECK(*c->email == BadgeWorld::kEmail);
  REQUIRE(c->status.has_value());
  CHECK((*c->status)["statusListIndex"] == "0");
  // Stable: a second export of the same award states the same ids and index.
  auto again = GatherBadgeContent(w.store(), w.Request());
  REQUIRE(again.ok());
  CHECK(again->credential_id == c->credential_id);
  CHECK(again->subject_id == c->subject_id);
  CHECK(again->salt == c->salt);
  CHECK((*again->status)["statusListIndex"] == "0");
  CHECK(c->credential_id != c->subject_id);
}

TEST_CASE("badges/issuer: status indexes are allocated once per award") {
  BadgeWorld w;
  BadgeStatusIndex idx(w.store().db());
  CHECK(*idx.IndexFor("award:a") == 0);
  CHECK(*idx.IndexFor("award:b") == 1);
  CHECK(*idx.IndexFor("award:a") == 0);
  auto all = idx.All();
  REQUIRE(all.ok());
  CHECK(all->size() == 2);
}

TEST_CASE("badges/issuer: revoked and unknown awards are not exported") {
  BadgeWorld w;
  auto req = w.Request();
  req.award = "sub-ffff";
  CHECK(GatherBadgeContent(w.store(), req).status().code() == Status::Code::kNotFound);
  w.Revoke();
  auto r = GatherBadgeContent(w.store(), w.Request());
  CHECK(r.status().code() == Status::Code::kFailedPrecondition);
  CHECK(r.status().message().find("revoked") != std::string::npos);
}

TEST_CASE("badges/issuer: district issuing keys are the root and issuer/admin grants in effect") {
  BadgeWorld w;
  auto trust = w.Trust();
  CHECK(trust.Check(w.root.public_key(), kBaseMs).ok());
  CHECK(trust.Check(w.f.issuer.public_key(), kBaseMs + 1000).ok());
  // Before the grant, after it expires, and for other roles: refused.
  CHECK(!trust.Check(w.f.issuer.public_key(), kBaseMs - 1000).ok());
  CHECK(!trust.Check(w.f.issuer.public_key(), kBaseMs + 400LL * 24 * 3600 * 1000).ok());
  CHECK(!trust.Check(w.f.reviewer.public_key(), kBaseMs + 1000).ok());
  CHECK(!trust.Check(SigningKey::Generate().public_key(), kBaseMs + 1000).ok());
}

TEST_CASE("badges/issuer: the status list sets exactly the revoked awards' bits") {
  BadgeWorld w;
  BadgeStatusIndex idx(w.store().db());
  REQUIRE(idx.IndexFor("award:other").ok());  // index 0, not an award held here
  auto c = GatherBadgeContent(w.store(), w.Request());
  REQUIRE(c.ok());
  CHECK((*c->status)["statusListIndex"] == "1");
  auto read_bits = [&] {
    auto list =
        BuildSignedStatusList(w.store(), "https://maple.example/status/1", w.f.issuer, w.clock());
    REQUIRE(list.ok());
    CHECK(VerifyEddsaJcsProof(*list, (*list)["proof"][0]).ok());
    CHECK((*list)["id"] == "https://maple.example/status/1");
    auto bits =
        StatusBitstring::Decode((*list)["credentialSubject"]["encodedList"].get<std::string>());
    REQUIRE(bits.ok());
    return *bits;
  };
  CHECK(!read_bits().Get(1));
  w.Revoke();
  auto bits = read_bits();
  CHECK(bits.Get(1));
  CHECK(!bits.Get(0));
  CHECK(!bits.Get(2));
}

TEST_CASE("badges/issuer: an issued stack's badge names its parts and falls with them") {
  BadgeWorld w;
  const std::string stack = w.IssueStack();
  auto req = w.Request();
  req.award = "award:stack:fa-pair";  // a prefix
  auto c = GatherStackBadgeContent(w.store(), req);
  REQUIRE(c.ok());
  CHECK(c->title == "Formative pair");
  CHECK(c->issuer_name == "Maple Valley USD");
  REQUIRE(c->parts.size() == 2);
  auto part = GatherBadgeContent(w.store(), w.Request());
  REQUIRE(part.ok());
  CHECK(c->parts[0].credential_id == part->credential_id);  // the part's own badge
  CHECK(c->parts[0].achievement_id ==
        DefinitionAchievementId(w.f.district, w.def.id, w.def.version));
  CHECK(c->parts[0].title == w.def.title);
  CHECK(c->parts[1].definition == "fa-individual-support");

  nlohmann::json cred = BuildStackBadgeCredential(*c);
  const auto& achievement = cred["credentialSubject"]["achievement"];
  CHECK(achievement["id"] == "urn:credmesh:" + w.f.district + ":stack:fa-pair:v1");
  CHECK(achievement["achievementType"] == "Certificate");
  REQUIRE(achievement["alignment"].size() == 2);
  CHECK(achievement["alignment"][0]["targetUrl"] == c->parts[0].achievement_id);
  CHECK(achievement["alignment"][1]["targetCode"] == "fa-individual-support:v1");
  CHECK(cred["evidence"][0]["id"] == part->credential_id);
  auto signed_cred = AddEddsaJcsProof(cred, w.f.issuer, "2023-11-14T23:00:00Z");
  REQUIRE(signed_cred.ok());
  auto trust = w.Trust();
  BadgeVerifyOptions o;
  o.now_ms = w.clock().NowMillis();
  o.trust = &trust;
  BadgeVerdict v = VerifyBadge(signed_cred->dump(), o);
  INFO(v.ToJson().dump(2));
  CHECK(v.valid);

  // A part revoked: the stack award is void, its bit set, its export refused.
  const uint64_t index = std::stoull((*c->status)["statusListIndex"].get<std::string>());
  w.Revoke();
  auto after = ShowStackAward(w.store(), stack);
  REQUIRE(after.ok());
  CHECK((*after)->Status() == "parts_revoked");
  auto refused = GatherStackBadgeContent(w.store(), req);
  CHECK(refused.status().code() == Status::Code::kFailedPrecondition);
  CHECK(refused.status().message().find("parts_revoked") != std::string::npos);
  auto list =
      BuildSignedStatusList(w.store(), "https://maple.example/status/1", w.f.issuer, w.clock());
  REQUIRE(list.ok());
  auto bits =
      StatusBitstring::Decode((*list)["credentialSubject"]["encodedList"].get<std::string>());
  REQUIRE(bits.ok());
  CHECK(bits->Get(index));
}

TEST_CASE("badges/issuer: a catalog edit after the award leaves the achievement as awarded") {
  BadgeWorld w;
  auto before = GatherBadgeContent(w.store(), w.Request());
  REQUIRE(before.ok());
  const auto achievement = BuildOpenBadgeCredential(*before)["credentialSubject"]["achievement"];
  // The same version republished with other content (wins last-writer), a
  // version 2, and a renamed district: none of it reaches the badge.
  CredentialDefinition same = w.def;
  same.title = "Renamed later";
  same.competency = "Another competency.";
  same.issuer.name = "Another issuer";
  w.f.Definition(same, testing::T(50));
  same.version += 1;
  w.f.Definition(same, testing::T(51));
  w.Ingest();
  auto held = LoadDefinition(w.store().db(), w.def.id, w.def.version);
  REQUIRE(held.ok());
  REQUIRE((*held)->title == "Renamed later");
  auto after = GatherBadgeContent(w.store(), w.Request());
  REQUIRE(after.ok());
  CHECK(after->definition == w.def);
  CHECK(after->issuer_name == "Maple Valley USD");
  CHECK(BuildOpenBadgeCredential(*after)["credentialSubject"]["achievement"] == achievement);
}

}  // namespace
}  // namespace credmesh
