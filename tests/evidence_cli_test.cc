// End-to-end tests of evidence files, driving the built binary: attaching
// chunks a file into the node's chunk store, `evidence get` writes it back
// byte for byte, a missing chunk is reported (list, show, status, get), the
// node's size policy refuses an oversized file; and a purge written at the
// hub reaches a school by ordinary record exchange and deletes the file's
// chunks there (not those another file shares), leaving a tombstone.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "node/files/chunk_checksum.h"
#include "protocol/bytes.h"
#include "tests/chunk_files.h"
#include "tests/cli_runner.h"

namespace credmesh::evidence_cli_test {
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
    if (e.is_regular_file() &&
        fs::file_size(e.path()) == content.size() - 2 * 256 * 1024 + kChunkHeaderBytes) {
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

using testing::CountChunkFiles;

TEST_CASE("evidence purge CLI: a purge at the hub reaches a school and deletes the file there") {
  CliRunner t("credmesh-purge-e2e");
  t.UseTestPassphrase();
  t.Ok("init --dir hub --hub --district 'Maple Valley' --name hub");
  t.Ok("init --dir pine --school --name Pine");
  t.Ok("enrol issue --dir hub pine/enrolment-request.json --school-id pine -o pine.cert");
  t.Ok("enrol install --dir pine pine.cert");
  t.Ok("person add --dir hub --role issuer --name Irene --email i@example.org");
  t.Ok("person add --dir hub --role admin --name Ada --email a@example.org");
  t.Ok("catalog import --dir hub '" CREDMESH_SOURCE_DIR "/examples/catalog.json' --as Irene");
  t.Ok("export --dir hub --scope district/maple-valley -o district.rec");
  t.Ok("import --dir pine district.rec");
  t.Ok("person add --dir pine --role educator --name Ed --email e@example.org");
  const std::string s = t.OkLine("submission open --dir pine fa-whole-class-decisions --as Ed");

  // Two files sharing their first chunk: purging one must keep that chunk.
  const std::string shared = Pattern(256 * 1024);
  std::ofstream(t.File("video.mp4"), std::ios::binary) << shared + std::string(300 * 1024, 'v');
  std::ofstream(t.File("other.mp4"), std::ios::binary) << shared + std::string(1000, 'o');
  t.Ok("submission evidence --dir pine " + s + " --slot lesson-plan --file video.mp4 --as Ed");
  t.Ok("submission evidence --dir pine " + s + " --slot class-results --file other.mp4 --as Ed");
  const fs::path pine_chunks = fs::path(t.File("pine")) / "chunks";
  REQUIRE(CountChunkFiles(pine_chunks, "") == 4);  // 3 + 2 chunks, one of them shared
  nlohmann::json list = Json(t, "evidence list --dir pine " + s);
  REQUIRE(list["files"].size() == 2);
  const std::string hash = list["files"][0]["hash"];
  const std::string other_hash = list["files"][1]["hash"];

  // The hub learns of the evidence (records only: it holds no bytes).
  t.Ok("export --dir pine -o pine.rec");
  t.Ok("import --dir hub pine.rec");
  CHECK(Json(t, "evidence list --dir hub " + s)["files"][0]["bytes"] == "incomplete");

  // Refusals: unknown hash, a malformed one, not an admin, no reason.
  CliResult unknown = t.Run("evidence purge --dir hub 0123456789abcdef --reason x --as Ada");
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.output().find("no evidence file with hash 0123456789abcdef") != std::string::npos);
  CHECK(t.Run("evidence purge --dir hub xyz --reason x --as Ada").exit_code == 2);
  CHECK(t.Run("evidence purge --dir hub " + hash + " --reason '' --as Ada").exit_code == 2);
  CliResult issuer = t.Run("evidence purge --dir hub " + hash + " --reason x --as Irene");
  CHECK(issuer.exit_code == 1);
  CHECK(issuer.output().find("only an admin of school/pine") != std::string::npos);
  CHECK(issuer.output().find("held no admin grant") != std::string::npos);
  CHECK(t.Run("evidence purge --help").exit_code == 0);

  // The purge, by a district admin at the hub (by a hash prefix).
  t.Ok("evidence purge --dir hub " + hash.substr(0, 12) +
       " --reason 'privacy request from a parent' --as Ada");
  CliResult again = t.Run("evidence purge --dir hub " + hash + " --reason other --as Ada");
  CHECK(again.exit_code == 0);  // idempotent
  CHECK(again.output().find("already purged by Ada") != std::string::npos);
  CHECK(again.output().find("nothing to do") != std::string::npos);

  // Pine still has the bytes until the purge record reaches it.
  CHECK(CountChunkFiles(pine_chunks, "") == 4);
  t.Ok("export --dir hub --scope school/pine -o purge.rec");
  t.Ok("import --dir pine purge.rec");
  CHECK(CountChunkFiles(pine_chunks, "") == 2);         // the shared chunk and other.mp4's own
  CHECK(CountChunkFiles(pine_chunks, ".purged") == 2);  // video.mp4's own chunks, refused for good

  // The tombstone, everywhere the evidence shows.
  list = Json(t, "evidence list --dir pine " + s);
  CHECK(list["files"][0]["bytes"] == "purged");
  CHECK(list["files"][0]["purged"]["reason"] == "privacy request from a parent");
  CHECK(list["files"][0]["purged"]["by"].get<std::string>().find("Ada") == 0);
  CHECK(list["files"][1]["bytes"] == "here");
  CHECK(t.Ok("evidence list --dir pine " + s).find("purged by Ada") != std::string::npos);
  nlohmann::json shown = Json(t, "submission show --dir pine " + s);
  CHECK(shown["attempts"][0]["evidence"][0]["file"]["bytes"] == "purged");
  CHECK(shown["attempts"][0]["evidence"][0]["file"]["purged"]["reason"] ==
        "privacy request from a parent");
  CHECK(t.Ok("submission show --dir pine " + s).find("purged by Ada") != std::string::npos);
  CHECK(Json(t, "status --dir pine")["evidence_files"]["purged"] == 1);
  CHECK(Json(t, "evidence list --dir hub " + s)["files"][0]["bytes"] == "purged");

  CliResult get = t.Run("evidence get --dir pine " + s + " --slot lesson-plan -o out");
  CHECK(get.exit_code == 1);
  CHECK(get.output().find("purged by Ada") != std::string::npos);
  CHECK_FALSE(fs::exists(fs::path(t.File("out")) / "attempt-1" / "lesson-plan" / "video.mp4"));
  t.Ok("evidence get --dir pine " + s + " --slot class-results -o out");
  CHECK(ReadAll(fs::path(t.File("out")) / "attempt-1" / "class-results" / "other.mp4") ==
        shared + std::string(1000, 'o'));

  // The bytes cannot come back, not even by attaching the same file again.
  CliResult reattach =
      t.Run("submission evidence --dir pine " + s + " --slot lesson-plan --file video.mp4 --as Ed");
  CHECK(reattach.exit_code == 1);
  CHECK(reattach.output().find("purged evidence") != std::string::npos);
  CHECK(CountChunkFiles(pine_chunks, "") == 2);
  CHECK(other_hash != hash);
}

}  // namespace
}  // namespace credmesh::evidence_cli_test
