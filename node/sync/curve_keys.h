// curve_keys.h: CurveZMQ keys derived from credmesh's Ed25519 identities, so
// a node has one identity for both record signatures and transport.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "protocol/crypto.h"

namespace credmesh {

using CurvePublic = std::array<uint8_t, 32>;

// A Curve25519 key pair; the secret half is zeroed on destruction.
struct CurveKeyPair {
  CurvePublic public_key{};
  std::array<uint8_t, 32> secret_key{};
  CurveKeyPair() = default;
  CurveKeyPair(const CurveKeyPair&) = delete;
  CurveKeyPair& operator=(const CurveKeyPair&) = delete;
  CurveKeyPair(CurveKeyPair&&) = default;
  CurveKeyPair& operator=(CurveKeyPair&&) = default;
  ~CurveKeyPair();
};

CurveKeyPair CurveFromSigningKey(const SigningKey& key);
// The Curve25519 public key of an Ed25519 public key; fails on an invalid point.
Result<CurvePublic> CurveFromPublicKey(const PublicKey& key);

}  // namespace credmesh
