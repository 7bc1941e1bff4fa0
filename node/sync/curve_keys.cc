#include "node/sync/curve_keys.h"

#include <sodium.h>

namespace credmesh {

CurveKeyPair::~CurveKeyPair() { sodium_memzero(secret_key.data(), secret_key.size()); }

CurveKeyPair CurveFromSigningKey(const SigningKey& key) {
  CurveKeyPair kp;
  key.ToCurve(kp.public_key.data(), kp.secret_key.data());
  return kp;
}

Result<CurvePublic> CurveFromPublicKey(const PublicKey& key) {
  CurvePublic out{};
  CREDMESH_RETURN_IF_ERROR(Ed25519PublicToCurve(key, out.data()));
  return out;
}

}  // namespace credmesh
