#include "node/sync/sync_server.h"

#include <algorithm>

namespace credmesh {

Result<std::unique_ptr<SyncServer>> SyncServer::Start(zmq::context_t& ctx,
                                                      const SigningKey& identity,
                                                      SyncBackend& backend, PeerPolicy& policy,
                                                      Clock& clock, const std::string& endpoint,
                                                      SessionOptions options) {
  CREDMESH_RETURN_IF_ERROR(policy.RefreshAdmission());
  CREDMESH_ASSIGN_OR_RETURN(
      auto zap, ZapHandler::Start(ctx, [&policy](const CurvePublic& k, const std::string&) {
        return policy.AdmitCurveKey(k);
      }));
  try {
    CurveKeyPair keys = CurveFromSigningKey(identity);
    zmq::socket_t s(ctx, zmq::socket_type::router);
    s.set(zmq::sockopt::curve_server, 1);
    s.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(keys.secret_key.data(), 32));
    s.set(zmq::sockopt::zap_domain, "credmesh");
    s.set(zmq::sockopt::router_mandatory, 1);
    // Per connection, at most inbound_frames frames of at most our mb wait
    // to be read, however fast the peer sends (§13).
    s.set(zmq::sockopt::maxmsgsize,
          options.limits.max_message_bytes + SessionOptions::kTransportSlack);
    s.set(zmq::sockopt::rcvhwm, std::max(1, options.inbound_frames));
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::sndhwm, 10000);
    std::string ep = endpoint;
    if (ep.size() > 2 && ep.compare(ep.size() - 2, 2, ":0") == 0)
      ep = ep.substr(0, ep.size() - 1) + "*";
    s.bind(ep);
    std::unique_ptr<SyncServer> server(
        new SyncServer(std::move(s), std::move(zap), backend, policy, clock, std::move(options)));
    server->endpoint_ = server->socket_.get(zmq::sockopt::last_endpoint);
    return server;
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("listen on " + endpoint + ": " + e.what());
  }
}

SyncServer::~SyncServer() = default;

SyncServer::SendResult SyncServer::SendRaw(const std::string& rid, const Bytes& frame) {
  try {
    // ROUTER_MANDATORY: a full queue (EAGAIN) or a peer gone (EHOSTUNREACH)
    // fails the first part, so nothing of the message is queued then.
    if (!socket_.send(zmq::buffer(rid), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
      return SendResult::kFull;
    }
    socket_.send(zmq::buffer(frame.data(), frame.size()), zmq::send_flags::dontwait);
    return SendResult::kSent;
  } catch (const zmq::error_t& e) {
    return e.num() == EHOSTUNREACH ? SendResult::kGone : SendResult::kFull;
  }
}

void SyncServer::Flush(const std::string& rid, SyncSession& s) {
  // A frame the transport would not take waits here, and the session
  // produces nothing more for this peer until it went out.
  auto held = held_.find(rid);
  if (held != held_.end()) {
    const SendResult r = SendRaw(rid, held->second);
    if (r == SendResult::kFull) return;
    held_.erase(held);
    if (r == SendResult::kGone) return s.Disconnected();
  }
  while (auto f = s.NextFrame()) {
    const SendResult r = SendRaw(rid, *f);
    if (r == SendResult::kFull) {
      held_.emplace(rid, std::move(*f));
      return;
    }
    if (r == SendResult::kGone) return s.Disconnected();
  }
}

int64_t SyncServer::QueuedBytes(const PublicKey& key) const {
  int64_t n = 0;
  for (const auto& [rid, s] : sessions_) {
    if (s->peer_key() != key) continue;
    n += s->queued_bytes();  // a held frame was handed out: already counted
  }
  return n;
}

void SyncServer::HandleMessage(const std::string& rid, std::vector<zmq::message_t>& parts) {
  auto it = sessions_.find(rid);
  if (parts.size() != 1) {
    // Exactly one application frame per message (§4).
    wire::Error e{
        static_cast<int64_t>(wire::ErrorCode::kMalformed), "one frame per message", "", {}};
    if (it != sessions_.end()) {
      it->second->Abort(wire::ErrorCode::kMalformed, "one frame per message");
      Flush(rid, *it->second);
    } else {
      (void)SendRaw(rid, e.Encode());
    }
    return;
  }
  if (it == sessions_.end()) {
    if (closed_.count(rid)) return;  // already answered once
    const char* uid = nullptr;
    try {
      // NOLINTNEXTLINE(clang-analyzer-security.insecureAPI.gets): zmq::message_t::gets
      uid = parts[0].gets("User-Id");
    } catch (const zmq::error_t&) {
    }
    auto key = uid ? PublicKey::FromHex(uid) : std::nullopt;
    const char* refusal = nullptr;
    if (!key) {
      refusal = "not authenticated";
    } else if (sessions_.size() >= kMaxSessions) {
      refusal = "too many sessions";
    } else if (SessionsOf(*key) >= kMaxSessionsPerPeer) {
      // A node back after its link was cut may still have sessions here
      // whose connection is gone, which we learn only when we next send to
      // them (§10.3): make room from those first.
      DropUnreachableSessionsOf(*key);
      if (SessionsOf(*key) >= kMaxSessionsPerPeer) refusal = "too many sessions from this node";
    }
    if (refusal != nullptr) {
      wire::Error e{
          static_cast<int64_t>(key ? wire::ErrorCode::kBusy : wire::ErrorCode::kUnauthorized),
          refusal,
          "",
          {}};
      (void)SendRaw(rid, e.Encode());
      return;
    }
    it = sessions_
             .emplace(rid, std::make_unique<SyncServerSession>(backend_, policy_, clock_, *key,
                                                               options_))
             .first;
    ++stats_.sessions_opened;
  }
  SyncServerSession& s = *it->second;
  s.OnFrame(ByteView(static_cast<const uint8_t*>(parts[0].data()), parts[0].size()));
  Flush(rid, s);
}

size_t SyncServer::SessionsOf(const PublicKey& key) const {
  size_t n = 0;
  for (const auto& [rid, s] : sessions_) n += s->peer_key() == key ? 1 : 0;
  return n;
}

void SyncServer::DropUnreachableSessionsOf(const PublicKey& key) {
  for (auto& [rid, s] : sessions_) {
    if (s->peer_key() != key || s->closed()) continue;
    s->Ping();
    Flush(rid, *s);  // a routing id ZeroMQ no longer knows: Disconnected
  }
  Reap();
}

void SyncServer::Process() {
  try {
    for (int budget = 0; budget < 1000; ++budget) {
      zmq::message_t rid;
      if (!socket_.recv(rid, zmq::recv_flags::dontwait)) break;
      std::vector<zmq::message_t> parts;
      for (bool more = rid.more(); more;) {
        zmq::message_t part;
        if (!socket_.recv(part, zmq::recv_flags::none)) break;
        more = part.more();
        parts.push_back(std::move(part));
      }
      HandleMessage(rid.to_string(), parts);
    }
  } catch (const zmq::error_t&) {
    // Transient socket errors: the next Process retries.
  }
  const int64_t now = clock_.MonotonicMillis();
  if (last_admission_refresh_ms_ < 0 || now - last_admission_refresh_ms_ >= 1000) {
    // New certificates and revocations; a peer that lost its standing (its
    // certificate revoked or expired) loses its open sessions too.
    if (policy_.RefreshAdmission().ok()) EndSessionsWithoutStanding();
    last_admission_refresh_ms_ = now;
  }

  for (auto& [rid, s] : sessions_) {
    s->Tick();
    Flush(rid, *s);
  }
  Reap();
}

void SyncServer::EndSessionsWithoutStanding() {
  for (auto& [rid, s] : sessions_) {
    if (s->closed()) continue;
    auto curve = CurveFromPublicKey(s->peer_key());
    if (curve.ok() && policy_.AdmitCurveKey(*curve)) continue;
    s->Abort(wire::ErrorCode::kUnauthorized,
             "this node's certificate is no longer valid here (revoked or expired)");
    Flush(rid, *s);
  }
}

void SyncServer::Reap() {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (!it->second->closed()) {
      ++it;
      continue;
    }
    SyncServerSession& s = *it->second;
    stats_.traffic += s.stats();
    const bool ok = s.completed() || (!s.error_sent() && !s.error_received());
    ++(ok ? stats_.sessions_completed : stats_.sessions_failed);
    if (on_end_) on_end_(s.peer_key(), ok ? "ok" : s.Outcome(), s.stats());
    held_.erase(it->first);
    if (closed_.size() > 4096) closed_.clear();
    closed_.insert(it->first);
    it = sessions_.erase(it);
  }
}

void SyncServer::Shutdown() {
  for (auto& [rid, s] : sessions_) {
    s->Abort(wire::ErrorCode::kUnavailable, "node shutting down");
    Flush(rid, *s);
  }
  Reap();
}

}  // namespace credmesh
