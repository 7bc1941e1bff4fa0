// sync_client.h: the connecting side over ZeroMQ — a DEALER socket, CURVE
// client with our identity-derived key and the server's key taken from the
// peer's Ed25519 node key, running one SyncClientSession. Non-blocking:
// poll socket() with others and call Process(); done() when finished.
// A socket monitor turns transport failures (key refused by the peer's ZAP
// handler, handshake cut, connection refused or lost) into a readable
// outcome and a FailureKind that says whether to retry soon.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <zmq.hpp>

#include "node/sync/sync_client_session.h"

namespace credmesh {

// Why an attempt to sync with a peer failed, for the retry policy
// (node/sync_schedule.h). Transport failures heal by themselves and are
// retried soon; refusals may heal when certificates propagate.
enum class FailureKind {
  kNone,          // completed
  kTransport,     // no session: unreachable, connection reset or lost, handshake
                  // cut, timed out (408), peer busy (429) or shutting down (503)
  kRefused,       // a trust refusal by either side (401, 403), or the peer's
                  // ZAP handler did not admit our key
  kIncompatible,  // no common protocol version (426): needs an administrator
  kError,         // any other ERROR (400, 409, 413, 500, ...)
};
// The kind of failure an ERROR code (sent or received) means.
FailureKind FailureKindOf(int64_t error_code);
std::string_view FailureKindName(FailureKind kind);

class SyncClient {
 public:
  static Result<std::unique_ptr<SyncClient>> Connect(zmq::context_t& ctx,
                                                     const SigningKey& identity,
                                                     SyncBackend& backend, PeerPolicy& policy,
                                                     Clock& clock, const std::string& endpoint,
                                                     const ClientOptions& options);
  SyncClient(const SyncClient&) = delete;
  SyncClient& operator=(const SyncClient&) = delete;
  ~SyncClient();

  zmq::socket_t& socket() { return socket_; }
  zmq::socket_t& monitor() { return monitor_; }
  // Reads what is ready, lets time pass, sends what the session produced.
  void Process();
  // Ends the session now (ERROR 503), e.g. on shutdown.
  void Abort(const std::string& why);
  bool done() const { return transport_failed_ || session_->closed(); }
  bool ok() const { return !transport_failed_ && session_->completed(); }
  // "ok" or why not, for logs, status and the CLI.
  std::string Outcome() const;
  // The ERROR code that ended the session (0 if none, e.g. a transport
  // failure).
  int64_t error_code() const;
  // Why the attempt failed (kNone if it completed): for the retry policy.
  FailureKind failure() const;
  const SyncStats& stats() const { return session_->stats(); }
  const SyncClientSession& session() const { return *session_; }

 private:
  SyncClient(zmq::socket_t s, zmq::socket_t m, std::unique_ptr<SyncClientSession> session)
      : socket_(std::move(s)), monitor_(std::move(m)), session_(std::move(session)) {}
  void ReadMonitor();
  void Flush();

  zmq::socket_t socket_;
  zmq::socket_t monitor_;
  std::unique_ptr<SyncClientSession> session_;
  bool transport_failed_ = false;
  FailureKind transport_kind_ = FailureKind::kTransport;  // when transport_failed_
  bool handshake_done_ = false;
  bool disconnected_ = false;   // the connection dropped after the handshake
  std::string transport_note_;  // last transport event worth reporting
};

}  // namespace credmesh
