// End-to-end test of the micro-credential story, driving the built credmesh
// binary on a district hub with people: import the sample catalog, walk one
// educator through submit -> not yet -> resubmit -> awarded -> recognition ->
// revocation, checking the read views at each step and that `rebuild` gives
// identical tables.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "node/credentials/credential_records.h"
#include "node/credentials/lifecycle_projection.h"
#include "storage/store.h"
#include "tests/cli_runner.h"

namespace credmesh::credentials_cli_test {
namespace {

// The CLI on one district hub (CREDMESH_DIR), with JSON and database views.
class HubCli : public CliRunner {
 public:
  HubCli() : CliRunner("credmesh-cred-e2e") {
    UseTestPassphrase();
    SetEnv("CREDMESH_DIR", File("hub"));
  }
  nlohmann::json Json(const std::string& args) const {
    return nlohmann::json::parse(Ok(args + " --json"));
  }
  // The domain tables, for comparing before and after `rebuild`.
  std::string Dump() const {
    auto store = Store::Open(File("hub/credmesh.db"));
    REQUIRE(store.ok());
    auto d = DumpDomainTables((*store)->db());
    REQUIRE(d.ok());
    return *d;
  }
};

const char kEd[] = "--as 'Ed Ucator'";
const char kRita[] = "--as 'Rita Reviewer'";
const char kIrene[] = "--as 'Irene Issuer'";
const char kNotYet[] =
    " --level check-design=developing --level pattern-analysis=developing"
    " --level instructional-decision=developing --level student-outcome=not-yet";
const char kPass[] =
    " --level check-design=proficient --level pattern-analysis=proficient"
    " --level instructional-decision=proficient --level student-outcome=proficient";

TEST_CASE("credentials CLI: one educator from catalog to revoked award" *
          doctest::test_suite("slow")) {
  HubCli c;
  c.Ok("init --hub --district 'Maple Valley' --name 'Maple Valley hub'");
  c.Ok("person add --role issuer --name 'Irene Issuer' --email i@example.org");
  c.Ok("person add --role educator --scope school/pine --name 'Ed Ucator' --email e@example.org");
  c.Ok(
      "person add --role reviewer --scope school/pine --name 'Rita Reviewer' --email "
      "r@example.org");

  // Catalog: import, re-import writes nothing, list/show/export.
  const std::string catalog = "'" CREDMESH_SOURCE_DIR "/examples/catalog.json'";
  nlohmann::json imp = c.Json("catalog import " + catalog + " " + kIrene);
  CHECK(imp["written"].size() == 9);
  imp = c.Json("catalog import " + catalog + " " + kIrene);
  CHECK(imp["written"].empty());
  CHECK(imp["unchanged"] == 9);
  CHECK(c.Json("catalog list")["items"].size() == 9);
  CHECK(c.Json("catalog list --text individual")["items"].size() >= 1);
  CHECK(c.Json("catalog show fa-whole-class-decisions")["content"]["id"] ==
        "fa-whole-class-decisions");
  c.Ok("catalog export -o exported.json");
  CHECK(c.Json("catalog import exported.json " + std::string(kIrene))["written"].empty());

  // Draft: invalid steps are refused with the rule's reason.
  const std::string s =
      c.OkLine("submission open fa-whole-class-decisions --school pine " + std::string(kEd));
  c.Refused("review add " + s + kNotYet + " --feedback 'x' --decision not-yet " + kRita,
            "is a draft");
  c.Ok("submission reflect " + s + " --pre 'Checking the class before moving on' " + kEd);
  c.Ok("submission evidence " + s + " --slot lesson-plan --text 'Plan with a hinge question' " +
       kEd);
  c.Ok("submission reflect " + s + " --post 'The hinge question showed a shared misconception' " +
       kEd);
  c.Refused("submission submit " + s + " " + kEd, "required evidence slot class-results is empty");
  c.Ok("submission evidence " + s +
       " --slot class-results --student-outcome --text '18/30 chose B' " + kEd);
  c.Ok("submission evidence " + s +
       " --slot decision-and-impact --student-outcome --text 'Retaught with a number line' " + kEd);
  c.Ok("submission submit " + s + " " + kEd);
  CHECK(c.Json("submission show " + s)["status"] == "submitted");
  c.Refused("submission evidence " + s + " --slot lesson-plan --text late " + kEd,
            "no longer a draft");

  // Not yet, with feedback; awarding without a passing review is refused.
  c.Refused("review add " + s + kNotYet + " --feedback '' --decision not-yet " + kRita, "feedback");
  c.Refused("review add " + s + kNotYet + " --feedback 'ok' --decision awarded " + kRita,
            "passing rule");
  c.Ok("review add " + s + kNotYet +
       " --feedback 'Add the second check results' --decision not-yet " + kRita);
  CHECK(c.Json("submission list --status not_yet")["submissions"].size() == 1);
  c.Refused("award issue " + s + " " + kIrene, "no passing review");

  // Resubmit, awarded.
  c.Ok("submission resubmit " + s + " " + kEd);
  CHECK(c.Json("submission show " + s)["status"] == "draft");
  c.Ok("submission evidence " + s + " --slot decision-and-impact --text 'Second check: 27/30' " +
       kEd);
  c.Ok("submission submit " + s + " " + kEd);
  // The queue names the educator and the reviewer of the earlier attempt.
  const std::string queue = c.Ok("review queue");
  CHECK(queue.find("educator Ed Ucator (") != std::string::npos);
  CHECK(queue.find("earlier review by Rita Reviewer (") != std::string::npos);
  nlohmann::json q = c.Json("review queue")["queue"];
  REQUIRE(q.size() == 1);
  CHECK(q[0]["educator_name"] == "Ed Ucator");
  CHECK(q[0]["earlier_reviews"][0]["reviewer_name"] == "Rita Reviewer");
  c.Ok("review add " + s + kPass +
       " --feedback 'Clear rule, strong outcome evidence' --decision awarded " + kRita);
  nlohmann::json shown = c.Json("submission show " + s);
  CHECK(shown["status"] == "awarded");
  CHECK(shown["attempts"].size() == 2);
  CHECK(shown["attempts"][0]["reviews"][0]["feedback"] == "Add the second check results");

  // Award, recognition, portfolio, revocation.
  const std::string award = c.OkLine("award issue " + s + " " + kIrene);
  CHECK(award == AwardEntity(s));
  c.Ok("award recognize " + award + " --ceu 1.5 --note 'PD hours' " + kIrene);
  nlohmann::json p = c.Json("portfolio 'Ed Ucator'");
  CHECK(p["active_awards"] == 1);
  CHECK(p["ceu_hundredths"] == 150);
  c.Ok("award revoke " + award + " --reason 'evidence reused from another educator' " + kIrene);
  CHECK(c.Json("award show " + award)["status"] == "revoked");
  // The text names people, not bare key prefixes.
  CHECK(c.Ok("award show " + award).find(" by Irene Issuer (") != std::string::npos);
  CHECK(c.Ok("submission show " + s).find("review by Rita Reviewer (") != std::string::npos);
  // The educator, printed in full, is named after the key.
  CHECK(c.Ok("submission show " + s).find(" (Ed Ucator)\n") != std::string::npos);
  CHECK(c.Ok("award show " + award).find(" (Ed Ucator)\n") != std::string::npos);
  CHECK(c.Ok("submission list").find("  educator Ed Ucator (") != std::string::npos);
  CHECK(c.Json("submission list")["submissions"][0]["educator_name"] == "Ed Ucator");
  const std::string inbox = c.Ok("inbox --all " + std::string(kEd));
  CHECK(inbox.find(", not_yet, from Rita Reviewer (") != std::string::npos);
  CHECK(inbox.find("awarded by Irene Issuer (") != std::string::npos);
  nlohmann::json items = c.Json("inbox --all " + std::string(kEd))["items"];
  REQUIRE(!items.empty());
  CHECK(items[0]["by_name"] == "Rita Reviewer");
  const std::string log = c.Ok("log --kind review.add");
  CHECK(log.find("  by Rita Reviewer (") != std::string::npos);
  CHECK(c.Ok("log --kind trust.grant").find("  by district root (") != std::string::npos);
  CHECK(c.Json("log --kind award.issue")["records"][0]["author_name"] == "Irene Issuer");
  p = c.Json("portfolio 'Ed Ucator'");
  CHECK(p["active_awards"] == 0);
  CHECK(p["ceu_hundredths"] == 0);
  CHECK(p["awards"][0]["status"] == "revoked");
  c.Refused("award recognize " + award + " --ceu 1 " + kIrene, "revoked");

  // Rebuild gives identical tables.
  const std::string before = c.Dump();
  c.Ok("rebuild");
  CHECK(c.Dump() == before);
}

}  // namespace
}  // namespace credmesh::credentials_cli_test
