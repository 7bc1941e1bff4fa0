#include "node/sync/zap_handler.h"

#include <vector>

namespace credmesh {

Result<std::unique_ptr<ZapHandler>> ZapHandler::Start(zmq::context_t& ctx, Admit admit) {
  try {
    zmq::socket_t sock(ctx, zmq::socket_type::rep);
    sock.set(zmq::sockopt::linger, 0);
    sock.bind("inproc://zeromq.zap.01");
    return std::unique_ptr<ZapHandler>(new ZapHandler(std::move(sock), std::move(admit)));
  } catch (const zmq::error_t& e) {
    return Status::IoError(std::string("cannot start ZAP handler: ") + e.what());
  }
}

ZapHandler::ZapHandler(zmq::socket_t socket, Admit admit)
    : socket_(std::move(socket)), admit_(std::move(admit)) {
  thread_ = std::thread([this] { Loop(); });
}

ZapHandler::~ZapHandler() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ZapHandler::Loop() {
  zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
  while (!stop_) {
    try {
      if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) == 0) continue;
      // RFC 27 request: version, request id, domain, address, identity,
      // mechanism, credentials...
      std::vector<zmq::message_t> frames;
      while (true) {
        zmq::message_t m;
        if (!socket_.recv(m, zmq::recv_flags::none)) break;
        bool more = m.more();
        frames.push_back(std::move(m));
        if (!more) break;
      }
      std::string request_id = frames.size() > 1 ? frames[1].to_string() : "";
      std::string status = "400", text = "malformed ZAP request", user_id;
      if (frames.size() >= 7 && frames[0].to_string() == "1.0") {
        std::string address = frames[3].to_string();
        std::string mechanism = frames[5].to_string();
        if (mechanism != "CURVE" || frames[6].size() != 32) {
          text = "only CURVE is accepted";
        } else {
          CurvePublic key{};
          std::memcpy(key.data(), frames[6].data(), 32);
          if (auto uid = admit_(key, address)) {
            status = "200";
            text = "OK";
            user_id = *uid;
          } else {
            text = "unknown or unauthorized node key";
          }
        }
      }
      (status == "200" ? admitted_ : refused_)++;
      socket_.send(zmq::buffer(std::string("1.0")), zmq::send_flags::sndmore);
      socket_.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
      socket_.send(zmq::buffer(status), zmq::send_flags::sndmore);
      socket_.send(zmq::buffer(text), zmq::send_flags::sndmore);
      socket_.send(zmq::buffer(user_id), zmq::send_flags::sndmore);
      socket_.send(zmq::message_t(), zmq::send_flags::none);
    } catch (const zmq::error_t&) {
      if (stop_) return;
      // ETERM or a broken request: keep serving; the REP socket resets.
    }
  }
}

}  // namespace credmesh
