// End-to-end test of evidence files on one node, driving the built binary:
// attaching chunks a file into the node's chunk store, `evidence get` writes
// it back byte for byte, a missing chunk is reported (list, show, status,
// get), and the node's size policy refuses an oversized file.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "protocol/bytes.h"
#include "tests/cli_runner.h"

namespace credmesh {
namespace {

namespace fs = std::filesystem;

nlohmann::json Json(const CliRunner& cli, const std::string& args) {
  return nlohmann::json::parse(cli.Ok(args + " --json"));
}

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  uint32_t x = 12345;
  for (auto& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

std::string ReadAll(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST_CASE("evidence files CLI: attach, get back byte for byte, a missing chunk, the size policy") {
  CliRunner t("credmesh-evidence-e2e");
  t.UseTestPassphrase();
  t.SetEnv("CREDMESH_DIR", "hub");
  t.Ok("init --hub --district 'Maple Valley' --name hub");
  t.Ok("person add --role issuer --name Irene --email i@example.org");
  t.Ok("person add --role educator --scope school/pine --name Ed --email e@example.org");
  t.Ok("catalog import '" CREDMESH_SOURCE_DIR "/examples/catalog.json' --as Irene");
  std::string s = t.Ok("submission open fa-whole-class-decisions --school pine --as Ed");
  s = s.substr(0, s.find('\n'));

  const std::string content = "%PDF-1.4\n" + Pattern(600 * 1024);  // three 256 KiB chunks
  std::ofstream(t.File("plan.pdf"), std::ios::binary) << content;
  t.Ok("submission evidence " + s + " --slot lesson-plan --file plan.pdf --as Ed");

  nlohmann::json list = Json(t, "evidence list " + s);
  REQUIRE(list["files"].size() == 1);
  CHECK(list["files"][0]["bytes"] == "here");
  CHECK(list["files"][0]["type"] == "application/pdf");
  CHECK(list["files"][0]["size"] == content.size());

  t.Ok("evidence get " + s + " -o out");
  CHECK(ReadAll(std::filesystem::path(t.File("out")) / "attempt-1" / "lesson-plan" / "plan.pdf") ==
        content);
  CHECK(t.Run("evidence get " + s + " -o out").exit_code == 1);  // never overwrites silently
  t.Ok("evidence get " + s + " -o out --force");

  nlohmann::json status = Json(t, "status");
  CHECK(status["evidence_files"]["files"] == 1);
  CHECK(status["evidence_files"]["incomplete"] == 0);
  nlohmann::json shown = Json(t, "submission show " + s);
  CHECK(shown["attempts"][0]["evidence"][0]["file"]["bytes"] == "here");

  // Lose the last chunk (as if it had not arrived yet): part of the file
  // is here, so it is in transit.
  int removed = 0;
  for (const auto& e :
       fs::recursive_directory_iterator(std::filesystem::path(t.File("hub")) / "chunks")) {
    if (e.is_regular_file() && fs::file_size(e.path()) == content.size() - 2 * 256 * 1024) {
      fs::remove(e.path());
      ++removed;
    }
  }
  REQUIRE(removed == 1);
  list = Json(t, "evidence list " + s);
  CHECK(list["files"][0]["bytes"] == "in transit");
  CHECK(list["files"][0]["bytes_missing"] == content.size() - 2 * 256 * 1024);
  status = Json(t, "status");
  CHECK(status["evidence_files"]["incomplete"] == 1);
  CHECK(status["evidence_files"]["in_transit"] == 1);
  CHECK(status["evidence_files"]["bytes_missing"] == content.size() - 2 * 256 * 1024);
  CHECK(Json(t, "submission show " + s)["attempts"][0]["evidence"][0]["file"]["bytes"] ==
        "in transit");
  CliResult get = t.Run("evidence get " + s + " -o out2");
  CHECK(get.exit_code == 1);
  CHECK(get.output().find("bytes missing") != std::string::npos);
  CHECK_FALSE(
      fs::exists(std::filesystem::path(t.File("out2")) / "attempt-1" / "lesson-plan" / "plan.pdf"));

  // Re-attaching the same file restores the chunk (content addressed).
  t.Ok("submission evidence " + s + " --slot lesson-plan --file plan.pdf --as Ed");
  CHECK(Json(t, "status")["evidence_files"]["incomplete"] == 0);

  // The node's size policy.
  nlohmann::json cfg =
      nlohmann::json::parse(ReadAll(std::filesystem::path(t.File("hub")) / "config.json"));
  cfg["max_file_mb"] = 1;
  cfg["max_submission_mb"] = 100;
  std::ofstream(std::filesystem::path(t.File("hub")) / "config.json") << cfg.dump();
  std::ofstream(t.File("video.mp4"), std::ios::binary) << Pattern(1024 * 1024 + 1);
  CliResult big =
      t.Run("submission evidence " + s + " --slot class-results --file video.mp4 --as Ed");
  CHECK(big.exit_code == 1);
  CHECK(big.output().find("max_file_mb") != std::string::npos);
  CHECK(Json(t, "evidence list " + s)["files"].size() == 2);  // the refused file left no record

  cfg["max_submission_mb"] = 1;  // the attempt already holds 2 x 600 KiB
  std::ofstream(std::filesystem::path(t.File("hub")) / "config.json") << cfg.dump();
  std::ofstream(t.File("small.txt"), std::ios::binary) << "results";
  CliResult full =
      t.Run("submission evidence " + s + " --slot class-results --file small.txt --as Ed");
  CHECK(full.exit_code == 1);
  CHECK(full.output().find("max_submission_mb") != std::string::npos);
}

}  // namespace
}  // namespace credmesh
