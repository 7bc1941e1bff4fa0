// bytes.h: byte buffers and fixed-size digests/keys, with hex conversion.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace credmesh {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

// Lower-case hex of `data`.
std::string ToHex(ByteView data);
// Parses hex (either case). nullopt on odd length or a non-hex character.
std::optional<Bytes> FromHex(std::string_view hex);

inline ByteView AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// A fixed-size value such as a public key, signature or hash; ordered bytewise.
template <size_t N>
struct FixedBytes {
  std::array<uint8_t, N> data{};
  static constexpr size_t kSize = N;
  auto operator<=>(const FixedBytes&) const = default;
  ByteView view() const { return {data.data(), N}; }
  std::string hex() const { return ToHex(view()); }
  static std::optional<FixedBytes> FromHex(std::string_view hex) {
    auto b = credmesh::FromHex(hex);
    if (!b || b->size() != N) return std::nullopt;
    return FromView(*b);
  }
  static std::optional<FixedBytes> FromView(ByteView v) {
    if (v.size() != N) return std::nullopt;
    FixedBytes out;
    std::copy(v.begin(), v.end(), out.data.begin());
    return out;
  }
};

using PublicKey = FixedBytes<32>;  // Ed25519 public key
using Signature = FixedBytes<64>;  // Ed25519 signature
using Hash256 = FixedBytes<32>;    // BLAKE2b-256 digest
using RecordId = Hash256;          // BLAKE2b-256 of a record's encoding

}  // namespace credmesh
