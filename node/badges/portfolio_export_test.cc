#include "node/badges/portfolio_export.h"

#include <doctest/doctest.h>

#include "node/badges/badge_test_world.h"
#include "node/badges/badge_verifier.h"
#include "node/badges/clr.h"
#include "node/badges/multibase.h"
#include "node/badges/vc_proof.h"
#include "node/credentials/catalog_bodies.h"

namespace credmesh {
namespace {

using testing::BadgeWorld;
using testing::kBaseMs;
using testing::T;

constexpr int64_t kExportMs = kBaseMs + 3600 * 1000;

PortfolioExportRequest ClrRequest(BadgeWorld& w) {
  return {w.f.district, w.f.educator.public_key(), "https://maple.example/status/1", "", {}};
}

BadgeVerdict VerifyClr(const std::string& text, const IssuerTrust& trust) {
  BadgeVerifyOptions o;
  o.now_ms = kExportMs + 1000;
  o.trust = &trust;
  return VerifyBadge(text, o);
}

// A stack that the world's one award completes: at least 1 of 2.
Stack OneOfTwo(const CredentialDefinition& def) {
  Stack s;
  s.id = "assessment-starter";
  s.version = 3;
  s.title = "Assessment starter";
  s.description = "Any one of two assessment micro-credentials.";
  s.definitions = {{def.id, std::nullopt}, {"fa-learning-intentions", std::nullopt}};
  s.completion_rule = {CompletionRule::Kind::kAtLeast, 1};
  return s;
}

TEST_CASE("badges/portfolio: the CLR holds each active award's signed badge") {
  BadgeWorld w;
  auto clr = BuildPortfolioClr(w.store(), ClrRequest(w), w.f.issuer, kExportMs);
  REQUIRE(clr.ok());
  const nlohmann::json& c = clr->credential;
  CHECK(c["type"] == nlohmann::json::array({"VerifiableCredential", "ClrCredential"}));
  CHECK(c["@context"][1] == kClrContext);
  CHECK(c["issuer"]["name"] == "Maple Valley USD");
  const auto& subject = c["credentialSubject"];
  REQUIRE(subject["verifiableCredential"].size() == 1);
  const auto& badge = subject["verifiableCredential"][0];
  // Exactly the badge `badge export` makes, signed.
  auto content = GatherBadgeContent(w.store(), w.Request());
  REQUIRE(content.ok());
  CHECK(badge["id"] == BuildOpenBadgeCredential(*content)["id"]);
  CHECK(VerifyEddsaJcsProof(badge, badge["proof"][0]).ok());
  REQUIRE(subject["achievement"].size() == 1);
  CHECK(subject["achievement"][0] == badge["credentialSubject"]["achievement"]);
  CHECK_FALSE(subject.contains("association"));
  CHECK(subject["identifier"][0]["hashed"] == true);
  CHECK(c.dump().find(BadgeWorld::kEmail) == std::string::npos);
  CHECK(clr->included == std::vector<std::string>{"award:" + std::string(BadgeWorld::kSub)});
  // Same educator and badges: the same record id.
  auto again = BuildPortfolioClr(w.store(), ClrRequest(w), w.f.issuer, kExportMs + 5000);
  REQUIRE(again.ok());
  CHECK(again->credential["id"] == c["id"]);
}

TEST_CASE("badges/portfolio: the signed CLR verifies, and so must every badge inside it") {
  BadgeWorld w;
  auto trust = w.Trust();
  auto clr = BuildPortfolioClr(w.store(), ClrRequest(w), w.f.issuer, kExportMs);
  REQUIRE(clr.ok());
  auto di = AddEddsaJcsProof(clr->credential, w.f.issuer, FormatDateTime(kExportMs));
  REQUIRE(di.ok());
  BadgeVerdict v = VerifyClr(di->dump(), trust);
  INFO(v.ToJson().dump(2));
  CHECK(v.valid);
  auto jwt = SignVcJwt(clr->credential, w.f.issuer);
  REQUIRE(jwt.ok());
  CHECK(VerifyClr(*jwt, trust).valid);

  // A badge changed inside, the CLR signed again around it: still refused.
  nlohmann::json inner = clr->credential;
  inner["credentialSubject"]["verifiableCredential"][0]["credentialSubject"]["achievement"]
       ["name"] = "Forged";
  auto resigned = AddEddsaJcsProof(inner, w.f.issuer, FormatDateTime(kExportMs));
  REQUIRE(resigned.ok());
  BadgeVerdict bad = VerifyClr(resigned->dump(), trust);
  CHECK_FALSE(bad.valid);
  bool named = false;
  for (const auto& p : bad.problems) named = named || p.find("verifiableCredential[0]") == 0;
  CHECK(named);
  // A CLR with no credential is not one.
  nlohmann::json empty = clr->credential;
  empty["credentialSubject"]["verifiableCredential"] = nlohmann::json::array();
  auto empty_signed = AddEddsaJcsProof(empty, w.f.issuer, FormatDateTime(kExportMs));
  CHECK_FALSE(VerifyClr(empty_signed->dump(), trust).valid);
}

TEST_CASE("badges/portfolio: a completed stack is an achievement with isParentOf associations") {
  BadgeWorld w;
  Stack s = OneOfTwo(w.def);
  w.f.Add(kCatalogStackKind, "district/" + w.f.district, StackEntity(s.id), T(30), StackToBody(s),
          w.f.issuer);
  w.Ingest();
  auto clr = BuildPortfolioClr(w.store(), ClrRequest(w), w.f.issuer, kExportMs);
  REQUIRE(clr.ok());
  CHECK(clr->stacks == std::vector<std::string>{s.id});
  const auto& subject = clr->credential["credentialSubject"];
  const std::string stack_id = "urn:credmesh:" + w.f.district + ":stack:assessment-starter:v3";
  const std::string part_id =
      subject["verifiableCredential"][0]["credentialSubject"]["achievement"]["id"];
  REQUIRE(subject["achievement"].size() == 2);
  CHECK(subject["achievement"][1]["id"] == stack_id);
  CHECK(subject["achievement"][1]["achievementType"] == "Certificate");
  REQUIRE(subject["association"].size() == 1);
  CHECK(subject["association"][0] == nlohmann::json({{"type", "Association"},
                                                     {"associationType", "isParentOf"},
                                                     {"sourceId", stack_id},
                                                     {"targetId", part_id}}));
}

TEST_CASE("badges/portfolio: an issued stack is embedded as its own badge, parent of its parts") {
  BadgeWorld w;
  const std::string stack = w.IssueStack();
  auto clr = BuildPortfolioClr(w.store(), ClrRequest(w), w.f.issuer, kExportMs);
  REQUIRE(clr.ok());
  REQUIRE(clr->included.size() == 3);
  CHECK(clr->included[2] == stack);
  const auto& subject = clr->credential["credentialSubject"];
  REQUIRE(subject["verifiableCredential"].size() == 3);
  const auto& stack_badge = subject["verifiableCredential"][2];
  const std::string stack_id = stack_badge["credentialSubject"]["achievement"]["id"];
  CHECK(stack_id == "urn:credmesh:" + w.f.district + ":stack:fa-pair:v1");
  // One isParentOf per part, to the parts' embedded achievements; the stack's
  // achievement appears once (from its badge).
  std::vector<std::string> targets;
  for (const auto& a : subject["association"]) {
    CHECK(a["sourceId"] == stack_id);
    CHECK(a["associationType"] == "isParentOf");
    targets.push_back(a["targetId"]);
  }
  CHECK(targets ==
        std::vector<std::string>{
            subject["verifiableCredential"][0]["credentialSubject"]["achievement"]["id"],
            subject["verifiableCredential"][1]["credentialSubject"]["achievement"]["id"]});
  CHECK(subject["achievement"].size() == 3);
  auto trust = w.Trust();
  auto signed_clr = AddEddsaJcsProof(clr->credential, w.f.issuer, FormatDateTime(kExportMs));
  REQUIRE(signed_clr.ok());
  BadgeVerdict v = VerifyClr(signed_clr->dump(), trust);
  INFO(v.ToJson().dump(2));
  CHECK(v.valid);
  // Once a part is revoked, neither that part nor the stack is embedded.
  w.Revoke();
  auto after = BuildPortfolioClr(w.store(), ClrRequest(w), w.f.issuer, kExportMs);
  REQUIRE(after.ok());
  CHECK(after->included == std::vector<std::string>{AwardEntity("sub-fedcba9876543210")});
  CHECK(!after->credential["credentialSubject"].contains("association"));
}

TEST_CASE("badges/portfolio: a person's awards under every key they signed with are included") {
  BadgeWorld w;
  // The educator moved to a new key (person.rekey, resolved by the person
  // directory): the award made to the old key belongs in the portfolio.
  PortfolioExportRequest req = ClrRequest(w);
  const PublicKey old_key = req.educator;
  req.educator = SigningKey::Generate().public_key();
  CHECK(BuildPortfolioClr(w.store(), req, w.f.issuer, kExportMs).status().code() ==
        Status::Code::kFailedPrecondition);
  req.keys = {req.educator, old_key};
  auto clr = BuildPortfolioClr(w.store(), req, w.f.issuer, kExportMs);
  REQUIRE(clr.ok());
  CHECK(clr->included == std::vector<std::string>{AwardEntity(BadgeWorld::kSub)});
}

TEST_CASE("badges/portfolio: nothing active, nothing to export") {
  BadgeWorld w;
  w.Revoke();
  auto clr = BuildPortfolioClr(w.store(), ClrRequest(w), w.f.issuer, kExportMs);
  CHECK(clr.status().code() == Status::Code::kFailedPrecondition);
}

}  // namespace
}  // namespace credmesh
