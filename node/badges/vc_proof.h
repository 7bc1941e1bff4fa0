// vc_proof.h: the two proof forms of an OB 3.0 credential, both Ed25519 with
// did:key verification methods:
//   - an embedded DataIntegrityProof, cryptosuite eddsa-jcs-2022 (W3C Data
//     Integrity EdDSA Cryptosuites v1.0 §3.3): the signature covers
//     SHA-256(JCS(proof options)) || SHA-256(JCS(document without proof));
//   - a VC-JWT (OB 3.0 §8.2): JOSE header {alg: EdDSA, kid: did:key#..,
//     typ: JWT}, the credential itself as the payload plus the registered
//     claims iss, jti, nbf, sub (and exp when validUntil is set).
// Pure functions: no clock (the caller passes `created`), no I/O.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/crypto.h"
#include "protocol/status.h"

namespace credmesh {

inline constexpr char kEddsaJcs2022[] = "eddsa-jcs-2022";

// `document` with an eddsa-jcs-2022 DataIntegrityProof by `key` appended to
// its "proof" array (created: an XML Schema dateTime such as
// "2026-12-03T05:00:00Z"; the proof repeats the document's @context, as the
// cryptosuite requires). InvalidArgument if the document cannot be
// canonicalized or already holds a non-array proof.
Result<nlohmann::json> AddEddsaJcsProof(nlohmann::json document, const SigningKey& key,
                                        const std::string& created);

// Checks one eddsa-jcs-2022 proof of `secured` (whose "proof" member is that
// proof or an array holding it): cryptosuite, proofPurpose assertionMethod,
// the proof's @context being a prefix of the document's, then the signature.
// On success returns the signing key (from the did:key verification method);
// Corruption when the signature does not match, InvalidArgument when the
// proof is malformed or uses another cryptosuite.
Result<PublicKey> VerifyEddsaJcsProof(const nlohmann::json& secured, const nlohmann::json& proof);

// The compact VC-JWT of `credential` signed by `key`. InvalidArgument when
// the credential lacks id, issuer.id, validFrom or credentialSubject.id.
Result<std::string> SignVcJwt(const nlohmann::json& credential, const SigningKey& key);

struct VerifiedJwt {
  nlohmann::json header;
  nlohmann::json payload;  // the credential with its registered claims
  PublicKey key;           // from the header's kid
};
// Decodes a compact JWS and checks its Ed25519 signature by the did:key in
// the header's kid (alg must be EdDSA; typ, when present, JWT). Corruption on
// a bad signature, InvalidArgument on malformed input. Does not check the
// claims (see CheckJwtClaims).
Result<VerifiedJwt> VerifyVcJwt(std::string_view compact);
// The registered claims agree with the credential (OB 3.0 §8.2.4): iss ==
// issuer.id, jti == id, sub == credentialSubject.id, nbf == validFrom (and
// exp == validUntil when present). One reason per mismatch; empty = ok.
std::vector<std::string> CheckJwtClaims(const nlohmann::json& payload);

// Parses an RFC 3339 / XML Schema dateTime with a zone ("...Z" or "±hh:mm",
// optional fraction) to Unix milliseconds.
Result<int64_t> ParseDateTime(std::string_view text);
// A credential's issuer id: `issuer` when it is a string, else `issuer.id`;
// empty when neither is present.
std::string IssuerId(const nlohmann::json& credential);
// "2026-12-03T05:00:00Z" (whole seconds, UTC).
std::string FormatDateTime(int64_t unix_ms);

}  // namespace credmesh
