// sync_server.h: the listening side over ZeroMQ — a ROUTER socket, CURVE
// server with the node's identity-derived key, a ZAP handler admitting only
// keys of valid, unrevoked node certificates (User-Id = node key hex), and
// one SyncServerSession per routing id (docs/protocol.md §4, §10.3).
// Never throws and never crashes on peer input: every frame goes through
// the strict decoder of its session.
//
// Thread-safety: driven by one thread (Poll); the ZAP handler runs its own.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <zmq.hpp>

#include "node/sync/peer_policy.h"
#include "node/sync/sync_server_session.h"
#include "node/sync/zap_handler.h"

namespace credmesh {

struct ServerStats {
  uint64_t sessions_opened = 0, sessions_completed = 0, sessions_failed = 0;
  SyncStats traffic;
};

class SyncServer {
 public:
  static constexpr size_t kMaxSessions = 64;
  // Sessions one peer key may hold at once; a further one is refused with
  // ERROR 429, so one node cannot take the slots of the others (§7).
  static constexpr size_t kMaxSessionsPerPeer = 2;
  // Called when a session ends: peer key, outcome ("ok" or why), its stats.
  using OnSessionEnd = std::function<void(const PublicKey&, const std::string&, const SyncStats&)>;

  // Starts the ZAP handler in `ctx` and binds `endpoint` ("tcp://127.0.0.1:0"
  // or ":*" picks a free port; endpoint() tells which). All references must
  // outlive the server.
  static Result<std::unique_ptr<SyncServer>> Start(zmq::context_t& ctx, const SigningKey& identity,
                                                   SyncBackend& backend, PeerPolicy& policy,
                                                   Clock& clock, const std::string& endpoint,
                                                   SessionOptions options = {});
  SyncServer(const SyncServer&) = delete;
  SyncServer& operator=(const SyncServer&) = delete;
  ~SyncServer();

  const std::string& endpoint() const { return endpoint_; }
  zmq::socket_t& socket() { return socket_; }
  // Reads every frame ready now, answers, expires idle sessions; every
  // second re-reads which keys are admitted and ends the sessions of peers
  // no longer admitted (revoked) with ERROR 401. Call after the socket
  // polled readable, and at least every second.
  void Process();
  // Sends ERROR 503 to every open session (shutting down).
  void Shutdown();
  size_t sessions() const { return sessions_.size(); }
  // Bytes held for the sessions of `key`: queued in them, refused by a full
  // transport queue, or handed out and not yet acknowledged by the peer
  // (docs/protocol.md §13). Stays within the per-session bound however
  // the peer behaves.
  int64_t QueuedBytes(const PublicKey& key) const;
  const ServerStats& stats() const { return stats_; }
  void set_on_session_end(OnSessionEnd fn) { on_end_ = std::move(fn); }
  ZapHandler& zap() { return *zap_; }

 private:
  SyncServer(zmq::socket_t socket, std::unique_ptr<ZapHandler> zap, SyncBackend& backend,
             PeerPolicy& policy, Clock& clock, SessionOptions options)
      : socket_(std::move(socket)),
        zap_(std::move(zap)),
        backend_(backend),
        policy_(policy),
        clock_(clock),
        options_(std::move(options)) {}
  void HandleMessage(const std::string& rid, std::vector<zmq::message_t>& parts);
  void Flush(const std::string& rid, SyncSession& s);
  enum class SendResult { kSent, kFull, kGone };
  SendResult SendRaw(const std::string& rid, const Bytes& frame);
  void Reap();
  size_t SessionsOf(const PublicKey& key) const;
  // PINGs `key`'s open sessions and reaps those whose connection is gone.
  void DropUnreachableSessionsOf(const PublicKey& key);
  // Ends, with ERROR 401, the sessions of peers the policy no longer admits.
  void EndSessionsWithoutStanding();

  zmq::socket_t socket_;
  std::unique_ptr<ZapHandler> zap_;
  SyncBackend& backend_;
  PeerPolicy& policy_;
  Clock& clock_;
  SessionOptions options_;
  std::string endpoint_;
  std::map<std::string, std::unique_ptr<SyncServerSession>> sessions_;
  std::map<std::string, Bytes> held_;  // per session: the frame the transport refused (full)
  std::set<std::string> closed_;       // routing ids already answered 409 after close
  int64_t last_admission_refresh_ms_ = -1;
  ServerStats stats_;
  OnSessionEnd on_end_;
};

}  // namespace credmesh
