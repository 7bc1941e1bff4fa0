#include "protocol/crypto.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace credmesh {

static_assert(crypto_sign_PUBLICKEYBYTES == 32);
static_assert(crypto_sign_BYTES == 64);
static_assert(crypto_sign_SECRETKEYBYTES == 64);
static_assert(sizeof(crypto_generichash_state) <= 384);

void EnsureSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    // sodium_init fails only when no entropy source exists; nothing works then.
    if (sodium_init() < 0) std::abort();
  });
}

SigningKey SigningKey::Generate() {
  EnsureSodium();
  SigningKey k;
  crypto_sign_keypair(k.public_.data.data(), k.secret_);
  return k;
}

Result<SigningKey> SigningKey::FromSeed(ByteView seed) {
  EnsureSodium();
  if (seed.size() != kSeedSize) {
    return Status::InvalidArgument("signing key seed must be 32 bytes, got " +
                                   std::to_string(seed.size()));
  }
  SigningKey k;
  crypto_sign_seed_keypair(k.public_.data.data(), k.secret_, seed.data());
  return k;
}

SigningKey::SigningKey(SigningKey&& other) noexcept : public_(other.public_) {
  std::memcpy(secret_, other.secret_, sizeof secret_);
  sodium_memzero(other.secret_, sizeof other.secret_);
}

SigningKey& SigningKey::operator=(SigningKey&& other) noexcept {
  if (this != &other) {
    std::memcpy(secret_, other.secret_, sizeof secret_);
    sodium_memzero(other.secret_, sizeof other.secret_);
    public_ = other.public_;
  }
  return *this;
}

SigningKey::~SigningKey() { sodium_memzero(secret_, sizeof secret_); }

Bytes SigningKey::Seed() const { return Bytes(secret_, secret_ + kSeedSize); }

Signature SigningKey::Sign(ByteView message) const {
  Signature sig;
  crypto_sign_detached(sig.data.data(), nullptr, message.data(), message.size(), secret_);
  return sig;
}

void SigningKey::ToCurve(uint8_t public_out[32], uint8_t secret_out[32]) const {
  crypto_sign_ed25519_sk_to_curve25519(secret_out, secret_);
  crypto_scalarmult_curve25519_base(public_out, secret_out);
}

bool VerifySignature(const PublicKey& key, ByteView message, const Signature& sig) {
  EnsureSodium();
  return crypto_sign_verify_detached(sig.data.data(), message.data(), message.size(),
                                     key.data.data()) == 0;
}

Hash256 Blake2b256(ByteView data) {
  EnsureSodium();
  Hash256 h;
  crypto_generichash(h.data.data(), Hash256::kSize, data.data(), data.size(), nullptr, 0);
  return h;
}

FixedBytes<32> Sha256(ByteView data) {
  EnsureSodium();
  FixedBytes<32> h;
  crypto_hash_sha256(h.data.data(), data.data(), data.size());
  return h;
}

FixedBytes<8> SipHash24(const FixedBytes<16>& key, ByteView data) {
  EnsureSodium();
  static_assert(crypto_shorthash_BYTES == 8 && crypto_shorthash_KEYBYTES == 16);
  FixedBytes<8> out;
  crypto_shorthash(out.data.data(), data.data(), data.size(), key.data.data());
  return out;
}

Blake2bHasher::Blake2bHasher() {
  EnsureSodium();
  crypto_generichash_init(reinterpret_cast<crypto_generichash_state*>(state_), nullptr, 0, 32);
}

void Blake2bHasher::Update(ByteView data) {
  crypto_generichash_update(reinterpret_cast<crypto_generichash_state*>(state_), data.data(),
                            data.size());
}

Hash256 Blake2bHasher::Final() {
  Hash256 h;
  crypto_generichash_final(reinterpret_cast<crypto_generichash_state*>(state_), h.data.data(),
                           Hash256::kSize);
  return h;
}

Status Ed25519PublicToCurve(const PublicKey& key, uint8_t curve_out[32]) {
  EnsureSodium();
  if (crypto_sign_ed25519_pk_to_curve25519(curve_out, key.data.data()) != 0) {
    return Status::InvalidArgument("public key is not a valid Ed25519 point");
  }
  return Status::Ok();
}

void RandomBytes(uint8_t* out, size_t size) {
  EnsureSodium();
  randombytes_buf(out, size);
}

}  // namespace credmesh
