// sync_daemon.h: what `credmesh serve` and `credmesh sync` run. SyncDaemon
// drives client sessions towards the configured peers (node/sync/peers.h),
// concurrently, recording each outcome in the peers table; with a listen
// endpoint it also serves, syncs on a schedule (node/sync_schedule.h: every
// sync_interval_s, soon after a local change, back-off by kind of failure)
// and shuts down cleanly. It runs on a ZeroMQ context, sync backend and
// peer policy it is given (NodeSyncParts makes a node's), so tests can
// drive it with a ManualClock and fakes. Time and randomness are injected.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "node/node.h"
#include "node/node_chunk_exchange.h"
#include "node/sync/peers.h"
#include "node/sync/sync_client.h"
#include "node/sync/sync_server.h"
#include "node/sync_schedule.h"
#include "node/trust_peer_policy.h"

namespace credmesh {

// The scopes this node asks its peers for, district first: district/<d>,
// its school (a school) or every certified school (a hub), public/<d>.
Result<std::vector<std::string>> WantedScopes(Node& node);

struct PeerSyncResult {
  std::string peer;
  bool ok = false;
  std::string outcome;  // "ok" or why not
  int64_t error_code = 0;
  FailureKind failure = FailureKind::kNone;
  SyncStats stats;
  int64_t millis = 0;
};

// Structured log: one line per event, "key=value ..." (values quoted when needed).
using LogFn = std::function<void(const std::string& line)>;
std::string LogLine(Clock& clock, const std::string& event,
                    const std::vector<std::pair<std::string, std::string>>& fields);

// What a real node syncs with: its context, a backend over its ledger and
// the trust layer's peer policy. Must outlive the daemon built on it.
// `chunks` moves evidence file chunks (protocol version 2); null if the
// node's chunk store cannot be opened (`chunks_status` says why), and the
// node then syncs records only.
struct NodeSyncParts {
  explicit NodeSyncParts(Node& node);
  zmq::context_t context;
  LedgerSyncBackend backend;
  TrustPeerPolicy policy;
  std::unique_ptr<NodeChunkExchange> chunks;
  Status chunks_status;
};

class SyncDaemon {
 public:
  struct Options {
    std::string listen;             // empty: do not listen (one-shot sync)
    int64_t interval_ms = 60'000;   // periodic sync with each peer
    int64_t change_delay_ms = 500;  // sync this soon after a local change
    int64_t max_backoff_ms = 300'000;
    std::function<double()> uniform01;  // randomness for jitter
    LogFn log;                          // may be empty
    SessionOptions session;
  };

  // `node`, `clock`, `context`, `backend` and `policy` must outlive the
  // daemon. `backend` and `policy` are those of `node` in production
  // (NodeSyncParts); `node` provides the identity, the peers table and
  // the wanted scopes.
  static Result<std::unique_ptr<SyncDaemon>> Create(Node& node, Clock& clock,
                                                    zmq::context_t& context, SyncBackend& backend,
                                                    PeerPolicy& policy, Options options);
  SyncDaemon(const SyncDaemon&) = delete;
  SyncDaemon& operator=(const SyncDaemon&) = delete;
  ~SyncDaemon();

  // The bound endpoint ("" when not listening).
  std::string endpoint() const;
  // Serves and syncs on schedule until `stop` becomes true, then shuts down
  // cleanly (ERROR 503 to open sessions).
  Status Run(const std::atomic<bool>& stop);
  // One turn of Run's loop: notices local changes (every 500 ms), starts
  // the attempts that are due, waits up to `timeout_ms` for sockets, and
  // finishes what ended (updating the schedule).
  void Turn(int timeout_ms);
  // Syncs once with the peers named in `names` (every configured peer if
  // empty), concurrently. `progress` (may be empty) is called about every
  // 200 ms while running.
  Result<std::vector<PeerSyncResult>> SyncOnce(
      const std::vector<std::string>& names, const std::function<void(const SyncStats&)>& progress,
      const std::atomic<bool>* stop = nullptr);

  // For tests and status: the schedule, the peers being synced with now,
  // the scopes asked for.
  const SyncSchedule& schedule() const { return schedule_; }
  std::vector<std::string> Running() const;
  const std::vector<std::string>& scopes() const { return scopes_; }

 private:
  struct Active {
    PeerInfo peer;
    std::unique_ptr<SyncClient> client;
    int64_t started_ms = 0;
  };
  SyncDaemon(Node& node, Clock& clock, zmq::context_t& context, SyncBackend& backend,
             PeerPolicy& policy, Options options);
  Status StartClient(const PeerInfo& peer);
  // Polls every socket for up to `timeout_ms`, processes, finishes clients.
  void Step(int timeout_ms, std::vector<PeerSyncResult>* finished);
  PeerSyncResult Finish(Active& a);
  // Records stored since the last look (by this or another process):
  // refreshes item sets and wanted scopes, and brings syncs forward.
  void CheckLocalChanges(int64_t now);
  // A session a peer opened to us completed: it is up and accepts us.
  void OnInboundSession(const PublicKey& peer_key);
  void Log(const std::string& event,
           const std::vector<std::pair<std::string, std::string>>& fields);

  Node& node_;
  Clock& clock_;
  Options options_;
  zmq::context_t& ctx_;
  SyncBackend& backend_;
  PeerPolicy& policy_;
  SyncSchedule schedule_;
  std::unique_ptr<SyncServer> server_;
  std::vector<Active> active_;
  std::vector<std::string> scopes_;
  int64_t last_check_ms_ = -1;
  int64_t last_rowid_ = -1;
};

}  // namespace credmesh
