// End-to-end test of evidence files on one node, driving the built binary:
// attaching chunks a file into the node's chunk store, `evidence get` writes
// it back byte for byte, a missing chunk is reported (list, show, status,
// get), and the node's size policy refuses an oversized file.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "protocol/bytes.h"
#include "tests/temp_dir.h"

namespace credmesh {
namespace {

namespace fs = std::filesystem;

struct Ran {
  int code;
  std::string out;
};

Ran Run(const TempDir& t, const std::string& args) {
  std::string cmd =
      "cd '" + t.path().string() +
      "' && CREDMESH_DIR=hub CREDMESH_PASSPHRASE=pw CREDMESH_KDF=interactive '" CREDMESH_BINARY_DIR
      "/tools/credmesh' " +
      args + " 2>&1";
  std::string text;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) text.append(buf.data(), n);
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

std::string Ok(const TempDir& t, const std::string& args) {
  Ran r = Run(t, args);
  INFO("credmesh " << args << "\n" << r.out);
  REQUIRE(r.code == 0);
  return r.out;
}

nlohmann::json Json(const TempDir& t, const std::string& args) {
  return nlohmann::json::parse(Ok(t, args + " --json"));
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
  TempDir t("credmesh-evidence-e2e");
  Ok(t, "init --hub --district 'Maple Valley' --name hub");
  Ok(t, "person add --role issuer --name Irene --email i@example.org");
  Ok(t, "person add --role educator --scope school/pine --name Ed --email e@example.org");
  Ok(t, "catalog import '" CREDMESH_SOURCE_DIR "/examples/catalog.json' --as Irene");
  std::string s = Ok(t, "submission open fa-whole-class-decisions --school pine --as Ed");
  s = s.substr(0, s.find('\n'));

  const std::string content = "%PDF-1.4\n" + Pattern(600 * 1024);  // three 256 KiB chunks
  std::ofstream(t.File("plan.pdf"), std::ios::binary) << content;
  Ok(t, "submission evidence " + s + " --slot lesson-plan --file plan.pdf --as Ed");

  nlohmann::json list = Json(t, "evidence list " + s);
  REQUIRE(list["files"].size() == 1);
  CHECK(list["files"][0]["bytes"] == "here");
  CHECK(list["files"][0]["type"] == "application/pdf");
  CHECK(list["files"][0]["size"] == content.size());

  Ok(t, "evidence get " + s + " -o out");
  CHECK(ReadAll(t.path() / "out" / "attempt-1" / "lesson-plan" / "plan.pdf") == content);
  CHECK(Run(t, "evidence get " + s + " -o out").code == 1);  // never overwrites silently
  Ok(t, "evidence get " + s + " -o out --force");

  nlohmann::json status = Json(t, "status");
  CHECK(status["evidence_files"]["files"] == 1);
  CHECK(status["evidence_files"]["incomplete"] == 0);
  nlohmann::json shown = Json(t, "submission show " + s);
  CHECK(shown["attempts"][0]["evidence"][0]["file"]["bytes"] == "here");

  // Lose the last chunk (as if it had not arrived yet).
  int removed = 0;
  for (const auto& e : fs::recursive_directory_iterator(t.path() / "hub" / "chunks")) {
    if (e.is_regular_file() && fs::file_size(e.path()) == content.size() - 2 * 256 * 1024) {
      fs::remove(e.path());
      ++removed;
    }
  }
  REQUIRE(removed == 1);
  list = Json(t, "evidence list " + s);
  CHECK(list["files"][0]["bytes"] == "incomplete");
  CHECK(list["files"][0]["bytes_missing"] == content.size() - 2 * 256 * 1024);
  status = Json(t, "status");
  CHECK(status["evidence_files"]["incomplete"] == 1);
  CHECK(status["evidence_files"]["bytes_missing"] == content.size() - 2 * 256 * 1024);
  CHECK(Json(t, "submission show " + s)["attempts"][0]["evidence"][0]["file"]["bytes"] ==
        "incomplete");
  Ran get = Run(t, "evidence get " + s + " -o out2");
  CHECK(get.code == 1);
  CHECK(get.out.find("bytes missing") != std::string::npos);
  CHECK_FALSE(fs::exists(t.path() / "out2" / "attempt-1" / "lesson-plan" / "plan.pdf"));

  // Re-attaching the same file restores the chunk (content addressed).
  Ok(t, "submission evidence " + s + " --slot lesson-plan --file plan.pdf --as Ed");
  CHECK(Json(t, "status")["evidence_files"]["incomplete"] == 0);

  // The node's size policy.
  nlohmann::json cfg = nlohmann::json::parse(ReadAll(t.path() / "hub" / "config.json"));
  cfg["max_file_mb"] = 1;
  cfg["max_submission_mb"] = 100;
  std::ofstream(t.path() / "hub" / "config.json") << cfg.dump();
  std::ofstream(t.File("video.mp4"), std::ios::binary) << Pattern(1024 * 1024 + 1);
  Ran big = Run(t, "submission evidence " + s + " --slot class-results --file video.mp4 --as Ed");
  CHECK(big.code == 1);
  CHECK(big.out.find("max_file_mb") != std::string::npos);
  CHECK(Json(t, "evidence list " + s)["files"].size() == 2);  // the refused file left no record

  cfg["max_submission_mb"] = 1;  // the attempt already holds 2 x 600 KiB
  std::ofstream(t.path() / "hub" / "config.json") << cfg.dump();
  std::ofstream(t.File("small.txt"), std::ios::binary) << "results";
  Ran full = Run(t, "submission evidence " + s + " --slot class-results --file small.txt --as Ed");
  CHECK(full.code == 1);
  CHECK(full.out.find("max_submission_mb") != std::string::npos);
}

}  // namespace
}  // namespace credmesh
