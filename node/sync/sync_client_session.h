// sync_client_session.h: the connecting side of a sync session as the state
// machine of docs/protocol.md §10.2. Transport-agnostic: feed received
// frames to OnFrame, send what NextFrame returns, call Tick periodically.
#pragma once

#include <memory>

#include "node/sync/sync_session.h"

namespace credmesh {

struct ClientOptions : SessionOptions {
  std::vector<std::string> scopes;  // wanted, in order (district first)
  PublicKey server_key;             // the Ed25519 key of the node we connect to
};

class SyncClientSession final : public SyncSession {
 public:
  // Errors: FailedPrecondition if this node has no chain to present.
  static Result<std::unique_ptr<SyncClientSession>> Create(SyncBackend& backend, PeerPolicy& policy,
                                                           Clock& clock, ClientOptions options);
  // start --connected--> expect-welcome: queues HELLO.
  void Start();
  // Trust may have changed (a revocation arrived by another session or was
  // written locally): at most every kStandingRecheckMs, checks the server's
  // chain again and ends the session with ERROR 401 if the server lost its
  // standing here, as the server does for its peers (docs/protocol.md §10.2).
  void RecheckServer();
  static constexpr int64_t kStandingRecheckMs = 1000;

 private:
  SyncClientSession(SyncBackend& b, PeerPolicy& p, Clock& c, ClientOptions o,
                    std::vector<Bytes> chain)
      : SyncSession(b, p, c, static_cast<const SessionOptions&>(o)),
        client_(std::move(o)),
        chain_(std::move(chain)) {
    remote_key_ = client_.server_key;
  }
  void Handle(wire::Message message) override;
  void OnScopeComplete() override;
  // Every scope complete and, in version 2, every file fetched both ways: BYE.
  void OnFilesDone() override;
  void OnWelcome(const wire::Welcome& w);

  ClientOptions client_;
  std::vector<Bytes> chain_;
  std::vector<Bytes> server_chain_;  // WELCOME's, checked again by RecheckServer
  int64_t last_recheck_ms_ = 0;
  size_t next_scope_ = 0;
};

}  // namespace credmesh
