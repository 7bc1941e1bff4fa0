// sync_client.h: the connecting side over ZeroMQ — a DEALER socket, CURVE
// client with our identity-derived key and the server's key taken from the
// peer's Ed25519 node key, running one SyncClientSession. Non-blocking:
// poll socket() with others and call Process(); done() when finished.
// A socket monitor turns transport failures (key refused by the peer's ZAP
// handler, handshake failure, connection refused) into a readable outcome.
#pragma once

#include <memory>
#include <string>
#include <zmq.hpp>

#include "node/sync/sync_client_session.h"

namespace credmesh {

class SyncClient {
 public:
  static Result<std::unique_ptr<SyncClient>> Connect(zmq::context_t& ctx, const SigningKey& identity,
                                                     SyncBackend& backend, PeerPolicy& policy,
                                                     Clock& clock, const std::string& endpoint,
                                                     ClientOptions options);
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
  // The ERROR code that ended the session (0 if none): for back-off policy.
  int64_t error_code() const;
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
  std::string transport_note_;  // last transport event worth reporting
};

}  // namespace credmesh
