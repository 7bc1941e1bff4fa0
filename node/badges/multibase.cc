#include "node/badges/multibase.h"

#include <sodium.h>

#include <algorithm>

namespace credmesh {
namespace {

constexpr char kBase58Alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
constexpr uint8_t kEd25519Multicodec[2] = {0xed, 0x01};
constexpr size_t kMaxBase58Chars = 4096;  // far beyond any key or signature

}  // namespace

std::string Base58Encode(ByteView data) {
  size_t zeros = 0;
  while (zeros < data.size() && data[zeros] == 0) ++zeros;
  // Base-256 to base-58 by repeated division, little-endian digits.
  std::vector<uint8_t> digits;
  for (size_t i = zeros; i < data.size(); ++i) {
    int carry = data[i];
    for (auto& d : digits) {
      carry += d * 256;
      d = static_cast<uint8_t>(carry % 58);
      carry /= 58;
    }
    while (carry > 0) {
      digits.push_back(static_cast<uint8_t>(carry % 58));
      carry /= 58;
    }
  }
  std::string out(zeros, '1');
  std::reverse(digits.begin(), digits.end());  // most significant first
  for (uint8_t d : digits) out += kBase58Alphabet[d];
  return out;
}

Result<Bytes> Base58Decode(std::string_view text) {
  if (text.size() > kMaxBase58Chars) return Status::InvalidArgument("base58: text too long");
  size_t ones = 0;
  while (ones < text.size() && text[ones] == '1') ++ones;
  std::vector<uint8_t> bytes;  // little-endian base-256
  for (size_t i = ones; i < text.size(); ++i) {
    const char* p = std::find(kBase58Alphabet, kBase58Alphabet + 58, text[i]);
    if (p == kBase58Alphabet + 58 || text[i] == '\0') {
      return Status::InvalidArgument(std::string("base58: invalid character '") + text[i] + "'");
    }
    int carry = static_cast<int>(p - kBase58Alphabet);
    for (auto& b : bytes) {
      carry += b * 58;
      b = static_cast<uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push_back(static_cast<uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }
  Bytes out(ones, 0);
  out.insert(out.end(), bytes.rbegin(), bytes.rend());
  return out;
}

std::string Base64UrlEncode(ByteView data) {
  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(data.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(), variant);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

Result<Bytes> Base64UrlDecode(std::string_view text) {
  Bytes out(text.size() * 3 / 4 + 3);
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return Status::InvalidArgument("base64url: malformed text");
  }
  out.resize(len);
  return out;
}

std::string MultibaseBase58(ByteView data) { return "z" + Base58Encode(data); }

Result<Bytes> MultibaseDecode(std::string_view text) {
  if (text.empty()) return Status::InvalidArgument("multibase: empty string");
  if (text[0] == 'z') return Base58Decode(text.substr(1));
  if (text[0] == 'u') return Base64UrlDecode(text.substr(1));
  return Status::InvalidArgument(std::string("multibase: unsupported prefix '") + text[0] + "'");
}

std::string Ed25519Multikey(const PublicKey& key) {
  Bytes b(kEd25519Multicodec, kEd25519Multicodec + 2);
  b.insert(b.end(), key.data.begin(), key.data.end());
  return MultibaseBase58(b);
}

std::string DidKeyOf(const PublicKey& key) { return "did:key:" + Ed25519Multikey(key); }

std::string DidKeyMethodOf(const PublicKey& key) {
  return DidKeyOf(key) + "#" + Ed25519Multikey(key);
}

Result<PublicKey> ParseDidKey(std::string_view did_or_method) {
  constexpr std::string_view kPrefix = "did:key:";
  std::string_view id = did_or_method;
  if (id.substr(0, kPrefix.size()) == kPrefix) id.remove_prefix(kPrefix.size());
  std::string_view fragment;
  if (size_t hash = id.find('#'); hash != std::string_view::npos) {
    fragment = id.substr(hash + 1);
    id = id.substr(0, hash);
    if (fragment != id)
      return Status::InvalidArgument("did:key: fragment does not name the DID's key");
  }
  if (id.empty() || id[0] != 'z')
    return Status::InvalidArgument("did:key: not a base58btc multikey: " +
                                   std::string(did_or_method));
  auto bytes = Base58Decode(id.substr(1));
  if (!bytes.ok()) return bytes.status().WithContext("did:key");
  if (bytes->size() != 2 + PublicKey::kSize || (*bytes)[0] != kEd25519Multicodec[0] ||
      (*bytes)[1] != kEd25519Multicodec[1]) {
    return Status::InvalidArgument("did:key: not an Ed25519 key (multicodec 0xed01, 32 bytes): " +
                                   std::string(did_or_method));
  }
  return *PublicKey::FromView(ByteView(*bytes).subspan(2));
}

}  // namespace credmesh
