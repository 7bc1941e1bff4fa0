#include "node/sync/sync_client_session.h"

#include <algorithm>

namespace credmesh {

Result<std::unique_ptr<SyncClientSession>> SyncClientSession::Create(SyncBackend& backend,
                                                                     PeerPolicy& policy,
                                                                     Clock& clock,
                                                                     ClientOptions options) {
  if (options.scopes.empty()) return Status::InvalidArgument("no scopes to ask for");
  CREDMESH_RETURN_IF_ERROR(options.limits.Validate());
  CREDMESH_ASSIGN_OR_RETURN(std::vector<Bytes> chain, policy.OwnChain());
  return std::unique_ptr<SyncClientSession>(
      new SyncClientSession(backend, policy, clock, std::move(options), std::move(chain)));
}

void SyncClientSession::Start() {
  if (state_ != State::kStart) return;
  wire::Hello h;
  h.chain = chain_;
  h.scopes = client_.scopes;
  h.limits = client_.limits;
  h.agent = client_.agent;
  h.versions = SupportedVersions();
  Send(h);
  state_ = State::kExpectWelcome;
}

// The table of docs/protocol.md §10.2. Rows not matched: ERROR 409, close.
void SyncClientSession::Handle(wire::Message m) {
  if (auto* e = std::get_if<wire::Error>(&m)) return OnPeerError(*e);  // any open
  if (std::holds_alternative<wire::Bye>(m)) return Close();            // any open
  switch (state_) {
    case State::kExpectWelcome:
      if (auto* w = std::get_if<wire::Welcome>(&m)) return OnWelcome(*w);
      break;
    case State::kSyncing:
      if (auto* p = std::get_if<wire::Ping>(&m)) return Send(wire::Pong{p->nonce});
      if (std::holds_alternative<wire::Pong>(m)) return;
      if (IsScoped(m)) return HandleScoped(m);
      if (auto* g = std::get_if<wire::Get>(&m)) {
        // Version 2, once the server's last scope is complete (§16.4).
        return OnGet(*g, version_ >= wire::kFilesVersion && next_scope_ == granted_.size());
      }
      break;
    case State::kFiles:
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

void SyncClientSession::OnWelcome(const wire::Welcome& w) {
  const auto offered = SupportedVersions();
  if (std::find(offered.begin(), offered.end(), w.version) == offered.end()) {
    return Fail(wire::ErrorCode::kMalformed, "WELCOME picked a version we did not offer");
  }
  // Granted scopes: a non-empty subsequence of what we asked for.
  size_t at = 0;
  for (const std::string& s : w.scopes) {
    while (at < client_.scopes.size() && client_.scopes[at] != s) ++at;
    if (at == client_.scopes.size()) {
      return Fail(wire::ErrorCode::kMalformed, "WELCOME scopes are not a subsequence of HELLO's");
    }
    ++at;
  }
  if (w.scopes.empty()) return Fail(wire::ErrorCode::kMalformed, "WELCOME grants no scope");
  if (!w.limits.Validate().ok() || w.limits.Intersect(client_.limits) != w.limits) {
    return Fail(wire::ErrorCode::kMalformed, "WELCOME limits exceed ours");
  }
  auto peer = policy_.VerifyPeerChain(w.chain, client_.server_key);
  if (!peer.ok()) return Fail(wire::ErrorCode::kUnauthorized, peer.status().message());
  for (const std::string& s : w.scopes) {
    if (!policy_.MayRead(*peer, s)) {
      return Fail(wire::ErrorCode::kForbidden, "the server may not hold " + s, s);
    }
  }
  if (Status s = backend_.Refresh(); !s.ok()) return Fail(wire::ErrorCode::kInternal, s.ToString());
  limits_ = w.limits;
  server_chain_ = w.chain;
  last_recheck_ms_ = clock_.MonotonicMillis();
  granted_ = w.scopes;
  session_id_ = w.session;
  version_ = w.version;
  state_ = State::kSyncing;
  next_scope_ = 1;
  BeginScope(granted_[0], /*initiate=*/true);
}

void SyncClientSession::RecheckServer() {
  if (state_ != State::kSyncing) return;
  const int64_t now = clock_.MonotonicMillis();
  if (now - last_recheck_ms_ < kStandingRecheckMs) return;
  last_recheck_ms_ = now;
  auto peer = policy_.VerifyPeerChain(server_chain_, client_.server_key);
  // Only a refusal ends the session; a storage error is checked again later.
  if (peer.ok() || peer.status().code() != Status::Code::kUnauthorized) return;
  Fail(wire::ErrorCode::kUnauthorized,
       "the server's certificate is no longer valid here: " + peer.status().message());
}

void SyncClientSession::OnScopeComplete() {
  EndScope();
  if (next_scope_ < granted_.size()) {
    BeginScope(granted_[next_scope_++], /*initiate=*/true);
    return;
  }
  if (version_ >= wire::kFilesVersion && client_.chunks != nullptr) return BeginFiles();
  OnFilesDone();
}

void SyncClientSession::OnFilesDone() {
  Send(wire::Bye{});
  completed_ = true;
  Close();
}

}  // namespace credmesh
