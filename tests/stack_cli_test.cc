// End-to-end test of issued stacks, driving the built credmesh binary: an
// educator earns a stack's three parts, an issuer awards the stack, its OB 3.0
// badge passes the official schema and verifies, the CLR links it to its
// parts; revoking the stack marks its status-list bit and its badge fails;
// revoking a part voids a later issue of the stack, which its state, the
// status list and the portfolio show.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/badge_schema_check.h"
#include "tests/cli_runner.h"

namespace credmesh::stack_cli_test {
namespace {

const char kStack[] = "formative-assessment-practitioner";
const char kAsEd[] = " --as 'Ed Ucator'";
const char kAsIrene[] = " --as 'Irene Issuer'";

nlohmann::json SampleCatalog() {
  std::ifstream in(CREDMESH_SOURCE_DIR "/examples/catalog.json");
  return nlohmann::json::parse(in);
}

nlohmann::json Json(const std::string& text) { return nlohmann::json::parse(text); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs the district's whole story for definition `id` for Ed: open, reflect,
// one item per slot (a file where only files are accepted), submit, a passing
// review (every criterion at the top level) and the award. Returns the award id.
std::string Earn(CliRunner& c, const std::string& id) {
  nlohmann::json def;
  const nlohmann::json catalog = SampleCatalog();
  for (const auto& d : catalog["definitions"])
    if (d["id"] == id) def = d;
  REQUIRE(def.is_object());
  const std::string s = c.OkLine("submission open " + id + " --school pine" + kAsEd);
  c.Ok("submission reflect " + s + " --pre 'Before'" + kAsEd);
  for (const auto& slot : def["submission_requirements"]) {
    const std::string slot_id = slot["id"];
    std::string what = " --text 'Evidence for " + slot_id + "'";
    if (slot["accepts"] == nlohmann::json::array({"file"})) {
      std::ofstream(c.File(slot_id + ".txt")) << "work for " << slot_id << "\n";
      what = " --file " + slot_id + ".txt";
    }
    c.Ok("submission evidence " + s + " --slot " + slot_id + what +
         (slot["proof_of_student_outcome_required"] == true ? " --student-outcome" : "") + kAsEd);
  }
  c.Ok("submission reflect " + s + " --post 'After'" + kAsEd);
  c.Ok("submission submit " + s + kAsEd);
  std::string levels;
  for (const auto& cr : def["rubric"]["criteria"]) {
    levels += " --level " + cr["id"].get<std::string>() + "=" +
              def["rubric"]["levels"].back()["id"].get<std::string>();
  }
  c.Ok("review add " + s + levels + " --feedback 'Strong' --decision awarded --as 'Rita Reviewer'");
  return c.OkLine("award issue " + s + kAsIrene);
}

// The stack's entry in `portfolio --json`.
nlohmann::json StackProgress(CliRunner& c) {
  const nlohmann::json portfolio = Json(c.Ok("portfolio 'Ed Ucator' --json"));
  for (const auto& st : portfolio["stacks"])
    if (st["id"] == kStack) return st;
  FAIL("no stack " << kStack << " in the portfolio");
  return {};
}

// Ed's inbox items (--all) about stack award `id`, as "kind definition: text".
std::vector<std::string> StackInbox(CliRunner& c, const std::string& id) {
  std::vector<std::string> out;
  const nlohmann::json inbox = Json(c.Ok("inbox --all --json" + std::string(kAsEd)));
  for (const auto& i : inbox["items"]) {
    if (i.value("stack_award", "") != id) continue;
    out.push_back(i["kind"].get<std::string>() + " " + i["definition"].get<std::string>() + ": " +
                  i.value("text", ""));
  }
  return out;
}

TEST_CASE("stack CLI: issue, export, verify, revoke the stack, revoke a part" *
          doctest::test_suite("slow")) {
  CliRunner c("credmesh-stack-e2e");
  c.UseTestPassphrase();
  c.SetEnv("CREDMESH_DIR", c.File("hub"));
  c.Ok("init --hub --district 'Maple Valley' --name 'Maple Valley hub'");
  c.Ok("person add --role issuer --name 'Irene Issuer' --email i@example.org");
  c.Ok(
      "person add --role educator --scope school/pine --name 'Ed Ucator' --email "
      "ed@pine.example.org");
  c.Ok(
      "person add --role reviewer --scope school/pine --name 'Rita Reviewer' --email "
      "r@example.org");
  c.Ok("catalog import '" CREDMESH_SOURCE_DIR "/examples/catalog.json'" + std::string(kAsIrene));

  // Usage errors exit 2; help exits 0 and names the arguments.
  CHECK(c.Run("award stack").exit_code == 2);
  CHECK(c.Run("award stack " + std::string(kStack)).exit_code == 2);
  CliResult help = c.Run("award stack --help");
  CHECK(help.exit_code == 0);
  CHECK(help.Says("STACK"));
  CHECK(help.Says("PERSON"));

  // One part earned: the stack is refused, naming the two missing parts.
  const std::string whole_class = Earn(c, "fa-whole-class-decisions");
  c.Refused("award stack " + std::string(kStack) + " 'Ed Ucator'" + kAsIrene,
            "missing fa-learning-intentions fa-individual-support");
  c.Refused("award stack no-such-stack 'Ed Ucator'" + std::string(kAsIrene), "no-such-stack");
  c.Refused("award stack " + std::string(kStack) + " Nobody" + kAsIrene, "Nobody");
  const std::string intentions = Earn(c, "fa-learning-intentions");
  const std::string support = Earn(c, "fa-individual-support");
  CHECK(StackProgress(c)["complete"] == true);
  CHECK(StackProgress(c)["award"].is_null());
  CHECK(c.Ok("portfolio 'Ed Ucator'").find("COMPLETE, not issued") != std::string::npos);

  // Issued: its own record, naming the three parts, frozen title.
  const std::string stack =
      c.OkLine("award stack " + std::string(kStack) + " 'Ed Ucator'" + kAsIrene);
  CHECK(stack.rfind("award:stack:" + std::string(kStack) + ":v1:", 0) == 0);
  c.Refused("award stack " + std::string(kStack) + " 'Ed Ucator'" + kAsIrene, "already issued");
  auto shown = Json(c.Ok("award show " + stack + " --json"));
  CHECK(shown["status"] == "active");
  CHECK(shown["title"] == "Formative Assessment Practitioner");
  CHECK(c.Ok("award show " + stack).find(" by Irene Issuer (") != std::string::npos);
  CHECK(c.Ok("award show " + stack).find(" (Ed Ucator)\n") != std::string::npos);
  REQUIRE(shown["parts"].size() == 3);
  std::vector<std::string> parts;
  for (const auto& p : shown["parts"]) parts.push_back(p["award"]);
  CHECK(parts == std::vector<std::string>{intentions, whole_class, support});
  CHECK(StackProgress(c)["award"] == stack);
  CHECK(c.Ok("portfolio 'Ed Ucator'").find("ISSUED " + stack) != std::string::npos);
  // Ed's inbox lists the stack award, new once.
  CHECK(c.Ok("inbox" + std::string(kAsEd))
            .find("award  " + stack + "  " + kStack + "  stack awarded by ") != std::string::npos);
  CHECK(c.Ok("inbox" + std::string(kAsEd)).find(stack) == std::string::npos);
  CHECK(StackInbox(c, stack) == std::vector<std::string>{"award " + std::string(kStack) + ": "});

  // Its badge: both proof forms, the official schema, verified here.
  c.Ok("badge export " + stack + " -o stack.json");
  c.Ok("badge export " + stack + " -o stack.jwt --format jwt");
  c.Ok("badge export " + whole_class + " -o part.json");
  BadgeSchemaAccepts(c, {"stack.json", "stack.jwt"});
  auto badge = Json(ReadFile(c.File("stack.json")));
  const auto& achievement = badge["credentialSubject"]["achievement"];
  CHECK(achievement["achievementType"] == "Certificate");
  REQUIRE(achievement["alignment"].size() == 3);
  CHECK(achievement["alignment"][1]["targetUrl"] ==
        Json(ReadFile(c.File("part.json")))["credentialSubject"]["achievement"]["id"]);
  CHECK(badge["evidence"][1]["id"] == Json(ReadFile(c.File("part.json")))["id"]);
  CHECK(ReadFile(c.File("stack.json")).find("ed@pine") == std::string::npos);
  CHECK(c.Run("badge verify stack.json").exit_code == 0);
  CHECK(c.Run("badge verify stack.jwt").exit_code == 0);

  // The CLR: the stack's badge with isParentOf each of its parts.
  c.Ok("portfolio export 'Ed Ucator' -o clr.json" + std::string(kAsIrene));
  auto clr = Json(ReadFile(c.File("clr.json")));
  CHECK(clr["credentialSubject"]["verifiableCredential"].size() == 4);
  int parents = 0;
  for (const auto& a : clr["credentialSubject"]["association"])
    if (a["sourceId"] == achievement["id"] && a["associationType"] == "isParentOf") ++parents;
  CHECK(parents == 3);
  CHECK(c.Run("badge verify clr.json").exit_code == 0);

  // Revoking the stack: its bit in a refreshed list is set, its badge fails,
  // the part's badge still verifies.
  c.Ok("badge status-list -o list.json" + std::string(kAsIrene));
  CHECK(c.Run("badge verify stack.json --status-list list.json").Says("not revoked"));
  c.Ok("award revoke " + stack + " --reason 'issued in error'" + kAsIrene);
  CHECK(Json(c.Ok("award show " + stack + " --json"))["status"] == "revoked");
  c.Ok("badge status-list -o list.json --force" + std::string(kAsIrene));
  CliResult revoked = c.Run("badge verify stack.json --status-list list.json");
  CHECK(revoked.exit_code == 1);
  CHECK(revoked.Says("revoked"));
  CHECK(c.Run("badge verify stack.jwt --status-list list.json").exit_code == 1);
  CHECK(c.Run("badge verify part.json --status-list list.json").exit_code == 0);
  c.Refused("badge export " + stack + " -o again.json", "revoked");
  CHECK(StackInbox(c, stack) ==
        std::vector<std::string>{"award " + std::string(kStack) + ": ",
                                 "revocation " + std::string(kStack) + ": issued in error"});

  // A new version of the stack is issued afresh; then a part is revoked:
  // the stack award shows it, is void, and its badge fails.
  auto catalog = SampleCatalog();
  for (auto& st : catalog["stacks"])
    if (st["id"] == kStack) st["version"] = 2;
  std::ofstream(c.File("v2.json")) << catalog.dump(2);
  c.Ok("catalog import v2.json" + std::string(kAsIrene));
  const std::string stack2 =
      c.OkLine("award stack " + std::string(kStack) + " 'Ed Ucator'" + kAsIrene);
  CHECK(stack2.rfind("award:stack:" + std::string(kStack) + ":v2:", 0) == 0);
  c.Ok("badge export " + stack2 + " -o stack2.json");
  c.Ok("badge status-list -o list.json --force" + std::string(kAsIrene));
  CHECK(c.Run("badge verify stack2.json --status-list list.json").exit_code == 0);
  c.Ok("award revoke " + support + " --reason 'evidence reused'" + kAsIrene);
  auto after = Json(c.Ok("award show " + stack2 + " --json"));
  CHECK(after["status"] == "parts_revoked");
  REQUIRE(after["revoked_parts"].size() == 1);
  CHECK(after["revoked_parts"][0]["award"] == support);
  CHECK(after["revoked_parts"][0]["reason"] == "evidence reused");
  CHECK(c.Ok("award show " + stack2).find("part " + support + "  [REVOKED") != std::string::npos);
  CHECK(StackProgress(c)["award_status"] == "parts_revoked");
  CHECK(StackProgress(c)["missing"] == nlohmann::json::array({"fa-individual-support"}));
  c.Ok("badge status-list -o list.json --force" + std::string(kAsIrene));
  CHECK(c.Run("badge verify stack2.json --status-list list.json").exit_code == 1);
  c.Refused("badge export " + stack2 + " -o again2.json", "parts_revoked");
  c.Refused("award recognize " + stack2 + " --ceu 1" + kAsIrene, "not to the stack award");
}

}  // namespace
}  // namespace credmesh::stack_cli_test
