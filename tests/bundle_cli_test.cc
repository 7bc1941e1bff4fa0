// End-to-end test of sneakernet bundles through the built binary: the
// catalog goes hub -> school on a stick, an educator's submission and its
// evidence file come back school -> hub incrementally, the hub gets the file
// byte for byte, the stick holds no plaintext of it, and a damaged or
// misaddressed bundle is refused with exit 1 and nothing applied.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/cli_runner.h"

namespace credmesh::bundle_cli_test {
namespace {

std::string BundleCliRead(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::string BundleCliPattern(size_t n) {
  std::string s(n, '\0');
  uint32_t x = 777;
  for (auto& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

}  // namespace

TEST_CASE("bundle CLI: catalog down, submission and file up, incremental, refusals" *
          doctest::test_suite("slow")) {
  CliRunner t("credmesh-bundle-e2e");
  t.UseTestPassphrase();
  t.Ok("init --dir hub --hub --district 'Maple Valley' --name hub");
  t.Ok("init --dir pine --school --name Pine");
  t.Ok("init --dir oak --school --name Oak");
  t.Ok("enrol issue --dir hub pine/enrolment-request.json --school-id pine -o pine.cert");
  t.Ok("enrol install --dir pine pine.cert");
  t.Ok("enrol issue --dir hub oak/enrolment-request.json --school-id oak -o oak.cert");
  t.Ok("enrol install --dir oak oak.cert");
  t.Ok("person add --dir hub --role issuer --name Irene --email i@example.org");
  t.Ok("catalog import --dir hub '" CREDMESH_SOURCE_DIR "/examples/catalog.json' --as Irene");

  // The catalog travels to Pine on a stick.
  CHECK(t.Run("bundle export --dir hub -o x.bundle").exit_code == 2);  // neither --for nor --public
  t.Ok("bundle export --dir hub --for pine -o down.bundle");
  CHECK(t.Run("bundle export --dir hub --for pine -o down.bundle").exit_code == 1);  // exists
  t.Ok("bundle import --dir pine down.bundle");
  CHECK(t.Ok("catalog list --dir pine").find("fa-whole-class-decisions") != std::string::npos);

  // Ed works at Pine, with a file.
  t.Ok("person add --dir pine --role educator --name Ed --email e@example.org");
  std::string s = t.OkLine("submission open --dir pine fa-whole-class-decisions --as Ed");
  const std::string content = BundleCliPattern(600 * 1024);
  std::ofstream(t.File("plan.bin"), std::ios::binary) << content;
  t.Ok("submission evidence --dir pine " + s + " --slot lesson-plan --file plan.bin --as Ed");

  // Back to the hub, only what the hub lacks.
  t.Ok("bundle state --dir hub -o hub.state");
  const std::string up = t.Ok("bundle export --dir pine --for hub --since hub.state -o up.bundle");
  CHECK(up.find("3 file chunk(s)") != std::string::npos);
  const std::string bytes = BundleCliRead(t.File("up.bundle"));
  CHECK(bytes.find(content.substr(300 * 1024, 64)) == std::string::npos);
  CHECK(bytes.find("lesson-plan") == std::string::npos);

  // A damaged copy and a misaddressed one are refused, changing nothing.
  std::string bad = bytes;
  bad[bad.size() / 2] ^= 1;
  std::ofstream(t.File("bad.bundle"), std::ios::binary) << bad;
  t.Refused("bundle import --dir hub bad.bundle", "nothing was imported");
  t.Refused("bundle import --dir oak up.bundle", "addressed to node");
  CHECK(t.Run("submission show --dir hub " + s).exit_code != 0);

  const std::string in = t.Ok("bundle import --dir hub up.bundle");
  CHECK(in.find("3 new") != std::string::npos);
  t.Ok("evidence get --dir hub " + s + " -o review");
  CHECK(BundleCliRead(t.File("review/attempt-1/lesson-plan/plan.bin")) == content);
  // Idempotent.
  const std::string again = t.Ok("bundle import --dir hub up.bundle");
  CHECK(again.find("0 new") != std::string::npos);
  CHECK(again.find("(0 new, 3 already here)") != std::string::npos);

  // Public bundles need intent and carry no --for.
  CHECK(t.Run("bundle export --dir hub --public -o p.bundle").exit_code == 2);
  t.Ok("bundle export --dir hub --scope public/maple-valley --public -o p.bundle");
}

}  // namespace credmesh::bundle_cli_test
