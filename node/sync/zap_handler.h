// zap_handler.h: a ZeroMQ Authentication Protocol (RFC 27) handler. While
// it runs, every CURVE handshake on sockets of its context is checked by the
// `admit` callback before any application message is read. A refused peer
// never reaches the application. The admitted peer's user id (we use the hex
// Ed25519 node key) is attached to its messages as the "User-Id" property.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "node/sync/curve_keys.h"
#include "protocol/status.h"

namespace credmesh {

class ZapHandler {
 public:
  // Returns the user id to admit the key under, or nullopt to refuse it.
  // Called on the handler's own thread.
  using Admit = std::function<std::optional<std::string>(const CurvePublic& client_key,
                                                         const std::string& peer_address)>;

  // Binds inproc://zeromq.zap.01 in `ctx` and starts answering. Only one
  // handler may run per context. REQUIRES: started before the server socket
  // binds, or early connections are not authenticated.
  static Result<std::unique_ptr<ZapHandler>> Start(zmq::context_t& ctx, Admit admit);
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;
  ~ZapHandler();  // stops and joins the thread

  uint64_t admitted() const { return admitted_; }
  uint64_t refused() const { return refused_; }

 private:
  ZapHandler(zmq::socket_t socket, Admit admit);
  void Loop();

  zmq::socket_t socket_;
  Admit admit_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> admitted_{0};
  std::atomic<uint64_t> refused_{0};
  std::thread thread_;
};

}  // namespace credmesh
