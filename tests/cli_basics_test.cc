// End-to-end test of the foundation CLI, driving the built credmesh binary:
// init, note add, log (naming authors), show, verify, refusal to overwrite, exit codes,
// --help on every command, tamper detection, a corrupt database.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "storage/sqlite.h"
#include "tests/cli_runner.h"

namespace credmesh::cli_basics_test {
namespace {

size_t CountOf(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t pos = text.find(part); pos != std::string::npos; pos = text.find(part, pos + 1)) ++n;
  return n;
}

// The subcommand names listed under "Subcommands:" in `credmesh --help`
// (older CLI11 versions spell it "SUBCOMMANDS:").
std::vector<std::string> Subcommands(const std::string& help) {
  std::vector<std::string> names;
  std::istringstream in(help);
  std::string line;
  bool listing = false;
  while (std::getline(in, line)) {
    if (line.rfind("Subcommands:", 0) == 0 || line.rfind("SUBCOMMANDS:", 0) == 0) {
      listing = true;
      continue;
    }
    std::istringstream words(line);
    std::string first;
    if (listing && words >> first) names.push_back(first);
  }
  return names;
}

TEST_CASE("cli basics: init, note, log, show and verify on one node") {
  CliRunner cli("credmesh-cli-basics");
  CHECK(cli.Ok("init --dir n --name Pine").find("node key:") != std::string::npos);
  struct stat st {};
  REQUIRE(::stat(cli.File("n/node.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  cli.Refused("init --dir n", "refusing to overwrite");

  const std::string id1 = cli.OkLine("note add --dir n 'first note'");
  cli.SetEnv("CREDMESH_DIR", cli.File("n"));
  const std::string id2 = cli.OkLine("note add 'second note'");
  cli.UnsetEnv("CREDMESH_DIR");
  CHECK(id1.size() == 64);
  CHECK(id2.size() == 64);

  CHECK(CountOf(cli.Ok("log --dir n"), "\n") == 2);
  CHECK(cli.Ok("log --dir n --kind nothing --json").find("\"records\": []") != std::string::npos);
  CHECK(CountOf(cli.Ok("log --dir n --json --scope school/local"), "\"kind\": \"note\"") == 2);

  CHECK(cli.Ok("show --dir n " + id1.substr(0, 10)).find("first note") != std::string::npos);
  CHECK(cli.Ok("show --dir n --json " + id2).find("\"id\": \"" + id2 + "\"") != std::string::npos);
  CHECK(cli.Run("show --dir n 00000000").exit_code == 1);
  CHECK(cli.Run("show --dir n zz").exit_code == 1);
  CHECK(cli.Ok("verify --dir n").find("ok: 2 records") != std::string::npos);

  // A tampered record is named by verify, which exits 1.
  {
    auto db = Database::Open(cli.File("n/credmesh.db"));
    REQUIRE(db.ok());
    REQUIRE(db->Exec("UPDATE records SET bytes = replace(bytes, CAST('first' AS BLOB), "
                     "CAST('fir5t' AS BLOB)) "
                     "WHERE lower(hex(id)) = '" +
                     id1 + "'")
                .ok());
  }
  CliResult tampered = cli.Run("verify --dir n");
  CHECK(tampered.exit_code == 1);
  CHECK(tampered.Says("BAD record " + id1));

  // A corrupt database file is an error, not a crash.
  {
    std::filesystem::remove(cli.File("n/credmesh.db-wal"));
    std::filesystem::remove(cli.File("n/credmesh.db-shm"));
    std::ofstream(cli.File("n/credmesh.db"), std::ios::trunc)
        << "this is not a database at all, just junk bytes.....";
    CliResult r = cli.Run("log --dir n");
    CHECK(r.exit_code == 1);
    CHECK(r.Says("error"));
  }
}

TEST_CASE("cli basics: log and show name this node's key, another node's stays a bare prefix") {
  CliRunner cli("credmesh-cli-basics");
  cli.Ok("init --dir n --name Pine");
  cli.Ok("init --dir m --name Oak");
  const std::string mine = cli.OkLine("note add --dir n mine");
  const std::string theirs = cli.OkLine("note add --dir m theirs");
  cli.Ok("export --dir m -o m.rec");
  cli.Ok("import --dir n m.rec");
  const nlohmann::json log = nlohmann::json::parse(cli.Ok("log --dir n --json"));
  REQUIRE(log["records"].size() == 2);
  std::string oak_key;
  for (const auto& r : log["records"]) {
    if (r["id"] == mine) CHECK(r["author_name"] == "Pine");
    if (r["id"] != theirs) continue;
    CHECK(r["author_name"].is_null());  // Oak's key is known only at Oak
    oak_key = r["author"];
  }
  REQUIRE(oak_key.size() == 64);
  const std::string text = cli.Ok("log --dir n");
  CHECK(CountOf(text, "  by Pine (") == 1);
  CHECK(text.find("  by " + oak_key.substr(0, 16) + "  ") != std::string::npos);
  CHECK(text.find("Oak") == std::string::npos);
  CHECK(cli.Ok("show --dir n " + mine).find("  (Pine)\n") != std::string::npos);
}

TEST_CASE("cli basics: usage errors exit 2, --help exits 0 on every command") {
  CliRunner cli("credmesh-cli-basics");
  CHECK(cli.Run("").exit_code == 2);
  CHECK(cli.Run("frobnicate").exit_code == 2);
  CHECK(cli.Run("log --dir n --bogus").exit_code == 2);
  const std::vector<std::string> commands = Subcommands(cli.Ok("--help"));
  CHECK(commands.size() >= 20);
  for (const std::string& command : commands) {
    CliResult r = cli.Run(command + " --help");
    INFO(command << " --help\n" << r.output());
    CHECK(r.exit_code == 0);
  }
  CliResult missing = cli.Run("log --dir none");
  CHECK(missing.exit_code == 1);
  CHECK(missing.Says("credmesh init"));
}

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST_CASE(
    "cli basics: a hub on a loopback or wildcard address warns, --advertise fixes it, schools use "
    "7601") {
  CliRunner cli("credmesh-cli-basics");
  CliResult hub = cli.Run("init --dir hub --hub --district Valley --listen tcp://0.0.0.0:7600");
  CHECK(hub.exit_code == 0);
  CHECK(hub.err.find("schools on other machines cannot reach it") != std::string::npos);
  CHECK(hub.err.find("--advertise tcp://HOST:PORT") != std::string::npos);

  CliResult advertised = cli.Run(
      "init --dir hub2 --hub --district Valley --listen tcp://0.0.0.0:7600 --advertise "
      "tcp://10.0.0.5:7600");
  CHECK(advertised.exit_code == 0);
  CHECK(advertised.err.empty());
  CHECK(Slurp(cli.File("hub2/config.json")).find("\"advertise\": \"tcp://10.0.0.5:7600\"") !=
        std::string::npos);

  CHECK(cli.Run("init --dir s --school --name Pine --advertise tcp://10.0.0.6:7601").exit_code ==
        2);
  cli.Ok("init --dir s --school --name Pine");
  CHECK(Slurp(cli.File("s/config.json")).find("\"listen\": \"tcp://127.0.0.1:7601\"") !=
        std::string::npos);
}

}  // namespace
}  // namespace credmesh::cli_basics_test
