// record.h: the signed record, credmesh's unit of storage and sync.
// Exact byte layout, limits and test vectors: docs/records.md.
#pragma once

#include <cstdint>
#include <string>

#include "protocol/bytes.h"
#include "protocol/crypto.h"
#include "protocol/status.h"
#include "protocol/value.h"

namespace credmesh {

struct RecordLimits {
  static constexpr size_t kMaxRecordSize = 256 * 1024;  // whole encoding
  static constexpr size_t kMaxKind = 64;
  static constexpr size_t kMaxScope = 128;
  static constexpr size_t kMaxEntity = 128;
  static constexpr size_t kMaxDepth = 16;        // body nesting
  static constexpr size_t kMaxContainer = 4096;  // elements per array/map
};

struct Record {
  static constexpr uint64_t kFormatVersion = 1;
  uint64_t version = kFormatVersion;
  std::string kind;           // [a-z0-9._-]{1,64}, e.g. "note", "trust.grant"
  std::string scope;          // "district/<d>", "school/<s>" or "public/<d>"
  std::string entity;         // the entity the record is about; printable ASCII
  uint64_t hlc = 0;           // hybrid logical clock timestamp, see hlc.h
  PublicKey author;           // Ed25519 public key of the signer
  Value body = Value::Map{};  // always a map
  Signature signature;

  bool operator==(const Record&) const = default;
};

// The domain-separated bytes the author signs: "credmesh/record/v1\0" followed
// by the canonical encoding of the first seven fields as an array.
Bytes SigningMessage(const Record& r);
// Canonical encoding of the whole record (eight-element array).
Bytes EncodeRecord(const Record& r);
// Strict decode: rejects non-canonical, truncated, trailing, oversized and
// type-confused input, each with its own message. Does not check the signature.
Result<Record> DecodeRecord(ByteView data);
// Checks field syntax (kind/scope/entity shapes and sizes, body is a map).
Status ValidateRecordFields(const Record& r);
// Sets r.author to key's public key and signs.
void SignRecord(Record& r, const SigningKey& key);
// Record id: BLAKE2b-256 of the record's complete canonical encoding.
RecordId ComputeRecordId(ByteView encoded);

// A record whose encoding decoded strictly, whose signature verified and whose
// id was computed from those very bytes. The only way to make one is
// Verify(), so holding one proves the checks ran.
class VerifiedRecord {
 public:
  static Result<VerifiedRecord> Verify(Bytes encoded);
  // As Verify, and also requires the id to equal `expected`.
  static Result<VerifiedRecord> VerifyWithId(Bytes encoded, const RecordId& expected);
  // Builds, signs and verifies a new record in one step.
  static Result<VerifiedRecord> Create(std::string kind, std::string scope, std::string entity,
                                       uint64_t hlc, Value body, const SigningKey& key);

  const Record& record() const { return record_; }
  const RecordId& id() const { return id_; }
  const Bytes& bytes() const { return bytes_; }

 private:
  VerifiedRecord(Record r, RecordId id, Bytes b)
      : record_(std::move(r)), id_(id), bytes_(std::move(b)) {}
  Record record_;
  RecordId id_;
  Bytes bytes_;
};

// Scope helpers: "school/pine" -> {"school", "pine"}.
struct ScopeName {
  std::string kind;  // district | school | public
  std::string name;
};
Result<ScopeName> ParseScope(const std::string& scope);

}  // namespace credmesh
