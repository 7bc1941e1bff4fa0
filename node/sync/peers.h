// peers.h: the "peers" module's table — the nodes this node syncs with
// (name, endpoint, node key) and how the last attempts went. Written by
// `credmesh peer add/remove` and by the sync client; read by `status`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "protocol/bytes.h"
#include "storage/sqlite.h"

namespace credmesh {

struct PeerInfo {
  std::string name;      // local label, [A-Za-z0-9._-]{1,64}
  std::string endpoint;  // ZeroMQ endpoint, e.g. tcp://10.0.0.5:7600
  PublicKey node_key;    // the peer node's Ed25519 identity
  int64_t added_ms = 0;
  int64_t last_success_ms = 0;  // 0: never
  int64_t last_failure_ms = 0;  // 0: never
  std::string last_error;       // why the last failure happened
  int64_t successes = 0, failures = 0;
  int64_t records_sent = 0, records_received = 0;  // totals over all sessions
  int64_t max_rate_bytes = 0;  // cap on pulling file chunks from it, bytes/s; 0: none
};

class PeerStore {
 public:
  // Creates or upgrades the module's table (module name "peers").
  static Status Migrate(Database& db);
  // REQUIRES: Migrate(db) succeeded.
  explicit PeerStore(Database& db) : db_(db) {}

  // Errors: AlreadyExists if `name` is taken; InvalidArgument for a bad name.
  Status Add(const std::string& name, const std::string& endpoint, const PublicKey& key,
             int64_t now_ms);
  // Adds or updates the endpoint and key of `name` (used by enrolment).
  Status Upsert(const std::string& name, const std::string& endpoint, const PublicKey& key,
                int64_t now_ms);
  // Caps the rate at which chunks are pulled from `name` (0: no cap).
  // Errors: NotFound, InvalidArgument for a negative rate.
  Status SetMaxRate(const std::string& name, int64_t bytes_per_s);
  // Errors: NotFound.
  Status Remove(const std::string& name);
  Result<std::vector<PeerInfo>> List();
  Result<std::optional<PeerInfo>> Get(const std::string& name);
  Status RecordSuccess(const std::string& name, int64_t now_ms, int64_t sent, int64_t received);
  Status RecordFailure(const std::string& name, int64_t now_ms, const std::string& reason);

 private:
  Database& db_;
};

}  // namespace credmesh
