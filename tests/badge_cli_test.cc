// End-to-end test of shareable badges, driving the built credmesh binary: a
// hub awards a micro-credential, exports it as an OB 3.0 credential in both
// proof forms, checks them against the official JSON Schema (offline, with
// python3-jsonschema), verifies them here and as an outsider, detects
// tampering, and sees the badge fail once the award is revoked and the
// status list refreshed.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/badge_schema_check.h"
#include "tests/cli_runner.h"

namespace credmesh::badge_cli_test {
namespace {

// The CLI on one district hub (CREDMESH_DIR), with the scratch files.
class Cli : public CliRunner {
 public:
  Cli() : CliRunner("credmesh-badge-e2e") {
    UseTestPassphrase();
    SetEnv("CREDMESH_DIR", File("hub"));
  }
  // As someone outside the district: no CREDMESH_DIR, an empty --dir.
  void Outsider(const std::string& args, int code, const std::string& needle) {
    UnsetEnv("CREDMESH_DIR");
    Expect(args + " --dir nowhere", code, needle);
    SetEnv("CREDMESH_DIR", File("hub"));
  }
  std::string Read(const std::string& f) const {
    std::ifstream in(File(f));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void Write(const std::string& f, const std::string& text) const {
    std::ofstream(File(f)) << text;
  }
};

const char kEd[] = " --as 'Ed Ucator'";
const char kIrene[] = " --as 'Irene Issuer'";

TEST_CASE("badge CLI: export, schema, verify, tamper, revoke" * doctest::test_suite("slow")) {
  Cli c;
  c.Ok("init --hub --district 'Maple Valley' --name 'Maple Valley hub'");
  c.Ok("person add --role issuer --name 'Irene Issuer' --email i@example.org");
  c.Ok(
      "person add --role educator --scope school/pine --name 'Ed Ucator' --email "
      "ed@pine.example.org");
  c.Ok(
      "person add --role reviewer --scope school/pine --name 'Rita Reviewer' --email "
      "r@example.org");
  c.Ok("catalog import '" CREDMESH_SOURCE_DIR "/examples/catalog.json'" + std::string(kIrene));
  const std::string s =
      c.OkLine("submission open fa-whole-class-decisions --school pine" + std::string(kEd));
  c.Ok("submission reflect " + s + " --pre 'Why a hinge question'" + kEd);
  c.Ok("submission evidence " + s + " --slot lesson-plan --text 'Plan naming student Zoe Q.'" +
       kEd);
  c.Ok("submission evidence " + s +
       " --slot class-results --student-outcome --text '18/30 chose B'" + kEd);
  c.Ok("submission evidence " + s +
       " --slot decision-and-impact --student-outcome --text 'Retaught; 27/30'" + kEd);
  c.Ok("submission reflect " + s + " --post 'What the students showed'" + kEd);
  c.Ok("submission submit " + s + kEd);
  c.Ok("review add " + s +
       " --level check-design=proficient --level pattern-analysis=proficient"
       " --level instructional-decision=proficient --level student-outcome=proficient"
       " --feedback 'Strong' --decision awarded --as 'Rita Reviewer'");
  const std::string award = c.OkLine("award issue " + s + kIrene);

  // Progress towards the sample stacks: one of the three the practitioner
  // stack needs, the other two named as missing.
  {
    auto portfolio = nlohmann::json::parse(c.Ok("portfolio 'Ed Ucator' --json"));
    CHECK(portfolio["educator_name"] == "Ed Ucator");
    nlohmann::json practitioner;
    for (const auto& st : portfolio["stacks"])
      if (st["id"] == "formative-assessment-practitioner") practitioner = st;
    CHECK(practitioner["required"] == 3);
    CHECK(practitioner["satisfied"] == nlohmann::json::array({"fa-whole-class-decisions"}));
    CHECK(practitioner["missing"] ==
          nlohmann::json::array({"fa-learning-intentions", "fa-individual-support"}));
    CHECK(practitioner["complete"] == false);
    CHECK(c.Ok("portfolio 'Ed Ucator'")
              .find("formative-assessment-practitioner  Formative "
                    "Assessment Practitioner  1 of 3  missing "
                    "fa-learning-intentions fa-individual-support") != std::string::npos);
  }

  // Export both forms; the default signer is the award's issuer.
  c.Ok("badge export " + award + " -o badge.json");
  c.Ok("badge export " + award + " -o badge.jwt --format jwt");
  c.Expect("badge export " + award + " -o badge.json", 1, "exists; pass --force");
  auto cred = nlohmann::json::parse(c.Read("badge.json"));
  CHECK(cred["type"] == nlohmann::json::array({"VerifiableCredential", "OpenBadgeCredential"}));
  CHECK(cred["proof"][0]["cryptosuite"] == "eddsa-jcs-2022");
  CHECK(cred["issuer"]["name"] == "Maple Valley");
  CHECK(c.Read("badge.json").find("ed@pine") == std::string::npos);
  CHECK(c.Read("badge.json").find("Zoe") == std::string::npos);
  CHECK(c.Read("badge.jwt").rfind("eyJ", 0) == 0);

  // The official JSON Schema accepts both (the JWT's payload).
  BadgeSchemaAccepts(c, {"badge.json", "badge.jwt"});

  // The award froze what it meant: a catalog edit published afterwards (a
  // version 2 with another title and competency) changes neither a new
  // export's achievement nor the portfolio's title.
  {
    std::ifstream in(CREDMESH_SOURCE_DIR "/examples/catalog.json");
    auto catalog = nlohmann::json::parse(in);
    for (auto& d : catalog["definitions"]) {
      if (d["id"] != "fa-whole-class-decisions") continue;
      d["version"] = d["version"].get<int>() + 1;
      d["title"] = "Renamed after the award";
      d["competency"] = "A competency edited after the award.";
    }
    c.Write("edited.json", catalog.dump(2));
    c.Ok("catalog import edited.json" + std::string(kIrene));
    CHECK(c.Ok("catalog show fa-whole-class-decisions").find("Renamed after the award") !=
          std::string::npos);
    c.Ok("badge export " + award + " -o after-edit.json");
    auto again = nlohmann::json::parse(c.Read("after-edit.json"));
    CHECK(again["credentialSubject"]["achievement"] == cred["credentialSubject"]["achievement"]);
    CHECK(again["name"] == cred["name"]);
    auto portfolio = nlohmann::json::parse(c.Ok("portfolio 'Ed Ucator' --json"));
    CHECK(portfolio["awards"][0]["title"] == cred["name"]);
  }

  // Verified by the district's own node...
  c.Expect("badge verify badge.json", 0, "VALID");
  c.Expect("badge verify badge.jwt", 0, "VALID");
  auto verdict = nlohmann::json::parse(c.Ok("badge verify badge.json --json"));
  CHECK(verdict["valid"] == true);
  CHECK(verdict["revocation"].get<std::string>().rfind("not checked", 0) == 0);
  // ...and by an outsider only with the issuer's key given explicitly.
  // With nobody to trust (no district root, no --trust): unverifiable, exit 1.
  c.Outsider("badge verify badge.json", 1, "UNVERIFIABLE");
  c.Outsider("badge verify badge.jwt", 1, "nobody to trust");
  c.Ok("init --dir lone --name 'Lone node'");
  c.Expect("badge verify badge.json --dir lone", 1, "UNVERIFIABLE");
  auto lone = nlohmann::json::parse(c.Run("badge verify badge.json --dir lone --json").out);
  CHECK(lone["valid"] == false);
  CHECK(lone["verdict"] == "unverifiable");
  const std::string issuer_did = cred["issuer"]["id"];
  c.Outsider("badge verify badge.jwt --trust " + issuer_did, 0, "VALID");
  c.Outsider("badge verify badge.json --trust " + issuer_did, 0, "VALID");
  c.Outsider("badge verify badge.json --trust bogus", 1, "--trust");

  // The portfolio as a CLR 2.0 ClrCredential, both proof forms: the embedded
  // badge passes the OB 3.0 schema, the whole verifies here and as an
  // outsider with the issuer's key, and a changed embedded badge fails.
  c.Ok("portfolio export 'Ed Ucator' -o clr.json" + std::string(kIrene));
  c.Ok("portfolio export 'Ed Ucator' -o clr.jwt --format jwt" + std::string(kIrene));
  c.Expect("portfolio export 'Ed Ucator' -o clr.json" + std::string(kIrene), 1, "--force");
  auto clr = nlohmann::json::parse(c.Read("clr.json"));
  CHECK(clr["type"] == nlohmann::json::array({"VerifiableCredential", "ClrCredential"}));
  CHECK(clr["credentialSubject"]["type"] == nlohmann::json::array({"ClrSubject"}));
  REQUIRE(clr["credentialSubject"]["verifiableCredential"].size() == 1);
  CHECK(clr["credentialSubject"]["verifiableCredential"][0]["credentialSubject"]["achievement"] ==
        cred["credentialSubject"]["achievement"]);
  CHECK(c.Read("clr.json").find("ed@pine") == std::string::npos);
  BadgeSchemaAccepts(c, {"clr.json", "clr.jwt"});
  c.Expect("badge verify clr.json", 0, "all 1 embedded badge(s) verify");
  c.Expect("badge verify clr.jwt", 0, "VALID");
  c.Outsider("badge verify clr.json --trust " + cred["issuer"]["id"].get<std::string>(), 0,
             "VALID");
  c.Outsider("badge verify clr.json", 1, "UNVERIFIABLE");
  auto bad_clr = clr;
  bad_clr["credentialSubject"]["verifiableCredential"][0]["name"] = "Forged inside";
  c.Write("bad-clr.json", bad_clr.dump(2));
  c.Expect("badge verify bad-clr.json", 1, "signature does not match");
  c.Expect("portfolio export 'Ed Ucator' -o x.json", 1, "--as");
  c.Expect("portfolio export 'Nobody' -o y.json" + std::string(kIrene), 1, "Nobody");

  // Tampering: one changed value.
  auto tampered = cred;
  tampered["credentialSubject"]["achievement"]["name"] = "Something else";
  c.Write("tampered.json", tampered.dump(2));
  c.Expect("badge verify tampered.json", 1, "signature does not match");

  // Revocation reaches the badge through the status list.
  c.Ok("badge status-list -o list.json" + std::string(kIrene));
  c.Expect("badge verify badge.json --status-list list.json", 0, "not revoked");
  c.Ok("award revoke " + award + " --reason 'evidence reused'" + kIrene);
  c.Expect("badge verify badge.json --status-list list.json", 0, "not revoked");  // the old list
  // A new list never replaces the old file unless asked to.
  c.Expect("badge status-list -o list.json" + std::string(kIrene), 1, "--force");
  c.Ok("badge status-list -o list.json --force" + std::string(kIrene));
  c.Expect("badge verify badge.json --status-list list.json", 1, "revoked");
  c.Expect("badge verify badge.jwt --status-list list.json", 1, "revoked");
  c.Expect("badge export " + award + " -o again.json", 1, "revoked");

  // Usage errors.
  c.Expect("badge export " + award, 2, "--out");
  c.Expect("badge export " + award + " -o x.json --format pdf", 2, "pdf");
  c.Expect("badge status-list -o l.json", 1, "--as");
}

}  // namespace
}  // namespace credmesh::badge_cli_test
