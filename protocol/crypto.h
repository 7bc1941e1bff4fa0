// crypto.h: the only place credmesh touches libsodium primitives: Ed25519
// signing keys, signatures, BLAKE2b-256 hashes, Curve25519 conversion, and
// secure random bytes.
#pragma once

#include <cstdint>
#include <string>

#include "protocol/bytes.h"
#include "protocol/status.h"

namespace credmesh {

// Calls sodium_init() once; safe to call from any thread, any number of times.
// Every function below calls it, so callers normally need not.
void EnsureSodium();

// An Ed25519 signing key pair. Move-only; the secret half is zeroed on
// destruction (sodium_memzero). The 32-byte seed is the portable secret form.
class SigningKey {
 public:
  static constexpr size_t kSeedSize = 32;
  static SigningKey Generate();
  // From a 32-byte seed; fails on a wrong size.
  static Result<SigningKey> FromSeed(ByteView seed);

  SigningKey(SigningKey&& other) noexcept;
  SigningKey& operator=(SigningKey&& other) noexcept;
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;
  ~SigningKey();

  const PublicKey& public_key() const { return public_; }
  // Copy of the seed. Callers that persist it must protect the copy.
  Bytes Seed() const;
  Signature Sign(ByteView message) const;
  // Curve25519 (X25519) key pair for CurveZMQ, derived from this key.
  void ToCurve(uint8_t public_out[32], uint8_t secret_out[32]) const;

 private:
  SigningKey() = default;
  uint8_t secret_[64] = {};  // libsodium's seed||public layout
  PublicKey public_;
};

// True iff `sig` is a valid Ed25519 signature of `message` by `key`.
bool VerifySignature(const PublicKey& key, ByteView message, const Signature& sig);

// BLAKE2b with a 32-byte output.
Hash256 Blake2b256(ByteView data);

// SHA-256 (FIPS 180-4), for formats that name it (W3C Data Integrity, OB 3.0
// hashed identities). credmesh's own records use BLAKE2b-256.
FixedBytes<32> Sha256(ByteView data);

// SipHash-2-4 (libsodium crypto_shorthash): a keyed 64-bit PRF for short
// identifiers, not a collision-resistant hash.
FixedBytes<8> SipHash24(const FixedBytes<16>& key, ByteView data);

// Streaming BLAKE2b-256, for large inputs such as files.
class Blake2bHasher {
 public:
  Blake2bHasher();
  void Update(ByteView data);
  Hash256 Final();

 private:
  alignas(64) uint8_t state_[384]{};
};

// Curve25519 public key of an Ed25519 public key; fails on an invalid point.
Status Ed25519PublicToCurve(const PublicKey& key, uint8_t curve_out[32]);

// Fills `out` with cryptographically secure random bytes.
void RandomBytes(uint8_t* out, size_t size);

}  // namespace credmesh
