// End-to-end test of the trust story, driving the built credmesh binary:
// a hub, two schools enrolled with files, people with roles, refusals with
// clear messages, and records admitted once their grant arrives.
#include <doctest/doctest.h>

#include <string>

#include "tests/cli_runner.h"

namespace credmesh::trust_cli_test {
namespace {

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string GrantId(const std::string& person_add_output) {
  auto pos = person_add_output.find("grant: ");
  REQUIRE(pos != std::string::npos);
  return person_add_output.substr(pos + 7, 64);
}

TEST_CASE("trust e2e: hub, two schools by files, roles, refusals, quarantine") {
  CliRunner cli("credmesh-trust-e2e");
  cli.UseTestPassphrase();
  cli.Ok(
      "init --dir hub --hub --district 'Valley USD' --listen tcp://127.0.0.1:7690 --sync-interval "
      "7");
  CHECK(Has(cli.Ok("status --dir hub --json"), "\"role\": \"hub\""));
  cli.Ok("init --dir pine --school --name 'Pine Elementary'");
  cli.Ok("init --dir oak --school --name 'Oak Middle'");
  CHECK(Has(cli.Ok("status --dir pine"), "local work only"));
  cli.Ok("enrol issue --dir hub pine/enrolment-request.json --school-id pine -o pine.cert");
  cli.Ok("enrol issue --dir hub oak/enrolment-request.json --school-id oak -o oak.cert");
  // A bundle made for another node is refused.
  CHECK(cli.Run("enrol install --dir pine oak.cert").exit_code == 1);
  cli.Ok("enrol install --dir pine pine.cert");
  cli.Ok("enrol install --dir oak oak.cert");
  CHECK(Has(cli.Ok("status --dir pine"), "school of district valley-usd, school pine"));
  // Installing the certificate makes the hub (at its configured endpoint) a sync peer.
  std::string peers = cli.Ok("peer list --dir pine --json");
  CHECK(Has(peers, "\"hub\""));
  CHECK(Has(peers, "tcp://127.0.0.1:7690"));

  // People. Schools grant their own educators and reviewers with their node key.
  cli.Ok("person add --dir hub --name Ada --email ada@valley.org --role admin");
  std::string rita =
      cli.Ok("person add --dir pine --name Rita --email rita@pine.org --role reviewer");
  cli.Ok("person add --dir pine --name Ed --email ed@pine.org --role educator");
  // A school cannot make admins.
  CliResult bad = cli.Run("person add --dir pine --name Mal --email m@pine.org --role admin");
  CHECK(bad.exit_code == 1);
  CHECK(Has(bad.output(), "no authority to grant admin"));
  CHECK(Has(cli.Ok("person list --dir pine"), "reviewer school/pine (active)"));

  // A review signed by a non-reviewer is refused with a clear message.
  CliResult by_educator =
      cli.Run("put --dir pine --kind review.score --scope school/pine --entity sub-1 --as Ed");
  CHECK(by_educator.exit_code == 1);
  CHECK(Has(by_educator.output(), "held no reviewer grant for school/pine at"));
  cli.Ok("put --dir pine --kind review.score --scope school/pine --entity sub-1 --as Rita");

  // After revocation, the reviewer's reviews are refused.
  cli.Ok("revoke --dir pine " + GrantId(rita) + " --reason 'left the school'");
  CliResult revoked =
      cli.Run("put --dir pine --kind review.score --scope school/pine --entity sub-2 --as Rita");
  CHECK(revoked.exit_code == 1);
  CHECK(Has(revoked.output(), "held no reviewer grant for school/pine"));
  CHECK(Has(cli.Ok("person list --dir pine"), "reviewer school/pine (revoked)"));

  // Records that arrive before their grant wait, then are admitted.
  cli.Ok(
      "person add --dir hub --name Olga --email olga@valley.org --role reviewer --scope "
      "school/oak");
  cli.Ok("put --dir hub --kind review.score --scope school/oak --entity sub-9 --as Olga");
  cli.Ok("export --dir hub --scope school/oak -o oak-work.records");
  CHECK(Has(cli.Ok("import --dir oak oak-work.records"), "2 pending"));  // profile + review
  std::string waiting = cli.Ok("status --dir oak");
  CHECK(Has(waiting, "pending:  2"));
  CHECK(Has(waiting, "waiting for a grant"));
  CHECK(Has(cli.Ok("log --dir oak --state pending"), "review.score"));
  cli.Ok("export --dir hub --scope district/valley-usd -o district.records");
  cli.Ok("import --dir oak district.records");
  CHECK(Has(cli.Ok("status --dir oak"), "pending:  0"));
  CHECK(Has(cli.Ok("log --dir oak --kind review.score --state valid"), "review.score"));

  // Carrying pine's revocation to the hub refuses Rita's later work there too.
  cli.Ok("export --dir pine --scope district/valley-usd -o pine-trust.records");
  cli.Ok("import --dir hub pine-trust.records");
  CHECK(Has(cli.Ok("person list --dir hub"), "(revoked)"));

  // The root key can live offline; commands that need it then take --root-key.
  cli.Ok("root export --dir hub -o offline-root.key --remove");
  cli.Ok("init --dir elm --school --name 'Elm High'");
  CliResult no_root =
      cli.Run("enrol issue --dir hub elm/enrolment-request.json --school-id elm -o elm.cert");
  CHECK(no_root.exit_code == 1);
  CHECK(Has(no_root.output(), "--root-key"));
  cli.Ok(
      "enrol issue --dir hub elm/enrolment-request.json --school-id elm -o elm.cert --root-key "
      "offline-root.key");
  cli.Ok("enrol install --dir elm elm.cert");
}

TEST_CASE("trust e2e: no passphrase source is a clear error") {
  CliRunner cli("credmesh-trust-e2e");
  cli.UseTestPassphrase();
  cli.Ok("init --dir hub --hub --district Hill");
  cli.UnsetEnv("CREDMESH_PASSPHRASE");
  CliResult o = cli.Run("person add --dir hub --name Z --email z@x.org --role admin < /dev/null");
  CHECK(o.exit_code == 1);
  CHECK(Has(o.output(), "CREDMESH_PASSPHRASE"));
}

TEST_CASE("trust e2e: the test-only key derivation cost warns, an unknown one is refused") {
  CliRunner cli("credmesh-trust-e2e");
  cli.UseTestPassphrase();
  cli.Ok("init --dir hub --hub --district Hill");
  CliResult weak = cli.Run("person add --dir hub --name Ann --email ann@x.org --role admin");
  CHECK(weak.exit_code == 0);
  CHECK(Has(weak.err, "for automated tests only"));
  CliResult fast =
      cli.Run("person add --dir hub --name Bo --email bo@x.org --role admin --kdf interactive");
  CHECK(fast.exit_code == 0);
  CHECK_FALSE(Has(fast.err, "for automated tests only"));
  CliResult unknown =
      cli.Run("person add --dir hub --name Cy --email cy@x.org --role admin --kdf fast");
  CHECK(unknown.exit_code != 0);
  CHECK(Has(unknown.output(), "moderate, interactive or minimum"));
}

}  // namespace
}  // namespace credmesh::trust_cli_test
