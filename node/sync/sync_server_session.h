// sync_server_session.h: the listening side of a sync session as the state
// machine of docs/protocol.md §10.3. Transport-agnostic like the client;
// the transport creates one per routing id and passes the key the ZAP
// handler authenticated (User-Id).
#pragma once

#include <memory>

#include "node/sync/sync_session.h"

namespace credmesh {

class SyncServerSession final : public SyncSession {
 public:
  SyncServerSession(SyncBackend& backend, PeerPolicy& policy, Clock& clock,
                    const PublicKey& authenticated, SessionOptions options)
      : SyncSession(backend, policy, clock, std::move(options)), peer_key_(authenticated) {
    state_ = State::kExpectHello;
    remote_key_ = authenticated;
  }
  const PublicKey& peer_key() const { return peer_key_; }
  const std::string& peer_agent() const { return agent_; }

 private:
  void Handle(wire::Message message) override;
  // After the last scope of a version-2 session: the file phase.
  void OnScopeComplete() override;
  void OnHello(const wire::Hello& h);

  PublicKey peer_key_;
  std::string agent_;
  size_t next_scope_ = 0;  // index in granted_ of the scope the client starts next
};

}  // namespace credmesh
