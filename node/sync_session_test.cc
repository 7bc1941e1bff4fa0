// Two sync sessions driven against each other in-process (no sockets):
// convergence, the cost of an in-sync check, scope privacy, and each class
// of bad peer (docs/protocol.md §10–§11).
#include <doctest/doctest.h>

#include "node/sync_test_world.h"
#include "protocol/wire.h"

namespace credmesh {
namespace {

using testing::MakeClient;
using testing::MakeServer;
using testing::RunPair;
using testing::ScopesFor;
using testing::SyncPeer;
using testing::SyncWorld;

void Sync(SyncWorld& w, SyncPeer& client, SyncPeer& server, const std::string& school,
          testing::PairRun* out = nullptr, SyncStats* stats = nullptr) {
  auto c = MakeClient(client, server, w.clock, ScopesFor(school));
  auto s = MakeServer(server, client.key(), w.clock);
  auto run = RunPair(*c, *s);
  INFO("client: ", c->Outcome(), " server: ", s->Outcome());
  REQUIRE(c->completed());
  REQUIRE(s->closed());
  if (out) *out = run;
  if (stats) *stats = c->stats();
}

TEST_CASE("sync session: records flow both ways and sets converge; in-sync check is cheap") {
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  w.hub->Notes("district/valley", 300, "d");
  w.hub->Notes("public/valley", 40, "p");
  w.hub->Notes("school/pine", 25, "h");
  pine.Notes("school/pine", 700, "s");

  testing::PairRun run;
  Sync(w, pine, *w.hub, "pine", &run);
  for (const char* scope : {"district/valley", "school/pine", "public/valley"}) {
    CHECK(pine.Ids(scope) == w.hub->Ids(scope));
  }
  CHECK(pine.Count("school/pine") == 725);

  // Already in sync: one handshake plus one round trip per scope, few bytes.
  SyncStats st;
  Sync(w, pine, *w.hub, "pine", &run, &st);
  CHECK(st.round_trips <= 1 + 3);
  CHECK(run.bytes < 2048);
  CHECK(st.records_sent == 0);
  CHECK(st.records_received == 0);

  // One scope only: handshake + one round trip.
  auto c = MakeClient(pine, *w.hub, w.clock, {"school/pine"});
  auto s = MakeServer(*w.hub, pine.key(), w.clock);
  auto r = RunPair(*c, *s);
  CHECK(c->completed());
  CHECK(c->stats().round_trips <= 2);
  MESSAGE("in-sync check, one scope of 725 records: ", c->stats().round_trips, " round trips, ",
          r.bytes, " bytes");
}

TEST_CASE("sync session: school evidence never reaches another school; hub relays the rest") {
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  SyncPeer& oak = w.School("oak");
  pine.Notes("school/pine", 50, "pine");
  oak.Notes("school/oak", 30, "oak");
  w.hub->Notes("district/valley", 10, "d");

  Sync(w, pine, *w.hub, "pine");
  Sync(w, oak, *w.hub, "oak");
  Sync(w, pine, *w.hub, "pine");
  CHECK(w.hub->Count("school/pine") == 50);
  CHECK(w.hub->Count("school/oak") == 30);
  CHECK(oak.Count("school/pine") == 0);
  CHECK(pine.Count("school/oak") == 0);
  CHECK(oak.Ids("district/valley") == pine.Ids("district/valley"));

  // Oak asking the hub for school/pine is simply not granted it.
  auto c = MakeClient(oak, *w.hub, w.clock, {"district/valley", "school/pine"});
  auto s = MakeServer(*w.hub, oak.key(), w.clock);
  RunPair(*c, *s);
  CHECK(c->completed());
  CHECK(c->granted() == std::vector<std::string>{"district/valley"});
  CHECK(oak.Count("school/pine") == 0);
}

// A server session past WELCOME, in scope district/valley, for injecting frames.
struct Injected {
  std::unique_ptr<SyncClientSession> client;
  std::unique_ptr<SyncServerSession> server;
  Injected(SyncWorld& w, SyncPeer& from, SyncPeer& to, std::vector<std::string> scopes = ScopesFor("pine")) {
    client = MakeClient(from, to, w.clock, std::move(scopes));
    server = MakeServer(to, from.key(), w.clock);
    server->OnFrame(*client->NextFrame());  // HELLO
    client->OnFrame(*server->NextFrame());  // WELCOME
    server->OnFrame(*client->NextFrame());  // initial RECONCILE of district/valley
    while (server->NextFrame()) {
    }
  }
  int64_t Inject(const Bytes& frame) {
    server->OnFrame(frame);
    server->Tick();  // as the server's loop does: finish verifying and storing
    int64_t code = 0;
    while (auto f = server->NextFrame()) {
      auto m = wire::DecodeMessage(*f, wire::SessionLimits{});
      if (m.ok() && std::holds_alternative<wire::Error>(*m)) code = std::get<wire::Error>(*m).code;
    }
    return code;
  }
};

int64_t FirstFrameError(SyncWorld& w, SyncPeer& from, SyncPeer& to, const Bytes& frame) {
  auto s = MakeServer(to, from.key(), w.clock);
  s->OnFrame(frame);
  auto f = s->NextFrame();
  REQUIRE(f);
  auto m = wire::DecodeMessage(*f, wire::SessionLimits{});
  REQUIRE(m.ok());
  REQUIRE(std::holds_alternative<wire::Error>(*m));
  CHECK(s->closed());
  return std::get<wire::Error>(*m).code;
}

TEST_CASE("sync session: bad peers get an error, are dropped, and nothing invalid is stored") {
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  SyncPeer& oak = w.School("oak");
  const int64_t before = w.hub->Count("district/valley");

  SUBCASE("malformed frame") {
    Bytes junk{0xc1, 0x00, 0x01};
    CHECK(FirstFrameError(w, pine, *w.hub, junk) == 400);
  }
  SUBCASE("oversized frame before WELCOME") {
    wire::Hello h;
    h.chain = {Bytes(70 * 1024, 0x01)};
    h.scopes = {"district/valley"};
    CHECK(FirstFrameError(w, pine, *w.hub, wire::Encode(h)) == 413);
  }
  SUBCASE("out of order: RECONCILE before HELLO") {
    CHECK(FirstFrameError(w, pine, *w.hub, wire::Reconcile{"district/valley", {0x90}}.Encode()) == 409);
  }
  SUBCASE("wrong version") {
    wire::Hello h;
    h.versions = {7};
    h.chain = *pine.policy->OwnChain();
    h.scopes = {"district/valley"};
    CHECK(FirstFrameError(w, pine, *w.hub, wire::Encode(h)) == 426);
  }
  SUBCASE("another node's chain (not the CURVE-authenticated key)") {
    wire::Hello h;
    h.chain = *oak.policy->OwnChain();
    h.scopes = {"district/valley"};
    CHECK(FirstFrameError(w, pine, *w.hub, wire::Encode(h)) == 401);
  }
  SUBCASE("replayed HELLO") {
    Injected in(w, pine, *w.hub);
    wire::Hello h;
    h.chain = *pine.policy->OwnChain();
    h.scopes = {"district/valley"};
    CHECK(in.Inject(wire::Encode(h)) == 409);
    CHECK(in.server->closed());
  }
  SUBCASE("duplicate DONE") {
    Injected in(w, pine, *w.hub);
    CHECK(in.Inject(wire::Done{"district/valley"}.Encode()) == 0);
    CHECK(in.Inject(wire::Done{"district/valley"}.Encode()) == 409);
  }
  SUBCASE("forged record") {
    Injected in(w, pine, *w.hub);
    auto rec = VerifiedRecord::Create("note", "district/valley", "x", w.hub->node->ledger().hlc().Now(),
                                      Value::Map{{"text", "forged"}}, pine.node->identity());
    Bytes b = rec->bytes();
    b[b.size() - 3] ^= 0x40;  // inside the signature
    CHECK(in.Inject(wire::Records{"district/valley", {b}, {}}.Encode()) == 400);
    CHECK(in.server->closed());
  }
  SUBCASE("record of another scope than the message's") {
    Injected in(w, pine, *w.hub);
    auto rec = VerifiedRecord::Create("note", "school/oak", "x", w.hub->node->ledger().hlc().Now(),
                                      Value::Map{{"text", "sneaky"}}, pine.node->identity());
    CHECK(in.Inject(wire::Records{"district/valley", {rec->bytes()}, {}}.Encode()) == 403);
    CHECK(w.hub->Count("school/oak") == 0);
  }
  SUBCASE("scope not granted") {
    Injected in(w, pine, *w.hub);
    CHECK(in.Inject(wire::Reconcile{"school/oak", {0x90}}.Encode()) == 403);
  }
  SUBCASE("record its author may not write: ERROR 422, session continues") {
    Injected in(w, pine, *w.hub);
    // A school node may not write a catalog definition in the district scope.
    auto rec = VerifiedRecord::Create("catalog.definition", "district/valley", "x",
                                      w.hub->node->ledger().hlc().Now(), Value::Map{{"t", "x"}},
                                      pine.node->identity());
    const int64_t code = in.Inject(wire::Records{"district/valley", {rec->bytes()}, {}}.Encode());
    CHECK(code == 422);
    CHECK_FALSE(in.server->closed());
    RecordQuery q;
    q.scope = "district/valley";
    q.state = RecordState::kValid;
    CHECK(*w.hub->node->store().records().Count(q) == before);
  }
  SUBCASE("idle peer times out with 408") {
    Injected in(w, pine, *w.hub);
    w.clock.Advance(31'000);
    in.server->Tick();
    auto f = in.server->NextFrame();
    REQUIRE(f);
    auto m = wire::DecodeMessage(*f, wire::SessionLimits{});
    REQUIRE(std::holds_alternative<wire::Error>(*m));
    CHECK(std::get<wire::Error>(*m).code == 408);
  }
  RecordQuery valid;
  valid.state = RecordState::kValid;
  valid.scope = "district/valley";
  CHECK(*w.hub->node->store().records().Count(valid) == before);
}

TEST_CASE("sync session: a cut session resumes with nothing lost or duplicated") {
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  pine.Notes("school/pine", 3000, "s");
  w.hub->Notes("school/pine", 500, "h");
  for (int cut : {3, 7, 12}) {
    auto c = MakeClient(pine, *w.hub, w.clock, {"school/pine"});
    auto s = MakeServer(*w.hub, pine.key(), w.clock);
    RunPair(*c, *s, cut);  // drop both sessions mid-way
  }
  Sync(w, pine, *w.hub, "pine");
  CHECK(pine.Ids("school/pine") == w.hub->Ids("school/pine"));
  CHECK(pine.Count("school/pine") == 3500);
  CHECK(w.hub->Count("school/pine") == 3500);
}

}  // namespace
}  // namespace credmesh
