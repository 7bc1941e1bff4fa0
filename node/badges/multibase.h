// multibase.h: the text encodings of the W3C credential formats — base58btc
// (Bitcoin alphabet), base64url without padding (RFC 4648 §5), their
// multibase prefixes ('z', 'u'), and did:key for Ed25519 public keys
// (multicodec 0xed01, "did:key:z6Mk..."). Pure functions; decoders refuse
// malformed input with InvalidArgument and never throw.
#pragma once

#include <string>
#include <string_view>

#include "protocol/bytes.h"
#include "protocol/status.h"

namespace credmesh {

std::string Base58Encode(ByteView data);
Result<Bytes> Base58Decode(std::string_view text);

// libsodium's sodium_bin2base64 / base642bin, URL-safe alphabet, no padding.
std::string Base64UrlEncode(ByteView data);
Result<Bytes> Base64UrlDecode(std::string_view text);

// Multibase: 'z' + base58btc, or 'u' + base64url (no padding).
std::string MultibaseBase58(ByteView data);
// Decodes a 'z' or 'u' multibase string; any other prefix is refused.
Result<Bytes> MultibaseDecode(std::string_view text);

// "z6Mk..." multibase form of an Ed25519 public key (0xed 0x01 + 32 bytes).
std::string Ed25519Multikey(const PublicKey& key);
// "did:key:z6Mk...".
std::string DidKeyOf(const PublicKey& key);
// "did:key:z6Mk...#z6Mk...": the key's verification method id.
std::string DidKeyMethodOf(const PublicKey& key);
// The Ed25519 key of a did:key DID or verification method id (the fragment,
// when present, must repeat the DID's key), or of a bare "z6Mk..." multikey.
Result<PublicKey> ParseDidKey(std::string_view did_or_method);

}  // namespace credmesh
