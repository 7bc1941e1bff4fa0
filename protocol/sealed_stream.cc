#include "protocol/sealed_stream.h"

#include <sodium.h>

#include <cstring>

namespace credmesh {

static_assert(kStreamKeyBytes == crypto_secretstream_xchacha20poly1305_KEYBYTES);
static_assert(kStreamHeaderBytes == crypto_secretstream_xchacha20poly1305_HEADERBYTES);
static_assert(kStreamOverhead == crypto_secretstream_xchacha20poly1305_ABYTES);
static_assert(kSealOverhead == crypto_box_SEALBYTES);

StreamKey StreamKey::Generate() {
  EnsureSodium();
  StreamKey k;
  crypto_secretstream_xchacha20poly1305_keygen(k.key_);
  return k;
}

Result<StreamKey> StreamKey::FromView(ByteView bytes) {
  if (bytes.size() != kStreamKeyBytes)
    return Status::InvalidArgument("stream key must be 32 bytes");
  StreamKey k;
  std::memcpy(k.key_, bytes.data(), kStreamKeyBytes);
  return k;
}

StreamKey::StreamKey(StreamKey&& o) noexcept {
  std::memcpy(key_, o.key_, kStreamKeyBytes);
  sodium_memzero(o.key_, kStreamKeyBytes);
}

StreamKey& StreamKey::operator=(StreamKey&& o) noexcept {
  if (this != &o) {
    std::memcpy(key_, o.key_, kStreamKeyBytes);
    sodium_memzero(o.key_, kStreamKeyBytes);
  }
  return *this;
}

StreamKey::~StreamKey() { sodium_memzero(key_, kStreamKeyBytes); }

Result<Bytes> SealToNodeKey(ByteView message, const PublicKey& recipient) {
  EnsureSodium();
  uint8_t curve[32];
  CREDMESH_RETURN_IF_ERROR(Ed25519PublicToCurve(recipient, curve));
  Bytes out(message.size() + kSealOverhead);
  if (crypto_box_seal(out.data(), message.data(), message.size(), curve) != 0) {
    return Status::Internal("crypto_box_seal failed");
  }
  return out;
}

Result<Bytes> OpenSealedWithNodeKey(ByteView sealed, const SigningKey& recipient) {
  if (sealed.size() < kSealOverhead) return Status::Corruption("sealed box too short");
  uint8_t pk[32], sk[32];
  recipient.ToCurve(pk, sk);
  Bytes out(sealed.size() - kSealOverhead);
  const int rc = crypto_box_seal_open(out.data(), sealed.data(), sealed.size(), pk, sk);
  sodium_memzero(sk, sizeof sk);
  if (rc != 0) return Status::Corruption("sealed box does not open with this node's key");
  return out;
}

namespace {
static_assert(sizeof(crypto_secretstream_xchacha20poly1305_state) <= 64);
auto* PushState(uint8_t* s) {
  return reinterpret_cast<crypto_secretstream_xchacha20poly1305_state*>(s);
}
}  // namespace

StreamEncryptor StreamEncryptor::Start(const StreamKey& key,
                                       uint8_t header_out[kStreamHeaderBytes]) {
  EnsureSodium();
  StreamEncryptor e;
  crypto_secretstream_xchacha20poly1305_init_push(PushState(e.state_), header_out,
                                                  key.view().data());
  return e;
}

StreamEncryptor::StreamEncryptor(StreamEncryptor&& o) noexcept {
  std::memcpy(state_, o.state_, sizeof state_);
  sodium_memzero(o.state_, sizeof o.state_);
}

StreamEncryptor::~StreamEncryptor() { sodium_memzero(state_, sizeof state_); }

void StreamEncryptor::Push(ByteView plain, bool final, Bytes& out) {
  out.resize(plain.size() + kStreamOverhead);
  crypto_secretstream_xchacha20poly1305_push(
      PushState(state_), out.data(), nullptr, plain.data(), plain.size(), nullptr, 0,
      final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
            : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
}

Result<StreamDecryptor> StreamDecryptor::Start(const StreamKey& key,
                                               const uint8_t header[kStreamHeaderBytes]) {
  EnsureSodium();
  StreamDecryptor d;
  if (crypto_secretstream_xchacha20poly1305_init_pull(PushState(d.state_), header,
                                                      key.view().data()) != 0) {
    return Status::Corruption("invalid secretstream header");
  }
  return d;
}

StreamDecryptor::StreamDecryptor(StreamDecryptor&& o) noexcept {
  std::memcpy(state_, o.state_, sizeof state_);
  sodium_memzero(o.state_, sizeof o.state_);
}

StreamDecryptor::~StreamDecryptor() { sodium_memzero(state_, sizeof state_); }

Status StreamDecryptor::Pull(ByteView cipher, Bytes& out, bool& final) {
  if (cipher.size() < kStreamOverhead) return Status::Corruption("encrypted message too short");
  out.resize(cipher.size() - kStreamOverhead);
  unsigned char tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(PushState(state_), out.data(), nullptr, &tag,
                                                 cipher.data(), cipher.size(), nullptr, 0) != 0) {
    return Status::Corruption("encrypted message fails authentication");
  }
  final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  return Status::Ok();
}

}  // namespace credmesh
