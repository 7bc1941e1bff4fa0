#include "node/badges/vc_proof.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "node/badges/jcs.h"
#include "node/badges/multibase.h"

namespace credmesh {
namespace {

std::string ReadData(const std::string& name) {
  std::ifstream in(std::string(CREDMESH_SOURCE_DIR) + "/tests/data/ob3/" + name, std::ios::binary);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

SigningKey W3cTestKey() {
  return std::move(*SigningKey::FromSeed(
      *FromHex("c96ef9ea10c5e414c471723aff9de72c35fa5b70fae97e8832ecac7d2e2b8ed6")));
}

TEST_CASE("badges/vc_proof: W3C eddsa-jcs-2022 vectors: canonical form and hashes") {
  auto signed_doc = nlohmann::json::parse(ReadData("w3c-eddsa-jcs-2022/signedJCS.json"));
  nlohmann::json doc = signed_doc;
  doc.erase("proof");
  auto canon = CanonicalizeJcs(doc);
  REQUIRE(canon.ok());
  CHECK(*canon == ReadData("w3c-eddsa-jcs-2022/canonDocJCS.txt"));
  CHECK(Sha256(AsBytes(*canon)).hex() == ReadData("w3c-eddsa-jcs-2022/docHashJCS.txt"));
  nlohmann::json options = signed_doc["proof"];
  options.erase("proofValue");
  auto canon_options = CanonicalizeJcs(options);
  REQUIRE(canon_options.ok());
  CHECK(Sha256(AsBytes(*canon_options)).hex() == ReadData("w3c-eddsa-jcs-2022/proofHashJCS.txt"));
}

TEST_CASE("badges/vc_proof: W3C eddsa-jcs-2022 vector verifies, and signing reproduces it") {
  auto signed_doc = nlohmann::json::parse(ReadData("w3c-eddsa-jcs-2022/signedJCS.json"));
  auto key = VerifyEddsaJcsProof(signed_doc, signed_doc["proof"]);
  REQUIRE(key.ok());
  CHECK(*key == W3cTestKey().public_key());

  // Ed25519 is deterministic: our signer must produce the published proofValue.
  nlohmann::json doc = signed_doc;
  doc.erase("proof");
  auto ours = AddEddsaJcsProof(doc, W3cTestKey(), "2023-02-24T23:36:38Z");
  REQUIRE(ours.ok());
  REQUIRE((*ours)["proof"].is_array());
  CHECK((*ours)["proof"][0]["proofValue"] == signed_doc["proof"]["proofValue"]);
}

TEST_CASE("badges/vc_proof: changing the document or the proof options breaks the proof") {
  auto signed_doc = nlohmann::json::parse(ReadData("w3c-eddsa-jcs-2022/signedJCS.json"));
  auto t1 = signed_doc;
  t1["credentialSubject"]["alumniOf"] = "The School of Exampels";
  CHECK(VerifyEddsaJcsProof(t1, t1["proof"]).status().code() == Status::Code::kCorruption);
  auto t2 = signed_doc;
  t2["proof"]["created"] = "2023-02-24T23:36:39Z";
  CHECK(VerifyEddsaJcsProof(t2, t2["proof"]).status().code() == Status::Code::kCorruption);
  auto t3 = signed_doc;
  t3["validUntil"] = "2030-01-01T00:00:00Z";  // an added member is signed content too
  CHECK(!VerifyEddsaJcsProof(t3, t3["proof"]).ok());
  auto t4 = signed_doc;  // a different, valid key
  auto other = SigningKey::Generate();
  t4["proof"]["verificationMethod"] = DidKeyMethodOf(other.public_key());
  CHECK(!VerifyEddsaJcsProof(t4, t4["proof"]).ok());
  // Member order and whitespace are not signed content: JCS fixes them.
  auto reparsed = nlohmann::json::parse(signed_doc.dump(4));
  CHECK(VerifyEddsaJcsProof(reparsed, reparsed["proof"]).ok());
}

TEST_CASE("badges/vc_proof: eddsa-rdfc-2022 (1EdTech example) is reported unsupported, not valid") {
  auto doc = nlohmann::json::parse(ReadData("1edtech-validator-simple-did-key-method.json"));
  auto r = VerifyEddsaJcsProof(doc, doc["proof"][0]);
  REQUIRE(!r.ok());
  CHECK(r.status().message().find("eddsa-rdfc-2022") != std::string::npos);
}

TEST_CASE("badges/vc_proof: VC-JWT round trip, claims, tamper") {
  auto key = SigningKey::Generate();
  nlohmann::json cred = {{"id", "urn:uuid:1"},
                         {"issuer", {{"id", DidKeyOf(key.public_key())}, {"type", {"Profile"}}}},
                         {"validFrom", "2026-01-02T03:04:05Z"},
                         {"credentialSubject", {{"id", "urn:uuid:2"}}}};
  auto jwt = SignVcJwt(cred, key);
  REQUIRE(jwt.ok());
  auto v = VerifyVcJwt(*jwt);
  REQUIRE(v.ok());
  CHECK(v->key == key.public_key());
  CHECK(v->header["alg"] == "EdDSA");
  CHECK(v->header["typ"] == "JWT");
  CHECK(v->header["kid"] == DidKeyMethodOf(key.public_key()));
  CHECK(v->payload["sub"] == "urn:uuid:2");
  CHECK(v->payload["nbf"] == 1767323045);
  CHECK(CheckJwtClaims(v->payload).empty());

  auto p = v->payload;
  p["sub"] = "urn:uuid:3";
  CHECK(CheckJwtClaims(p).size() == 1);

  // Any changed character of the header or payload breaks the signature.
  size_t sig_start = jwt->rfind('.');
  for (size_t i = 0; i < sig_start; i += 7) {
    if ((*jwt)[i] == '.') continue;
    std::string t = *jwt;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    CAPTURE(i);
    CHECK(!VerifyVcJwt(t).ok());
  }
  CHECK(!VerifyVcJwt("a.b").ok());
  CHECK(!VerifyVcJwt("").ok());
}

TEST_CASE("badges/vc_proof: date-times") {
  CHECK(*ParseDateTime("1970-01-01T00:00:00Z") == 0);
  CHECK(*ParseDateTime("2022-11-10T07:38:00-08:00") == *ParseDateTime("2022-11-10T15:38:00Z"));
  CHECK(*ParseDateTime("2026-01-02T03:04:05.25Z") == 1767323045250);
  CHECK(FormatDateTime(1767323045250) == "2026-01-02T03:04:05Z");
  CHECK(!ParseDateTime("2026-02-30T00:00:00Z").ok());
  CHECK(!ParseDateTime("2026-01-02 03:04:05Z").ok());
  CHECK(!ParseDateTime("2026-01-02T03:04:05").ok());
}

}  // namespace
}  // namespace credmesh
