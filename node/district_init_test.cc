#include "node/district_init.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "node/enrolment.h"
#include "node/node.h"
#include "storage/key_file.h"
#include "tests/temp_dir.h"

namespace credmesh {
namespace {

namespace fs = std::filesystem;

constexpr InitStep kAllSteps[] = {InitStep::kCreateTemp,       InitStep::kNodeFiles,
                                  InitStep::kRootKey,          InitStep::kGenesis,
                                  InitStep::kEnrolmentRequest, InitStep::kPublish};

InitOptions Hub() {
  InitOptions o;
  o.kind = InitOptions::Kind::kHub;
  o.district_name = "Valley USD";
  return o;
}
InitOptions School() {
  InitOptions o;
  o.kind = InitOptions::Kind::kSchool;
  o.name = "Pine Elementary";
  return o;
}
InitOptions Standalone() { return InitOptions{}; }

// The names in `dir`, sorted.
std::set<std::string> Entries(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

TEST_CASE("district_init: each kind of node is complete once init returns") {
  TempDir t("credmesh-init");
  ManualClock clock(1'700'000'000'000);
  SUBCASE("hub") {
    InitOptions o = Hub();
    o.listen = "tcp://127.0.0.1:7999";
    auto r = InitNodeDirectory(t.File("hub"), o, clock);
    REQUIRE(r.ok());
    CHECK(r->district == "valley-usd");
    CHECK(r->root_key_file == t.File("hub") + "/root.key");
    CHECK(fs::exists(r->root_key_file));
    auto node = Node::Open(t.File("hub"), clock);
    REQUIRE(node.ok());
    CHECK((*node)->config().role == "hub");
    CHECK((*node)->config().name == "Valley USD hub");
    CHECK((*node)->config().listen == "tcp://127.0.0.1:7999");
    CHECK((*node)->config().root_key == r->root_key.hex());
    CHECK((*node)->identity().public_key() == r->node_key);
    CHECK(*(*node)->store().records().Count({}) >= 2);  // genesis and the hub's certificate
  }
  SUBCASE("school") {
    auto r = InitNodeDirectory(t.File("pine"), School(), clock);
    REQUIRE(r.ok());
    CHECK(r->request_file == t.File("pine") + "/enrolment-request.json");
    CHECK(fs::exists(r->request_file));
    auto node = Node::Open(t.File("pine"), clock);
    REQUIRE(node.ok());
    CHECK((*node)->config().role == "school");
    CHECK((*node)->config().name == "Pine Elementary");
  }
  SUBCASE("standalone, into an existing directory holding other files") {
    fs::create_directories(t.path() / "mine");
    std::ofstream(t.path() / "mine" / "notes.txt") << "keep me";
    auto r = InitNodeDirectory(t.File("mine"), Standalone(), clock);
    REQUIRE(r.ok());
    CHECK(Entries(t.path() / "mine") ==
          std::set<std::string>{"config.json", "credmesh.db", "node.key", "notes.txt"});
    auto node = Node::Open(t.File("mine"), clock);
    REQUIRE(node.ok());
    CHECK((*node)->config().name == "credmesh node");
  }
  // Nothing but the node is left beside it.
  for (const auto& name : Entries(t.path())) CHECK(name.find(".init-") == std::string::npos);
}

TEST_CASE("district_init: a failure at any step leaves no directory behind") {
  ManualClock clock(1'700'000'000'000);
  for (const InitOptions& o : {Hub(), School(), Standalone()}) {
    for (InitStep failing : kAllSteps) {
      CAPTURE(static_cast<int>(o.kind));
      CAPTURE(static_cast<int>(failing));
      TempDir t("credmesh-init");
      const std::string dir = t.File("node");
      bool reached = false;
      auto r = InitNodeDirectory(dir, o, clock, [&](InitStep s) {
        if (s != failing) return Status::Ok();
        reached = true;
        return Status::IoError("injected");
      });
      if (!reached) {  // this kind of node has no such step
        CHECK(r.ok());
        continue;
      }
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().message() == "injected");
      CHECK_FALSE(fs::exists(dir));
      CHECK(Entries(t.path()).empty());  // no temporary directory either
    }
  }
}

TEST_CASE("district_init: a failed init leaves an existing directory as it was") {
  ManualClock clock(1'700'000'000'000);
  TempDir t("credmesh-init");
  fs::create_directories(t.path() / "empty");
  auto r = InitNodeDirectory(t.File("empty"), Hub(), clock, [](InitStep s) {
    return s == InitStep::kPublish ? Status::IoError("disk full") : Status::Ok();
  });
  CHECK_FALSE(r.ok());
  CHECK(fs::is_directory(t.path() / "empty"));
  CHECK(fs::is_empty(t.path() / "empty"));

  // A target that is a file: the move itself fails.
  std::ofstream(t.path() / "file") << "not a directory";
  r = InitNodeDirectory(t.File("file"), School(), clock);
  CHECK(r.status().code() == Status::Code::kAlreadyExists);
  CHECK(fs::is_regular_file(t.path() / "file"));
  CHECK(Entries(t.path()) == std::set<std::string>{"empty", "file"});
}

TEST_CASE("district_init: refuses an existing node and bad arguments, changing nothing") {
  ManualClock clock(1'700'000'000'000);
  TempDir t("credmesh-init");
  REQUIRE(InitNodeDirectory(t.File("n"), Standalone(), clock).ok());
  const auto before = Entries(t.path() / "n");
  auto again = InitNodeDirectory(t.File("n"), Hub(), clock);
  CHECK(again.status().code() == Status::Code::kAlreadyExists);
  CHECK(Entries(t.path() / "n") == before);

  InitOptions nameless = School();
  nameless.name.clear();
  CHECK(InitNodeDirectory(t.File("s"), nameless, clock).status().message() ==
        "init --school needs --name (the school's name)");
  InitOptions no_district = Hub();
  no_district.district_name = " -- ";
  CHECK(InitNodeDirectory(t.File("h"), no_district, clock).status().message() ==
        "--district needs a name with letters or digits");
  CHECK(Entries(t.path()) == std::set<std::string>{"n"});
}

TEST_CASE("district_init: a school's default port differs from a hub's") {
  TempDir t("credmesh-init");
  ManualClock clock(1'700'000'000'000);
  REQUIRE(InitNodeDirectory(t.File("hub"), Hub(), clock).ok());
  REQUIRE(InitNodeDirectory(t.File("pine"), School(), clock).ok());
  auto hub = Node::Open(t.File("hub"), clock);
  auto pine = Node::Open(t.File("pine"), clock);
  REQUIRE(hub.ok());
  REQUIRE(pine.ok());
  CHECK((*pine)->config().listen == kDefaultSchoolListen);
  CHECK((*hub)->config().listen != (*pine)->config().listen);
}

TEST_CASE("district_init: certificates carry the hub's advertised address") {
  TempDir t("credmesh-init");
  ManualClock clock(1'700'000'000'000);
  InitOptions o = Hub();
  o.listen = "tcp://0.0.0.0:7600";
  SUBCASE("--advertise goes into the bundle, and no warning") {
    o.advertise = "tcp://10.0.0.5:7600";
    auto r = InitNodeDirectory(t.File("hub"), o, clock);
    REQUIRE(r.ok());
    CHECK(r->warning.empty());
    auto hub = Node::Open(t.File("hub"), clock);
    REQUIRE(hub.ok());
    CHECK((*hub)->config().advertise == "tcp://10.0.0.5:7600");
    auto root = ReadKeyFile(r->root_key_file);
    REQUIRE(root.ok());
    auto request = EnrolmentRequest::Create(SigningKey::Generate(), "Pine Elementary");
    auto bundle = IssueNodeCertificate(**hub, *root, request, "pine", 86'400'000);
    REQUIRE(bundle.ok());
    CHECK(bundle->hub_address == "tcp://10.0.0.5:7600");
  }
  SUBCASE("without it, a wildcard listen is warned about") {
    auto r = InitNodeDirectory(t.File("hub"), o, clock);
    REQUIRE(r.ok());
    CHECK(r->warning.find("tcp://0.0.0.0:7600") != std::string::npos);
    CHECK(r->warning.find("--advertise") != std::string::npos);
  }
}

TEST_CASE("district_init: which hub addresses schools elsewhere cannot reach") {
  for (const char* unreachable : {"tcp://127.0.0.1:7600", "tcp://localhost:7600",
                                  "tcp://[::1]:7600", "tcp://0.0.0.0:7600", "tcp://*:7600"}) {
    CAPTURE(unreachable);
    CHECK(HubReachabilityWarning(unreachable).find("cannot reach") != std::string::npos);
  }
  for (const char* reachable :
       {"tcp://10.0.0.5:7600", "tcp://hub.valley.example:7600", "tcp://[fd00::5]:7600"}) {
    CAPTURE(reachable);
    CHECK(HubReachabilityWarning(reachable).empty());
  }
}

}  // namespace
}  // namespace credmesh
