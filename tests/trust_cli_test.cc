// End-to-end test of the trust story, driving the built credmesh binary:
// a hub, two schools enrolled with files, people with roles, refusals with
// clear messages, and records admitted once their grant arrives.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Out {
  int code = -1;
  std::string text;  // stdout and stderr
};

class Shell {
 public:
  Shell() {
    dir_ = fs::temp_directory_path() / ("credmesh-trust-e2e-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ::setenv("CREDMESH_PASSPHRASE", "test passphrase", 1);
    ::setenv("CREDMESH_KDF", "interactive", 1);
    ::unsetenv("CREDMESH_DIR");
  }
  ~Shell() { fs::remove_all(dir_); }

  Out Run(const std::string& args) {
    std::string cmd = "cd '" + dir_.string() + "' && '" CREDMESH_BINARY_DIR "/tools/credmesh' " + args + " 2>&1";
    Out out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return out;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.text.append(buf.data(), n);
    int status = ::pclose(p);
    out.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
  }
  // Runs and requires success; returns the output.
  std::string Ok(const std::string& args) {
    Out o = Run(args);
    INFO("credmesh " << args << "\n" << o.text);
    REQUIRE(o.code == 0);
    return o.text;
  }
  // The last line of the output (commands that print an id).
  std::string OkId(const std::string& args) {
    std::string t = Ok(args);
    while (!t.empty() && t.back() == '\n') t.pop_back();
    return t.substr(t.rfind('\n') == std::string::npos ? 0 : t.rfind('\n') + 1);
  }

 private:
  fs::path dir_;
};

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string GrantId(const std::string& person_add_output) {
  auto pos = person_add_output.find("grant: ");
  REQUIRE(pos != std::string::npos);
  return person_add_output.substr(pos + 7, 64);
}

TEST_CASE("trust e2e: hub, two schools by files, roles, refusals, quarantine") {
  Shell sh;
  sh.Ok("init --dir hub --hub --district 'Valley USD' --listen tcp://127.0.0.1:7690 --sync-interval 7");
  CHECK(Has(sh.Ok("status --dir hub --json"), "\"role\": \"hub\""));
  sh.Ok("init --dir pine --school --name 'Pine Elementary'");
  sh.Ok("init --dir oak --school --name 'Oak Middle'");
  CHECK(Has(sh.Ok("status --dir pine"), "local work only"));
  sh.Ok("enrol issue --dir hub pine/enrolment-request.json --school-id pine -o pine.cert");
  sh.Ok("enrol issue --dir hub oak/enrolment-request.json --school-id oak -o oak.cert");
  // A bundle made for another node is refused.
  CHECK(sh.Run("enrol install --dir pine oak.cert").code == 1);
  sh.Ok("enrol install --dir pine pine.cert");
  sh.Ok("enrol install --dir oak oak.cert");
  CHECK(Has(sh.Ok("status --dir pine"), "school of district valley-usd, school pine"));
  // Installing the certificate makes the hub (at its configured endpoint) a sync peer.
  std::string peers = sh.Ok("peer list --dir pine --json");
  CHECK(Has(peers, "\"hub\""));
  CHECK(Has(peers, "tcp://127.0.0.1:7690"));

  // People. Schools grant their own educators and reviewers with their node key.
  sh.Ok("person add --dir hub --name Ada --email ada@valley.org --role admin");
  std::string rita = sh.Ok("person add --dir pine --name Rita --email rita@pine.org --role reviewer");
  sh.Ok("person add --dir pine --name Ed --email ed@pine.org --role educator");
  // A school cannot make admins.
  Out bad = sh.Run("person add --dir pine --name Mal --email m@pine.org --role admin");
  CHECK(bad.code == 1);
  CHECK(Has(bad.text, "no authority to grant admin"));
  CHECK(Has(sh.Ok("person list --dir pine"), "reviewer school/pine (active)"));

  // A review signed by a non-reviewer is refused with a clear message.
  Out by_educator = sh.Run("put --dir pine --kind review.score --scope school/pine --entity sub-1 --as Ed");
  CHECK(by_educator.code == 1);
  CHECK(Has(by_educator.text, "held no reviewer grant for school/pine at"));
  sh.Ok("put --dir pine --kind review.score --scope school/pine --entity sub-1 --as Rita");

  // After revocation, the reviewer's reviews are refused.
  sh.Ok("revoke --dir pine " + GrantId(rita) + " --reason 'left the school'");
  Out revoked = sh.Run("put --dir pine --kind review.score --scope school/pine --entity sub-2 --as Rita");
  CHECK(revoked.code == 1);
  CHECK(Has(revoked.text, "held no reviewer grant for school/pine"));
  CHECK(Has(sh.Ok("person list --dir pine"), "reviewer school/pine (revoked)"));

  // Records that arrive before their grant wait, then are admitted.
  sh.Ok("person add --dir hub --name Olga --email olga@valley.org --role reviewer --scope school/oak");
  sh.Ok("put --dir hub --kind review.score --scope school/oak --entity sub-9 --as Olga");
  sh.Ok("export --dir hub --scope school/oak -o oak-work.records");
  CHECK(Has(sh.Ok("import --dir oak oak-work.records"), "2 pending"));  // profile + review
  std::string waiting = sh.Ok("status --dir oak");
  CHECK(Has(waiting, "pending:  2"));
  CHECK(Has(waiting, "waiting for a grant"));
  CHECK(Has(sh.Ok("log --dir oak --state pending"), "review.score"));
  sh.Ok("export --dir hub --scope district/valley-usd -o district.records");
  sh.Ok("import --dir oak district.records");
  CHECK(Has(sh.Ok("status --dir oak"), "pending:  0"));
  CHECK(Has(sh.Ok("log --dir oak --kind review.score --state valid"), "review.score"));

  // Carrying pine's revocation to the hub refuses Rita's later work there too.
  sh.Ok("export --dir pine --scope district/valley-usd -o pine-trust.records");
  sh.Ok("import --dir hub pine-trust.records");
  CHECK(Has(sh.Ok("person list --dir hub"), "(revoked)"));

  // The root key can live offline; commands that need it then take --root-key.
  sh.Ok("root export --dir hub -o offline-root.key --remove");
  sh.Ok("init --dir elm --school --name 'Elm High'");
  Out no_root = sh.Run("enrol issue --dir hub elm/enrolment-request.json --school-id elm -o elm.cert");
  CHECK(no_root.code == 1);
  CHECK(Has(no_root.text, "--root-key"));
  sh.Ok("enrol issue --dir hub elm/enrolment-request.json --school-id elm -o elm.cert --root-key offline-root.key");
  sh.Ok("enrol install --dir elm elm.cert");
}

TEST_CASE("trust e2e: no passphrase source is a clear error") {
  Shell sh;
  sh.Ok("init --dir hub --hub --district Hill");
  ::unsetenv("CREDMESH_PASSPHRASE");
  Out o = sh.Run("person add --dir hub --name Z --email z@x --role admin < /dev/null");
  ::setenv("CREDMESH_PASSPHRASE", "test passphrase", 1);
  CHECK(o.code == 1);
  CHECK(Has(o.text, "CREDMESH_PASSPHRASE"));
}

}  // namespace
