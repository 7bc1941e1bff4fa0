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

 private:
  SyncClientSession(SyncBackend& b, PeerPolicy& p, Clock& c, ClientOptions o,
                    std::vector<Bytes> chain)
      : SyncSession(b, p, c, o), client_(std::move(o)), chain_(std::move(chain)) {}
  void Handle(wire::Message message) override;
  void OnScopeComplete() override;
  // Every scope complete and, in version 2, every file fetched both ways: BYE.
  void OnFilesDone() override;
  void OnWelcome(const wire::Welcome& w);

  ClientOptions client_;
  std::vector<Bytes> chain_;
  size_t next_scope_ = 0;
};

}  // namespace credmesh
