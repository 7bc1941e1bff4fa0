// End-to-end: a node with no district root never calls anything valid
// (issue 14 item 8). An award forged with `credmesh put` on a random node and
// imported into an unenrolled node shows as unverified in every view that
// would otherwise say valid or verified, and `badge verify` on such a node
// without --trust answers "unverifiable" (exit 1), never VALID.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/cli_runner.h"

namespace credmesh::unverified_cli_test {
namespace {

TEST_CASE("unverified CLI: a node with no district root never says valid or verified") {
  CliRunner cli("credmesh-unverified-e2e");
  cli.Ok("init --dir forger --name Forger");
  cli.Ok("init --dir outsider --name Outsider");
  const std::string key = nlohmann::json::parse(cli.Ok("status --dir forger --json"))["node_key"];
  const std::string body = nlohmann::json({{"submission", "sub-00000000000000aa"},
                                           {"attempt", 1},
                                           {"review", std::string(64, '0')},
                                           {"definition", "fa-whole-class-decisions"},
                                           {"version", 1},
                                           {"educator", key},
                                           {"school", "school/pine"}})
                               .dump();
  const std::string id = cli.OkLine(
      "put --dir forger --kind award.issue --scope public/maple-valley --entity "
      "award:sub-00000000000000aa --body '" +
      body + "'");
  cli.Ok("export --dir forger -o forged.rec");

  // Import: nothing counts as valid.
  CliResult imp = cli.Run("import --dir outsider forged.rec");
  INFO(imp.output());
  CHECK(imp.exit_code == 0);
  CHECK(imp.Says("1 unverified"));
  CHECK_FALSE(imp.Says("valid,"));
  auto imp_json = nlohmann::json::parse(cli.Ok("import --dir outsider forged.rec --json"));
  CHECK(imp_json["valid"] == 0);

  // log, show, status: "unverified", with the reason.
  auto log = nlohmann::json::parse(cli.Ok("log --dir outsider --kind award.issue --json"));
  REQUIRE(log["records"].size() == 1);
  CHECK(log["records"][0]["state"] == "unverified");
  CHECK(log["records"][0]["reason"].get<std::string>().find("no district root") !=
        std::string::npos);
  CHECK(cli.Ok("log --dir outsider --kind award.issue").find("[unverified]") != std::string::npos);
  CHECK(
      nlohmann::json::parse(cli.Ok("log --dir outsider --state valid --json"))["records"].empty());
  CHECK(nlohmann::json::parse(cli.Ok("log --dir outsider --state unverified --json"))["records"]
            .size() == 1);
  CHECK(cli.Ok("show --dir outsider " + id.substr(0, 12)).find("state:     unverified") !=
        std::string::npos);
  auto status = nlohmann::json::parse(cli.Ok("status --dir outsider --json"));
  CHECK(status["scopes"]["public/maple-valley"]["unverified"] == 1);
  CHECK_FALSE(status["scopes"]["public/maple-valley"].contains("valid"));
  CHECK(cli.Ok("status --dir outsider").find("UNVERIFIED") != std::string::npos);

  // The forged award and the portfolio it claims.
  auto award =
      nlohmann::json::parse(cli.Ok("award show --dir outsider sub-00000000000000aa --json"));
  CHECK(award["verified"] == false);
  CHECK(award["verified_locally"] == false);
  CHECK(award["unverified"].get<std::string>().find("no district root") != std::string::npos);
  CHECK(cli.Ok("award show --dir outsider sub-00000000000000aa").find("UNVERIFIED") !=
        std::string::npos);
  auto portfolio = nlohmann::json::parse(cli.Ok("portfolio --dir outsider " + key + " --json"));
  CHECK(portfolio["verified"] == false);
  const std::string text = cli.Ok("portfolio --dir outsider " + key);
  CHECK(text.find("UNVERIFIED") != std::string::npos);
  CHECK(text.find("earned") == std::string::npos);
  auto verify = nlohmann::json::parse(cli.Ok("verify --dir outsider --json"));
  CHECK(verify["authority_checked"] == false);

  // A badge file checked here without --trust: unverifiable, exit 1.
  cli.Ok("init --dir hub --hub --district 'Maple Valley' --name Hub");
  auto hub_status = nlohmann::json::parse(cli.Ok("status --dir hub --json"));
  CHECK_FALSE(hub_status.contains("unverified"));
}

}  // namespace
}  // namespace credmesh::unverified_cli_test
