// sync_daemon.h: what `credmesh serve` and `credmesh sync` run. SyncRunner
// drives client sessions towards the configured peers (node/sync/peers.h),
// concurrently, recording each outcome in the peers table; SyncDaemon adds
// the listening server, the schedule (every sync_interval_s, and soon after
// a local change), exponential back-off with jitter while a peer fails,
// and a clean shutdown. Time and randomness are injected.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "node/node.h"
#include "node/sync/peers.h"
#include "node/trust_peer_policy.h"
#include "node/sync/sync_client.h"
#include "node/sync/sync_server.h"

namespace credmesh {

// The scopes this node asks its peers for, district first: district/<d>,
// its school (a school) or every certified school (a hub), public/<d>.
Result<std::vector<std::string>> WantedScopes(Node& node);

struct PeerSyncResult {
  std::string peer;
  bool ok = false;
  std::string outcome;  // "ok" or why not
  int64_t error_code = 0;
  SyncStats stats;
  int64_t millis = 0;
};

// Back-off after `failures` consecutive failures (docs/protocol.md §10.4):
// min(max, 1 s * 2^k) * U(0.5, 1.0); `admin_needed` (401/403/426) uses max.
int64_t BackoffMillis(int failures, bool admin_needed, double uniform01, int64_t max_ms = 300'000);

// Structured log: one line per event, "key=value ..." (values quoted when needed).
using LogFn = std::function<void(const std::string& line)>;
std::string LogLine(Clock& clock, const std::string& event,
                    const std::vector<std::pair<std::string, std::string>>& fields);

class SyncDaemon {
 public:
  struct Options {
    std::string listen;              // empty: do not listen (one-shot sync)
    int64_t interval_ms = 60'000;    // periodic sync with each peer
    int64_t change_delay_ms = 500;   // sync this soon after a local change
    int64_t max_backoff_ms = 300'000;
    std::function<double()> uniform01;  // randomness for jitter
    LogFn log;                          // may be empty
    SessionOptions session;
  };

  // `node` and `clock` must outlive the daemon.
  static Result<std::unique_ptr<SyncDaemon>> Create(Node& node, Clock& clock, Options options);
  ~SyncDaemon();

  // The bound endpoint ("" when not listening).
  std::string endpoint() const;
  // Serves and syncs on schedule until `stop` becomes true, then shuts down
  // cleanly (ERROR 503 to open sessions).
  Status Run(const std::atomic<bool>& stop);
  // Syncs once with `peers` (every configured peer if empty), concurrently.
  // `progress` (may be empty) is called about every 200 ms while running.
  Result<std::vector<PeerSyncResult>> SyncOnce(const std::vector<std::string>& peers,
                                                const std::function<void(const SyncStats&)>& progress,
                                                const std::atomic<bool>* stop = nullptr);

 private:
  struct Active {
    PeerInfo peer;
    std::unique_ptr<SyncClient> client;
    int64_t started_ms = 0;
  };
  struct Schedule {
    int64_t next_ms = 0;
    int failures = 0;
  };
  SyncDaemon(Node& node, Clock& clock, Options options);
  Status StartClient(const PeerInfo& peer);
  // Polls every socket for up to `timeout_ms`, processes, finishes clients.
  void Step(int timeout_ms, std::vector<PeerSyncResult>* finished);
  PeerSyncResult Finish(Active& a);
  void Log(const std::string& event, const std::vector<std::pair<std::string, std::string>>& fields);

  Node& node_;
  Clock& clock_;
  Options options_;
  zmq::context_t ctx_;
  std::unique_ptr<LedgerSyncBackend> backend_;
  std::unique_ptr<TrustPeerPolicy> policy_;
  std::unique_ptr<SyncServer> server_;
  std::vector<Active> active_;
  std::map<std::string, Schedule> schedule_;
  std::vector<std::string> scopes_;
};

}  // namespace credmesh
