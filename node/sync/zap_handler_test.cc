#include "node/sync/zap_handler.h"

#include <doctest/doctest.h>

#include <set>

namespace credmesh {
namespace {

// A CURVE server with a ZAP handler admitting only `allowed` keys.
TEST_CASE("zap: admits known CURVE keys and refuses unknown ones before any message") {
  zmq::context_t ctx;
  SigningKey server_id = SigningKey::Generate();
  SigningKey good_id = SigningKey::Generate();
  SigningKey bad_id = SigningKey::Generate();
  CurveKeyPair server = CurveFromSigningKey(server_id);
  CurveKeyPair good = CurveFromSigningKey(good_id);
  CurveKeyPair bad = CurveFromSigningKey(bad_id);

  auto zap = ZapHandler::Start(ctx, [&](const CurvePublic& k, const std::string&) {
    return k == good.public_key ? std::optional<std::string>(good_id.public_key().hex())
                                : std::nullopt;
  });
  REQUIRE(zap.ok());

  zmq::socket_t router(ctx, zmq::socket_type::router);
  router.set(zmq::sockopt::curve_server, 1);
  router.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(server.secret_key.data(), 32));
  router.set(zmq::sockopt::zap_domain, "credmesh");
  router.set(zmq::sockopt::linger, 0);
  router.bind("tcp://127.0.0.1:*");
  std::string endpoint = router.get(zmq::sockopt::last_endpoint);

  auto make_client = [&](const CurveKeyPair& kp) {
    zmq::socket_t d(ctx, zmq::socket_type::dealer);
    d.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(server.public_key.data(), 32));
    d.set(zmq::sockopt::curve_publickey, zmq::const_buffer(kp.public_key.data(), 32));
    d.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(kp.secret_key.data(), 32));
    d.set(zmq::sockopt::linger, 0);
    d.connect(endpoint);
    return d;
  };
  zmq::socket_t bad_client = make_client(bad);
  bad_client.send(zmq::buffer(std::string("from-bad")), zmq::send_flags::dontwait);
  zmq::socket_t good_client = make_client(good);
  good_client.send(zmq::buffer(std::string("from-good")), zmq::send_flags::none);

  std::set<std::string> received;
  std::string user_id;
  zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
  for (int i = 0; i < 30 && received.count("from-good") == 0; ++i) {
    if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) == 0) continue;
    zmq::message_t rid, body;
    REQUIRE(router.recv(rid));
    REQUIRE(router.recv(body));
    received.insert(body.to_string());
    user_id = body.gets("User-Id");
  }
  // Give the refused handshake time to finish as well.
  for (int i = 0; i < 20 && (*zap)->refused() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(received.count("from-good") == 1);
  CHECK(received.count("from-bad") == 0);
  CHECK(user_id == good_id.public_key().hex());
  CHECK((*zap)->admitted() >= 1);
  CHECK((*zap)->refused() >= 1);
}

TEST_CASE("curve keys: derived public keys agree") {
  SigningKey k = SigningKey::Generate();
  CurveKeyPair kp = CurveFromSigningKey(k);
  auto pub = CurveFromPublicKey(k.public_key());
  REQUIRE(pub.ok());
  CHECK(*pub == kp.public_key);
}

}  // namespace
}  // namespace credmesh
