#include "node/sync/sync_client.h"

#include <algorithm>
#include <atomic>
#include <cstring>

namespace credmesh {

FailureKind FailureKindOf(int64_t error_code) {
  switch (error_code) {
    case 0:
      return FailureKind::kNone;
    case 401:
    case 403:
      return FailureKind::kRefused;
    case 426:
      return FailureKind::kIncompatible;
    case 408:
    case 429:
    case 503:
      return FailureKind::kTransport;
    default:
      return FailureKind::kError;
  }
}

std::string_view FailureKindName(FailureKind kind) {
  switch (kind) {
    case FailureKind::kNone:
      return "none";
    case FailureKind::kTransport:
      return "transport";
    case FailureKind::kRefused:
      return "refused";
    case FailureKind::kIncompatible:
      return "incompatible";
    case FailureKind::kError:
      return "error";
  }
  return "error";
}

Result<std::unique_ptr<SyncClient>> SyncClient::Connect(zmq::context_t& ctx,
                                                        const SigningKey& identity,
                                                        SyncBackend& backend, PeerPolicy& policy,
                                                        Clock& clock, const std::string& endpoint,
                                                        const ClientOptions& options) {
  CREDMESH_ASSIGN_OR_RETURN(CurvePublic server_curve, CurveFromPublicKey(options.server_key));
  CREDMESH_ASSIGN_OR_RETURN(auto session,
                            SyncClientSession::Create(backend, policy, clock, options));
  static std::atomic<uint64_t> counter{0};
  const std::string mon_ep = "inproc://credmesh-client-monitor-" + std::to_string(counter++);
  try {
    CurveKeyPair keys = CurveFromSigningKey(identity);
    zmq::socket_t s(ctx, zmq::socket_type::dealer);
    s.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(server_curve.data(), 32));
    s.set(zmq::sockopt::curve_publickey, zmq::const_buffer(keys.public_key.data(), 32));
    s.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(keys.secret_key.data(), 32));
    s.set(zmq::sockopt::linger, 0);
    // At most inbound_frames frames of at most our mb wait to be read (§13).
    s.set(zmq::sockopt::maxmsgsize,
          options.limits.max_message_bytes + SessionOptions::kTransportSlack);
    s.set(zmq::sockopt::rcvhwm, std::max(1, options.inbound_frames));
    s.set(zmq::sockopt::sndhwm, 10000);
    if (zmq_socket_monitor(s.handle(), mon_ep.c_str(),
                           ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_CONNECT_RETRIED |
                               ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED) != 0) {
      return Status::Internal("socket monitor: " + std::string(zmq_strerror(zmq_errno())));
    }
    zmq::socket_t m(ctx, zmq::socket_type::pair);
    m.set(zmq::sockopt::linger, 0);
    m.connect(mon_ep);
    s.connect(endpoint);
    std::unique_ptr<SyncClient> c(new SyncClient(std::move(s), std::move(m), std::move(session)));
    c->session_->Start();
    c->Flush();
    return c;
  } catch (const zmq::error_t& e) {
    return Status::InvalidArgument("connect " + endpoint + ": " + e.what());
  }
}

SyncClient::~SyncClient() {
  try {
    zmq_socket_monitor(socket_.handle(), nullptr, 0);
  } catch (...) {
  }
}

void SyncClient::ReadMonitor() {
  try {
    for (;;) {
      zmq::message_t ev, addr;
      if (!monitor_.recv(ev, zmq::recv_flags::dontwait)) return;
      if (ev.more()) (void)monitor_.recv(addr, zmq::recv_flags::none);
      if (ev.size() < 6) continue;
      uint16_t event;
      std::memcpy(&event, ev.data(), 2);
      uint32_t value;
      std::memcpy(&value, static_cast<const uint8_t*>(ev.data()) + 2, 4);
      switch (event) {
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
          // The peer's ZAP handler answered (value: its status code, 400).
          transport_failed_ = true;
          transport_kind_ = FailureKind::kRefused;
          transport_note_ =
              "refused by the peer (ZAP " + std::to_string(value) +
              "): our key is not admitted there; our node certificate has not reached it yet, "
              "or was revoked there";
          break;
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
          // A connection reset during the handshake looks the same as a
          // peer that cannot decrypt our hello (its key in our peers table
          // is wrong): retry soon either way, and say both.
          transport_failed_ = true;
          transport_kind_ = FailureKind::kTransport;
          transport_note_ =
              "CURVE handshake failed (connection cut during the handshake, or the peer's key "
              "in our peers table is wrong)";
          break;
        case ZMQ_EVENT_CONNECT_RETRIED:
          transport_note_ = "connection refused or unreachable";
          break;
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
          handshake_done_ = true;
          transport_note_.clear();
          break;
        case ZMQ_EVENT_DISCONNECTED:
          // Replies that arrived before the drop are still queued: Process
          // reads them before deciding the session is lost.
          if (handshake_done_) disconnected_ = true;
          break;
        default:
          break;
      }
    }
  } catch (const zmq::error_t&) {
  }
}

void SyncClient::Flush() {
  try {
    while (auto f = session_->NextFrame()) {
      socket_.send(zmq::buffer(f->data(), f->size()), zmq::send_flags::none);
    }
  } catch (const zmq::error_t& e) {
    transport_failed_ = true;
    transport_note_ = std::string("send: ") + e.what();
  }
}

void SyncClient::Process() {
  ReadMonitor();
  if (done()) return;
  try {
    for (int budget = 0; budget < 64 && !session_->closed(); ++budget) {
      zmq::message_t msg;
      if (!socket_.recv(msg, zmq::recv_flags::dontwait)) break;
      if (msg.more()) {
        // Drain the rest of a multi-frame message, then refuse it (§4).
        for (bool more = true; more;) {
          zmq::message_t part;
          if (!socket_.recv(part, zmq::recv_flags::none)) break;
          more = part.more();
        }
        session_->Abort(wire::ErrorCode::kMalformed, "one frame per message");
        break;
      }
      session_->OnFrame(ByteView(static_cast<const uint8_t*>(msg.data()), msg.size()));
      // What this frame made us send (a GET for each CHUNK stored, a PONG)
      // goes out now, not after the whole batch: the peer keeps working
      // while we store the next frames.
      Flush();
    }
  } catch (const zmq::error_t& e) {
    transport_failed_ = true;
    transport_note_ = std::string("receive: ") + e.what();
  }
  if (disconnected_ && !session_->closed() && !transport_failed_) {
    // The peer's session state went with the connection: a reconnect
    // would start a new one mid-exchange.
    transport_failed_ = true;
    transport_kind_ = FailureKind::kTransport;
    transport_note_ = "connection lost during the session";
    // Close it now, as a cut: what arrived is stored and committed (chunks
    // still being stored included), so its figures are final once done().
    session_->Disconnected();
    return;
  }
  session_->RecheckServer();
  session_->Tick();
  Flush();
}

void SyncClient::Abort(const std::string& why) {
  session_->Abort(wire::ErrorCode::kUnavailable, why);
  Flush();
}

std::string SyncClient::Outcome() const {
  if (transport_failed_) return transport_note_;
  std::string o = session_->Outcome();
  // Say which side refused: "peer error 401 ..." is the peer refusing us.
  if (const auto& e = session_->error_received();
      e && FailureKindOf(e->code) == FailureKind::kRefused) {
    o = "refused by the peer: " + o;
  } else if (const auto& e = session_->error_sent();
             e && FailureKindOf(e->code) == FailureKind::kRefused) {
    o = "we refused the peer: " + o;
  }
  if (const auto& e = session_->error_sent();
      e && e->code == static_cast<int64_t>(wire::ErrorCode::kTimeout) && !transport_note_.empty()) {
    o += " (" + transport_note_ + ")";
  }
  return o;
}

int64_t SyncClient::error_code() const {
  if (transport_failed_) return 0;
  if (session_->error_received()) return session_->error_received()->code;
  if (session_->error_sent()) return session_->error_sent()->code;
  return 0;
}

FailureKind SyncClient::failure() const {
  if (transport_failed_) return transport_kind_;
  if (session_->completed()) return FailureKind::kNone;
  const int64_t code = error_code();
  // Closed without an ERROR (the peer said BYE early): as a transport cut.
  return code == 0 ? FailureKind::kTransport : FailureKindOf(code);
}

}  // namespace credmesh
