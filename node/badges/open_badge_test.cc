#include "node/badges/open_badge.h"

#include <doctest/doctest.h>

#include "node/badges/badge_test_world.h"

namespace credmesh {
namespace {

using testing::BadgeWorld;

TEST_CASE("badges/open_badge: the credential carries the issue's fields") {
  BadgeWorld w;
  auto c = GatherBadgeContent(w.store(), w.Request());
  REQUIRE(c.ok());
  nlohmann::json j = BuildOpenBadgeCredential(*c);
  CHECK(j["@context"] == nlohmann::json::array({kVcContextV2, kOb3Context}));
  CHECK(j["type"] == nlohmann::json::array({"VerifiableCredential", "OpenBadgeCredential"}));
  CHECK(j["id"].get<std::string>().starts_with("urn:uuid:"));
  CHECK(j["issuer"]["name"] == "Maple Valley USD");
  CHECK(j["issuer"]["type"] == nlohmann::json::array({"Profile"}));
  CHECK(j["name"] == w.def.title);
  const auto& s = j["credentialSubject"];
  CHECK(s["type"] == nlohmann::json::array({"AchievementSubject"}));
  CHECK(s["id"].get<std::string>().starts_with("urn:uuid:"));
  CHECK(s["achievement"]["achievementType"] == "MicroCredential");
  CHECK(s["achievement"]["criteria"]["narrative"].get<std::string>().find(w.def.competency) !=
        std::string::npos);
  CHECK(s["achievement"]["resultDescription"].size() == w.def.rubric.criteria.size());
  CHECK(s["achievement"]["resultDescription"][0]["rubricCriterionLevel"].size() ==
        w.def.rubric.levels.size());
  // Each result points at a result description and one of its levels.
  REQUIRE(s["result"].size() == w.def.rubric.criteria.size());
  for (const auto& r : s["result"]) {
    const std::string rd = r["resultDescription"];
    CHECK(r["achievedLevel"].get<std::string>().starts_with(rd + ":level:"));
    CHECK(
        r["achievedLevel"].get<std::string>().ends_with(":level:" + w.def.rubric.levels.back().id));
  }
  CHECK(j["evidence"].size() == w.def.submission_requirements.size());
  CHECK(j["credentialStatus"]["type"] == "BitstringStatusListEntry");
}

TEST_CASE(
    "badges/open_badge: the e-mail appears only salted and hashed, evidence carries no submitted "
    "text") {
  BadgeWorld w;
  auto c = GatherBadgeContent(w.store(), w.Request());
  REQUIRE(c.ok());
  nlohmann::json j = BuildOpenBadgeCredential(*c);
  const std::string text = j.dump();
  CHECK(text.find("ucator@") == std::string::npos);
  CHECK(text.find("ucator@pine") == std::string::npos);
  const auto& id = j["credentialSubject"]["identifier"][0];
  CHECK(id["type"] == "IdentityObject");
  CHECK(id["hashed"] == true);
  CHECK(id["identityType"] == "emailAddress");
  // The holder can reproduce the hash from the normalized address and the salt.
  CHECK(id["identityHash"] ==
        HashedEmail("ed.ucator@pine.example.org", id["salt"].get<std::string>()));
  CHECK(HashedEmail(" ED.ucator@Pine.example.org ", "s") ==
        HashedEmail("ed.ucator@pine.example.org", "s"));
  CHECK(HashedEmail("ed.ucator@pine.example.org", "s") !=
        HashedEmail("ed.ucator@pine.example.org", "t"));
  // The factory's evidence and reflection texts never reach the badge.
  CHECK(text.find("evidence for") == std::string::npos);
  CHECK(text.find("reflection") == std::string::npos);
}

TEST_CASE("badges/open_badge: derived UUIDs are stable, distinct and well-formed") {
  Bytes seed = {1, 2, 3};
  std::string a = DerivedUuidUrn("t", seed);
  CHECK(a == DerivedUuidUrn("t", seed));
  CHECK(a != DerivedUuidUrn("u", seed));
  REQUIRE(a.size() == 45);
  CHECK(a[23] == '8');                                          // version 8
  CHECK(std::string("89ab").find(a[28]) != std::string::npos);  // RFC 9562 variant
}

}  // namespace
}  // namespace credmesh
