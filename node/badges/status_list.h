// status_list.h: W3C Bitstring Status List v1.0 for revocation — the
// bitstring (index 0 is the left-most bit of the first byte), its
// encodedList form (multibase 'u' + base64url of the GZIP-compressed
// bitstring), the BitstringStatusListCredential, and the
// BitstringStatusListEntry a badge carries in credentialStatus.
// Pure functions; decoders refuse bad input with InvalidArgument.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/status.h"

namespace credmesh {

// 131,072 entries (16 KiB): the specification's minimum, for herd privacy.
inline constexpr size_t kMinStatusListBits = 131072;
// Decoded lists larger than this are refused (a "zip bomb" guard).
inline constexpr size_t kMaxStatusListBytes = 16 * 1024 * 1024;

class StatusBitstring {
 public:
  // All bits clear; at least kMinStatusListBits, rounded up to whole bytes.
  explicit StatusBitstring(size_t bits = kMinStatusListBits);
  size_t size() const { return bytes_.size() * 8; }
  // REQUIRES: index < size().
  bool Get(size_t index) const { return bytes_[index / 8] & (0x80 >> (index % 8)); }
  void Set(size_t index, bool on);

  // "u" + base64url(gzip(bits)).
  std::string Encode() const;
  static Result<StatusBitstring> Decode(std::string_view encoded_list);

 private:
  Bytes bytes_;
};

// The credentialStatus member of a badge whose revocation bit is `index` in
// the list published at `list_url`.
nlohmann::json StatusListEntry(const std::string& list_url, uint64_t index);

// The unsigned BitstringStatusListCredential (purpose revocation) for
// `bits`, published at `list_url` by `issuer` (a did:key), valid from
// `valid_from` (a date-time).
nlohmann::json StatusListCredential(const std::string& list_url, const std::string& issuer,
                                    const std::string& valid_from, const StatusBitstring& bits);

}  // namespace credmesh
