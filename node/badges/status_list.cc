#include "node/badges/status_list.h"

#include <zlib.h>

#include <algorithm>

#include "node/badges/multibase.h"

namespace credmesh {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // zlib: +16 selects the gzip wrapper

Result<Bytes> Gzip(ByteView in) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 9, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return Status::Internal("zlib: deflateInit2 failed");
  }
  Bytes out(deflateBound(&z, in.size()) + 32);
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return Status::Internal("zlib: deflate did not finish");
  return out;
}

Result<Bytes> Gunzip(ByteView in) {
  z_stream z{};
  if (inflateInit2(&z, kGzipWindowBits) != Z_OK)
    return Status::Internal("zlib: inflateInit2 failed");
  Bytes out;
  uint8_t chunk[16384];
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = chunk;
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.insert(out.end(), chunk, chunk + (sizeof chunk - z.avail_out));
    if (out.size() > kMaxStatusListBytes) {
      inflateEnd(&z);
      return Status::ResourceExhausted("status list: decompresses to more than 16 MiB");
    }
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) break;  // truncated input
  }
  bool done = rc == Z_STREAM_END && z.avail_in == 0;
  inflateEnd(&z);
  if (!done)
    return Status::InvalidArgument("status list: encodedList is not one complete GZIP stream");
  return out;
}

}  // namespace

StatusBitstring::StatusBitstring(size_t bits)
    : bytes_((std::max(bits, kMinStatusListBits) + 7) / 8, 0) {}

void StatusBitstring::Set(size_t index, bool on) {
  uint8_t mask = static_cast<uint8_t>(0x80 >> (index % 8));
  if (on)
    bytes_[index / 8] |= mask;
  else
    bytes_[index / 8] &= static_cast<uint8_t>(~mask);
}

std::string StatusBitstring::Encode() const {
  auto z = Gzip(bytes_);
  // Deflating a buffer we own into a big-enough buffer cannot fail.
  return "u" + Base64UrlEncode(z.ok() ? ByteView(*z) : ByteView());
}

Result<StatusBitstring> StatusBitstring::Decode(std::string_view encoded) {
  if (encoded.empty() || encoded[0] != 'u') {
    return Status::InvalidArgument("status list: encodedList is not multibase base64url ('u...')");
  }
  auto z = Base64UrlDecode(encoded.substr(1));
  if (!z.ok()) return z.status().WithContext("status list");
  CREDMESH_ASSIGN_OR_RETURN(Bytes raw, Gunzip(*z));
  if (raw.empty()) return Status::InvalidArgument("status list: empty bitstring");
  StatusBitstring out(0);
  out.bytes_ = std::move(raw);
  return out;
}

nlohmann::json StatusListEntry(const std::string& list_url, uint64_t index) {
  return {{"id", list_url + "#" + std::to_string(index)},
          {"type", "BitstringStatusListEntry"},
          {"statusPurpose", "revocation"},
          {"statusListIndex", std::to_string(index)},
          {"statusListCredential", list_url}};
}

nlohmann::json StatusListCredential(const std::string& list_url, const std::string& issuer,
                                    const std::string& valid_from, const StatusBitstring& bits) {
  return {{"@context", {"https://www.w3.org/ns/credentials/v2"}},
          {"id", list_url},
          {"type", {"VerifiableCredential", "BitstringStatusListCredential"}},
          {"issuer", issuer},
          {"validFrom", valid_from},
          {"credentialSubject",
           {{"id", list_url + "#list"},
            {"type", "BitstringStatusList"},
            {"statusPurpose", "revocation"},
            {"encodedList", bits.Encode()}}}};
}

}  // namespace credmesh
