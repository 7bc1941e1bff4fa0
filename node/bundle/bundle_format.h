// bundle_format.h: the sneakernet bundle file (docs/bundle-format.md is the
// normative description): a plaintext header naming the district, the
// exporting node and the recipient, then a stream of items — scope markers,
// signed records, evidence file chunks — each in its own frame, encrypted
// with crypto_secretstream under a key sealed to the recipient (or in
// plaintext for an explicitly public bundle), closed by an END item carrying
// the counts and the exporting node's Ed25519 signature over everything
// before it. BundleWriter and BundleReader stream one frame at a time: their
// memory does not grow with the bundle.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "protocol/bytes.h"
#include "protocol/crypto.h"
#include "protocol/sealed_stream.h"
#include "protocol/status.h"

namespace credmesh {

inline constexpr char kBundleMagic[] = "CMBUNDLE";  // 8 bytes on disk, no NUL
inline constexpr uint8_t kBundleVersion = 1;
// Prefix of the message the END signature signs.
inline constexpr char kBundleSignContext[] = "credmesh-bundle/1";

enum class BundleMode : uint8_t { kSealed = 1, kPublic = 2 };
enum class BundleItemType : uint8_t { kScope = 1, kRecord = 2, kChunk = 3, kEnd = 4 };

// Largest item: a chunk (type, hash, 256 KiB). A frame holds one item, plus
// kStreamOverhead when sealed; longer frames are refused as corrupt.
inline constexpr size_t kMaxBundleChunk = 256 * 1024;
inline constexpr size_t kMaxBundleItem = 1 + 32 + kMaxBundleChunk;
inline constexpr size_t kMaxBundleFrame = kMaxBundleItem + kStreamOverhead;
inline constexpr size_t kEndItemSize = 1 + 3 * 8 + 64;

struct BundleHeader {
  BundleMode mode = BundleMode::kSealed;
  int64_t created_ms = 0;
  std::string district;  // 1..64 bytes
  PublicKey sender;      // Ed25519 node key of the exporting node
  PublicKey recipient;   // sealed: the recipient's node key; public: all zero
  Bytes sealed_key;      // sealed: crypto_box_seal of the stream key (80 bytes)
  FixedBytes<kStreamHeaderBytes> stream_header;  // sealed: secretstream header

  Bytes Encode() const;
};

// What the END item says, and what the reader counted.
struct BundleCounts {
  uint64_t scopes = 0, records = 0, chunks = 0;
  bool operator==(const BundleCounts&) const = default;
};

// Buffer sizes and totals, for progress output and for tests that check
// memory stays bounded however large the bundle is.
struct BundleIoStats {
  uint64_t bytes = 0;            // file bytes written or read so far
  BundleCounts counts;           // items so far
  size_t peak_buffer_bytes = 0;  // largest capacity of the frame buffers together
};

// Writes a bundle to `path` through `path.part`, renamed into place by
// Finish(); a writer destroyed before Finish() removes the partial file.
class BundleWriter {
 public:
  // Sealed bundle to `recipient` (`stream_key` fixed only by tests).
  static Result<BundleWriter> CreateSealed(const std::string& path, const SigningKey& sender,
                                           const std::string& district, int64_t created_ms,
                                           const PublicKey& recipient,
                                           std::optional<StreamKey> stream_key = std::nullopt);
  // Plaintext, signed bundle (records and chunks readable by anyone).
  static Result<BundleWriter> CreatePublic(const std::string& path, const SigningKey& sender,
                                           const std::string& district, int64_t created_ms);
  BundleWriter(BundleWriter&&) noexcept;
  BundleWriter& operator=(BundleWriter&&) = delete;
  BundleWriter(const BundleWriter&) = delete;
  BundleWriter& operator=(const BundleWriter&) = delete;
  ~BundleWriter();

  Status AddScope(const std::string& scope);
  Status AddRecord(ByteView encoded);  // REQUIRES: after an AddScope
  Status AddChunk(const Hash256& hash, ByteView data);
  // Writes END (counts, signature), fsyncs and renames the file into place.
  Status Finish();

  const BundleIoStats& stats() const { return stats_; }

  struct State;  // opaque: the file, the encryptor, the transcript

 private:
  explicit BundleWriter(std::unique_ptr<State> s);
  Status WriteItem(BundleItemType type, ByteView a, ByteView b, bool final);
  std::unique_ptr<State> s_;
  BundleIoStats stats_;
};

// One item as read; views stay valid until the next Next().
struct BundleItem {
  BundleItemType type = BundleItemType::kEnd;
  std::string scope;   // kScope
  ByteView record;     // kRecord: the record's encoding
  Hash256 chunk_hash;  // kChunk
  ByteView chunk;      // kChunk: the chunk's bytes (not yet checked against the hash)
};

// Reads a bundle item by item. Every failure is a clear Status: kCorruption
// for a malformed, truncated, altered or wrongly signed bundle.
class BundleReader {
 public:
  // Reads and checks the header. Errors: kNotFound, kCorruption.
  static Result<BundleReader> Open(const std::string& path);
  BundleReader(BundleReader&&) noexcept;
  BundleReader& operator=(BundleReader&&) = delete;
  BundleReader(const BundleReader&) = delete;
  BundleReader& operator=(const BundleReader&) = delete;
  ~BundleReader();

  const BundleHeader& header() const;
  // Sealed bundles: opens the stream key with the recipient's node key.
  // Errors: kUnauthorized if `me` is not the recipient, kCorruption if the
  // sealed key does not open.
  Status Unlock(const SigningKey& me);
  // The next item, or nullopt after END once END's counts and signature
  // checked out and nothing follows it.
  Result<std::optional<BundleItem>> Next();

  const BundleIoStats& stats() const { return stats_; }

 private:
  struct State;
  explicit BundleReader(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
  BundleIoStats stats_;
};

}  // namespace credmesh
