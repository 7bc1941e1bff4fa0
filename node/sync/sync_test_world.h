// sync_test_world.h: test-only fixtures for the sync layer — a district of
// real nodes on disk (hub + schools, enrolled through the library calls the
// CLI uses) sharing one ManualClock, and a driver that runs a client and a
// server session against each other in-process.
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "node/enrolment.h"
#include "node/node.h"
#include "node/sync/sync_backend.h"
#include "node/sync/sync_client_session.h"
#include "node/sync/sync_server_session.h"
#include "node/trust_peer_policy.h"
#include "protocol/crypto.h"

namespace credmesh::testing {

struct SyncPeer {
  std::unique_ptr<Node> node;
  std::unique_ptr<LedgerSyncBackend> backend;
  std::unique_ptr<TrustPeerPolicy> policy;
  explicit SyncPeer(std::unique_ptr<Node> n)
      : node(std::move(n)),
        backend(std::make_unique<LedgerSyncBackend>(node->store(), node->ledger())),
        policy(std::make_unique<TrustPeerPolicy>(*node)) {}
  PublicKey key() const { return node->identity().public_key(); }
  // Writes `n` notes in `scope`, signed by the node key.
  void Notes(const std::string& scope, int n, const std::string& tag = "n") const {
    for (int i = 0; i < n; ++i) {
      auto r =
          node->ledger().Write("note", scope, tag + std::to_string(i),
                               Value::Map{{"text", tag + std::to_string(i)}}, node->identity());
      if (!r.ok()) throw std::runtime_error(r.status().ToString());
    }
  }
  int64_t Count(const std::string& scope) const {
    RecordQuery q;
    q.scope = scope;
    return *node->store().records().Count(q);
  }
  std::set<RecordId> Ids(const std::string& scope) const {
    RecordQuery q;
    q.scope = scope;
    std::set<RecordId> out;
    auto rows = node->store().records().List(q);
    if (!rows.ok()) throw std::runtime_error(rows.status().ToString());
    for (const auto& r : *rows) out.insert(r.id);
    return out;
  }
};

struct SyncWorld {
  ManualClock clock;
  std::string dir;
  SigningKey root = SigningKey::Generate();
  std::unique_ptr<SyncPeer> hub;
  std::map<std::string, std::unique_ptr<SyncPeer>> schools;

  SyncWorld() {
    uint8_t rnd[8];
    RandomBytes(rnd, sizeof rnd);
    dir = (std::filesystem::temp_directory_path() / ("credmesh-sync-" + ToHex(ByteView(rnd, 8))))
              .string();
    NodeConfig c;
    c.role = "hub";
    c.name = "valley hub";
    c.district = "valley";
    c.root_key = root.public_key().hex();
    Check(Node::Init(dir + "/hub", c));
    auto n = Node::Open(dir + "/hub", clock);
    Check(n.status().ok() ? Status::Ok() : n.status());
    Check(FoundDistrict(**n, root, "Valley USD"));
    hub = std::make_unique<SyncPeer>(std::move(*n));
    clock.Advance(1000);
  }
  SyncWorld(const SyncWorld&) = delete;
  SyncWorld& operator=(const SyncWorld&) = delete;
  ~SyncWorld() {
    hub.reset();
    schools.clear();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  SyncPeer& School(const std::string& id) {
    auto& slot = schools[id];
    if (slot) return *slot;
    NodeConfig c;
    c.role = "school";
    c.name = id;
    const std::string d = dir + "/" + id;
    Check(Node::Init(d, c));
    {
      auto n = Node::Open(d, clock);
      Check(n.ok() ? Status::Ok() : n.status());
      auto req = EnrolmentRequest::Create((*n)->identity(), id);
      auto bundle = IssueNodeCertificate(*hub->node, root, req, id, kDefaultCertValidityMs);
      Check(bundle.ok() ? Status::Ok() : bundle.status());
      n->reset();
      Check(InstallBundle(d, clock, *bundle));
    }
    clock.Advance(1000);
    auto n = Node::Open(d, clock);
    Check(n.ok() ? Status::Ok() : n.status());
    slot = std::make_unique<SyncPeer>(std::move(*n));
    return *slot;
  }
  static void Check(const Status& s) {
    if (!s.ok()) throw std::runtime_error(s.ToString());
  }
};

// The scopes a node asks for: district, its school (or every school the hub
// knows, given), public.
inline std::vector<std::string> ScopesFor(const std::string& school) {
  std::vector<std::string> s{"district/valley"};
  if (!school.empty()) s.push_back("school/" + school);
  s.push_back("public/valley");
  return s;
}

struct PairRun {
  int rounds = 0;
  uint64_t bytes = 0;  // both directions
};

// Moves frames between the two sessions until both are silent.
inline PairRun RunPair(SyncSession& client, SyncSession& server, int max_rounds = 10000) {
  PairRun run;
  for (; run.rounds < max_rounds; ++run.rounds) {
    bool moved = false;
    // As a socket loop does once no frame is ready: finish storing records.
    client.Tick();
    while (auto f = client.NextFrame()) {
      moved = true;
      run.bytes += f->size();
      server.OnFrame(*f);
    }
    server.Tick();
    while (auto f = server.NextFrame()) {
      moved = true;
      run.bytes += f->size();
      client.OnFrame(*f);
    }
    if (!moved) break;
  }
  return run;
}

// A client session of `from` towards `to` asking for `scopes`.
inline std::unique_ptr<SyncClientSession> MakeClient(SyncPeer& from, SyncPeer& to, Clock& clock,
                                                     std::vector<std::string> scopes) {
  ClientOptions o;
  o.scopes = std::move(scopes);
  o.server_key = to.key();
  auto c = SyncClientSession::Create(*from.backend, *from.policy, clock, o);
  if (!c.ok()) throw std::runtime_error(c.status().ToString());
  (*c)->Start();
  return std::move(*c);
}

inline std::unique_ptr<SyncServerSession> MakeServer(SyncPeer& at, const PublicKey& client_key,
                                                     Clock& clock) {
  return std::make_unique<SyncServerSession>(*at.backend, *at.policy, clock, client_key,
                                             SessionOptions{});
}

}  // namespace credmesh::testing
