#include "node/sync/sync_server_session.h"

#include "protocol/crypto.h"

namespace credmesh {

// The table of docs/protocol.md §10.3. Rows not matched: ERROR 409, close.
void SyncServerSession::Handle(wire::Message m) {
  if (auto* e = std::get_if<wire::Error>(&m)) return OnPeerError(*e);  // any open
  switch (state_) {
    case State::kExpectHello:
      if (auto* h = std::get_if<wire::Hello>(&m)) return OnHello(*h);
      break;
    case State::kSyncing:
      if (std::holds_alternative<wire::Bye>(m)) return Close();
      if (auto* p = std::get_if<wire::Ping>(&m)) return Send(wire::Pong{p->nonce});
      if (std::holds_alternative<wire::Pong>(m)) return;
      if (auto* r = std::get_if<wire::Reconcile>(&m); r && !HasScope() && IsGranted(r->scope)) {
        // S = none: only the next granted scope, in WELCOME order, may start.
        if (next_scope_ >= granted_.size() || granted_[next_scope_] != r->scope) break;
        ++next_scope_;
        BeginScope(r->scope, /*initiate=*/false);
        return HandleScoped(m);
      }
      if (IsScoped(m)) return HandleScoped(m);
      if (auto* g = std::get_if<wire::Get>(&m)) {
        // Version 2, once the client has begun the last scope (§16.4).
        return OnGet(*g, version_ >= wire::kFilesVersion && next_scope_ == granted_.size());
      }
      break;
    case State::kFiles:
      if (std::holds_alternative<wire::Bye>(m)) return Close();
      if (auto* p = std::get_if<wire::Ping>(&m)) return Send(wire::Pong{p->nonce});
      if (std::holds_alternative<wire::Pong>(m)) return;
      if (auto* c = std::get_if<wire::Chunk>(&m)) return OnChunk(*c);
      if (auto* g = std::get_if<wire::Get>(&m)) return OnGet(*g, true);
      if (std::holds_alternative<wire::Fetched>(m)) return OnFetched();
      break;
    default:
      break;
  }
  Fail(wire::ErrorCode::kOutOfOrder,
       std::string(wire::TypeName(m)) + " not allowed in state " + SessionStateName(state_));
}

void SyncServerSession::OnHello(const wire::Hello& h) {
  agent_ = h.agent;
  auto version = wire::NegotiateVersion(h.versions, SupportedVersions());
  if (!version.ok())
    return Fail(wire::ErrorCode::kVersionUnsupported, "no common protocol version");
  auto peer = policy_.VerifyPeerChain(h.chain, peer_key_);
  if (!peer.ok()) return Fail(wire::ErrorCode::kUnauthorized, peer.status().message());
  auto self = policy_.Self();
  if (!self.ok()) return Fail(wire::ErrorCode::kInternal, self.status().ToString());
  std::vector<std::string> granted = GrantedScopes(policy_, *peer, *self, h.scopes);
  if (granted.empty())
    return Fail(wire::ErrorCode::kForbidden, "no requested scope may be granted");
  // Reconcile from what is committed now, not from a set last refreshed
  // before a record written by another process landed.
  if (Status s = backend_.Refresh(); !s.ok()) return Fail(wire::ErrorCode::kInternal, s.ToString());
  auto chain = policy_.OwnChain();
  if (!chain.ok()) return Fail(wire::ErrorCode::kInternal, chain.status().ToString());
  wire::Welcome w;
  w.version = *version;
  w.scopes = granted;
  w.limits = h.limits.Intersect(options_.limits);
  w.chain = std::move(*chain);
  RandomBytes(w.session.data.data(), w.session.data.size());
  Send(w);
  limits_ = w.limits;
  session_id_ = w.session;
  version_ = w.version;
  granted_ = std::move(granted);
  state_ = State::kSyncing;
}

void SyncServerSession::OnScopeComplete() {
  EndScope();
  if (next_scope_ == granted_.size() && version_ >= wire::kFilesVersion && options_.chunks) {
    BeginFiles();
  }
}

}  // namespace credmesh
