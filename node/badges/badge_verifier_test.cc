#include "node/badges/badge_verifier.h"

#include <doctest/doctest.h>

#include <functional>

#include "node/badges/badge_test_world.h"
#include "node/badges/multibase.h"
#include "node/badges/vc_proof.h"

namespace credmesh {
namespace {

using testing::BadgeWorld;
using testing::kBaseMs;

constexpr char kUrl[] = "https://maple.example/status/1";
constexpr int64_t kNow = kBaseMs + 3600 * 1000;

nlohmann::json Credential(BadgeWorld& w) {
  auto c = GatherBadgeContent(w.store(), w.Request(kUrl));
  REQUIRE(c.ok());
  return BuildOpenBadgeCredential(*c);
}

std::string SignedDi(BadgeWorld& w) {
  auto s = AddEddsaJcsProof(Credential(w), w.f.issuer, FormatDateTime(kNow));
  REQUIRE(s.ok());
  return s->dump(2);
}

std::string SignedJwt(BadgeWorld& w) {
  auto s = SignVcJwt(Credential(w), w.f.issuer);
  REQUIRE(s.ok());
  return *s;
}

BadgeVerdict Verify(const std::string& text, const IssuerTrust& trust, int64_t now = kNow,
                    const std::string& list = "") {
  BadgeVerifyOptions o;
  o.now_ms = now;
  o.trust = &trust;
  o.status_list = list;
  return VerifyBadge(text, o);
}

bool Mentions(const BadgeVerdict& v, const std::string& needle) {
  for (const auto& p : v.problems) {
    if (p.find(needle) != std::string::npos) return true;
  }
  return false;
}

// Calls `fn` with every scalar inside `j` (recursively), by JSON pointer.
void ForEachLeaf(const nlohmann::json& j, const nlohmann::json::json_pointer& at,
                 const std::function<void(const nlohmann::json::json_pointer&)>& fn) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) ForEachLeaf(*it, at / it.key(), fn);
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) ForEachLeaf(j[i], at / i, fn);
  } else {
    fn(at);
  }
}

nlohmann::json Changed(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>() + "x";
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_number()) return v.get<double>() + 1;
  return "x";
}

TEST_CASE("badges/verifier: both proof forms verify against the district's keys") {
  BadgeWorld w;
  auto trust = w.Trust();
  for (const std::string& text : {SignedDi(w), SignedJwt(w)}) {
    BadgeVerdict v = Verify(text, trust);
    INFO(v.ToJson().dump(2));
    CHECK(v.valid);
    CHECK(v.problems.empty());
    CHECK(v.issuer_key == DidKeyOf(w.f.issuer.public_key()));
    CHECK(v.revocation.find("not checked") == 0);  // no list given
  }
  CHECK(Verify(SignedDi(w), trust).format == "data-integrity");
  CHECK(Verify(SignedJwt(w), trust).format == "vc-jwt");
}

TEST_CASE("badges/verifier: any changed signed value of a Data Integrity badge is rejected") {
  BadgeWorld w;
  auto trust = w.Trust();
  const nlohmann::json signed_cred = nlohmann::json::parse(SignedDi(w));
  int leaves = 0;
  ForEachLeaf(signed_cred, nlohmann::json::json_pointer(),
              [&](const nlohmann::json::json_pointer& p) {
                if (p.to_string() == "/proof/0/proofValue") return;
                nlohmann::json t = signed_cred;
                t[p] = Changed(t[p]);
                CAPTURE(p.to_string());
                CHECK(!Verify(t.dump(), trust).valid);
                ++leaves;
              });
  CHECK(leaves > 50);
  // Removing a member or adding one is a change too.
  nlohmann::json t = signed_cred;
  t.erase("evidence");
  CHECK(!Verify(t.dump(), trust).valid);
  t = signed_cred;
  t["validUntil"] = "2099-01-01T00:00:00Z";
  CHECK(!Verify(t.dump(), trust).valid);
  // A different proofValue (another signature) fails too.
  t = signed_cred;
  auto other = AddEddsaJcsProof(Credential(w), SigningKey::Generate(), FormatDateTime(kNow));
  t["proof"][0]["proofValue"] = (*other)["proof"][0]["proofValue"];
  CHECK(!Verify(t.dump(), trust).valid);
}

TEST_CASE("badges/verifier: any changed byte of a VC-JWT's signed part is rejected" *
          doctest::test_suite("slow")) {
  BadgeWorld w;
  auto trust = w.Trust();
  const std::string jwt = SignedJwt(w);
  const size_t signed_end = jwt.rfind('.');
  for (size_t i = 0; i < signed_end; ++i) {
    if (jwt[i] == '.') continue;
    std::string t = jwt;
    t[i] = t[i] == 'Q' ? 'R' : 'Q';
    CAPTURE(i);
    CHECK(!Verify(t, trust).valid);
  }
}

TEST_CASE("badges/verifier: an untrusted or mismatched signer is rejected") {
  BadgeWorld w;
  auto stranger = SigningKey::Generate();
  // Signed by a key the district never granted: proof fine, issuer not trusted.
  auto c = Credential(w);
  c["issuer"]["id"] = DidKeyOf(stranger.public_key());
  auto s = AddEddsaJcsProof(c, stranger, FormatDateTime(kNow));
  BadgeVerdict v = Verify(s->dump(), w.Trust());
  CHECK(!v.valid);
  CHECK(Mentions(v, "issuer not trusted"));
  // ...unless the verifier chose to trust it.
  TrustedKeys given;
  given.Add(stranger.public_key());
  CHECK(Verify(s->dump(), given).valid);
  // Signed by a stranger while naming the district's key as issuer.
  auto forged = AddEddsaJcsProof(Credential(w), stranger, FormatDateTime(kNow));
  v = Verify(forged->dump(), w.Trust());
  CHECK(!v.valid);
  CHECK(Mentions(v, "is not the signing key"));
  // Nobody trusted at all.
  TrustedKeys none;
  CHECK(!Verify(SignedDi(w), none).valid);
}

// Trusts one key from a given millisecond on.
class TrustedFrom final : public IssuerTrust {
 public:
  TrustedFrom(PublicKey key, int64_t from_ms) : key_(key), from_ms_(from_ms) {}
  Status Check(const PublicKey& key, int64_t at_ms) const override {
    if (key == key_ && at_ms >= from_ms_) return Status::Ok();
    return Status::Unauthorized("no grant at " + std::to_string(at_ms));
  }

 private:
  PublicKey key_;
  int64_t from_ms_;
};

TEST_CASE("badges/verifier: a grant made earlier in the second a badge names counts") {
  BadgeWorld w;
  static_assert(kNow % 1000 == 0, "the proof's created time names the second of kNow");
  // The proof says it was created in the second starting at kNow; the grant
  // came half a second into that second, before the badge was exported.
  CHECK(Verify(SignedDi(w), TrustedFrom(w.f.issuer.public_key(), kNow + 500)).valid);
  // A grant in the next second came after the badge: not trusted.
  BadgeVerdict late = Verify(SignedDi(w), TrustedFrom(w.f.issuer.public_key(), kNow + 1000));
  CHECK(!late.valid);
  CHECK(Mentions(late, "issuer not trusted"));
}

TEST_CASE("badges/verifier: with nobody to trust a good badge is unverifiable, never valid") {
  BadgeWorld w;
  BadgeVerifyOptions o;
  o.now_ms = kNow;  // o.trust stays null: a node with no district root, no --trust
  for (const std::string& text : {SignedDi(w), SignedJwt(w)}) {
    BadgeVerdict v = VerifyBadge(text, o);
    CHECK_FALSE(v.valid);
    CHECK(v.verdict == kVerdictUnverifiable);
    CHECK(Mentions(v, "nobody to trust"));
    CHECK(v.ToJson()["verdict"] == "unverifiable");
  }
  // A status list cannot be trusted either.
  o.status_list = "{}";
  BadgeVerdict v = VerifyBadge(SignedDi(w), o);
  CHECK(v.verdict == kVerdictUnverifiable);
  CHECK(v.revocation.rfind("not checked", 0) == 0);
  // A broken badge is still plainly not valid.
  auto t = nlohmann::json::parse(SignedDi(w));
  t["name"] = "Forged";
  CHECK(VerifyBadge(t.dump(), o).verdict == kVerdictNotValid);
  // With the district's keys it is valid.
  auto trust = w.Trust();
  CHECK(Verify(SignedDi(w), trust).verdict == kVerdictValid);
}

TEST_CASE("badges/verifier: validity period uses the injected clock") {
  BadgeWorld w;
  auto trust = w.Trust();
  const int64_t issued = HybridClock::Millis(testing::T(21));
  BadgeVerdict early = Verify(SignedJwt(w), trust, issued - 1000);
  CHECK(!early.valid);
  CHECK(Mentions(early, "not yet valid"));
  auto c = Credential(w);
  c["validUntil"] = FormatDateTime(kNow + 1000);
  auto s = AddEddsaJcsProof(c, w.f.issuer, FormatDateTime(kNow));
  CHECK(Verify(s->dump(), trust, kNow).valid);
  BadgeVerdict late = Verify(s->dump(), trust, kNow + 5000);
  CHECK(!late.valid);
  CHECK(Mentions(late, "expired"));
}

TEST_CASE("badges/verifier: revocation through the status list") {
  BadgeWorld w;
  auto trust = w.Trust();
  const std::string di = SignedDi(w), jwt = SignedJwt(w);
  auto list_before = BuildSignedStatusList(w.store(), kUrl, w.f.issuer, w.clock());
  REQUIRE(list_before.ok());
  for (const auto& text : {di, jwt}) {
    BadgeVerdict v = Verify(text, trust, kNow, list_before->dump());
    CHECK(v.valid);
    CHECK(v.revocation == "not revoked");
  }
  w.Revoke();
  auto list_after = BuildSignedStatusList(w.store(), kUrl, w.f.issuer, w.clock());
  REQUIRE(list_after.ok());
  for (const auto& text : {di, jwt}) {
    BadgeVerdict v = Verify(text, trust, kNow, list_after->dump());
    CHECK(!v.valid);
    CHECK(v.revocation == "revoked");
  }
  // A list that is not the one named, or is forged, is not believed.
  auto wrong_url =
      BuildSignedStatusList(w.store(), "https://elsewhere.example/1", w.f.issuer, w.clock());
  CHECK(Mentions(Verify(di, trust, kNow, wrong_url->dump()), "statusListCredential"));
  auto forged = BuildSignedStatusList(w.store(), kUrl, SigningKey::Generate(), w.clock());
  CHECK(Mentions(Verify(di, trust, kNow, forged->dump()), "signer not trusted"));
  nlohmann::json tampered = *list_before;
  tampered["validFrom"] = "2020-01-01T00:00:00Z";
  CHECK(!Verify(di, trust, kNow, tampered.dump()).valid);
}

TEST_CASE("badges/verifier: garbage input gets reasons, not crashes") {
  BadgeWorld w;
  auto trust = w.Trust();
  for (const char* text :
       {"", "{", "{}", "[]", "a.b.c", "not a badge", "{\"proof\": 5}", "{\"proof\": [{}]}"}) {
    BadgeVerdict v = Verify(text, trust);
    CAPTURE(text);
    CHECK(!v.valid);
    CHECK(!v.problems.empty());
  }
}

}  // namespace
}  // namespace credmesh
