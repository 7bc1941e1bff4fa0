// wire.h: the sync protocol's messages (docs/protocol.md), each a typed
// struct with Encode(), and one strict decoder for received frames. A frame
// is one canonical MessagePack map {"t": <type>, ...}; unknown keys are
// ignored, everything else that deviates from the spec is refused with a
// Status whose code maps onto a protocol error code (ErrorCodeFor).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/reconcile.h"
#include "protocol/status.h"

namespace credmesh::wire {

inline constexpr int64_t kProtocolVersion = 1;
// Version 2: version 1 plus the file phase (GET/CHUNK, docs/protocol.md §16).
inline constexpr int64_t kFilesVersion = 2;
inline constexpr int64_t kMaxVersion = 65535;
inline constexpr size_t kMaxVersions = 16;               // entries of HELLO "v"
inline constexpr size_t kMaxChain = 8;                   // certificate records per chain
inline constexpr size_t kMaxScopes = 64;                 // scopes per HELLO/WELCOME
inline constexpr size_t kMaxText = 1024;                 // ERROR/BYE text bytes
inline constexpr size_t kMaxAgent = 64;                  // HELLO agent bytes
inline constexpr size_t kHandshakeMaxBytes = 64 * 1024;  // frames before WELCOME
inline constexpr size_t kMaxChunkBytes = 262144;         // CHUNK "d"
inline constexpr size_t kMaxGetsOutstanding = 16;        // GETs unanswered (§16.3)
// Bytes of a RECONCILE frame outside its payload (map, keys, type, scope).
inline constexpr size_t kReconcileEnvelopeBytes = 256;

using SessionId = FixedBytes<16>;

// Limits one side accepts; WELCOME carries the effective (minimum) ones.
struct SessionLimits {
  int64_t max_message_bytes = 1024 * 1024;  // "mb": whole frame, 512 KiB..16 MiB
  int64_t max_records = 1024;               // "mr": records per RECORDS, 1..4096
  int64_t max_ranges = 1024;                // "mg": ranges per RECONCILE payload, 32..4096
  int64_t max_ids = 4096;                   // "mi": ids per WANT / RECORDS "m", 32..4096

  static constexpr int64_t kMinMessageBytes = 512 * 1024;
  static constexpr int64_t kMaxMessageBytes = 16 * 1024 * 1024;
  static constexpr int64_t kMaxCount = 4096;

  Status Validate() const;
  // Field-wise minimum: what both sides accept.
  SessionLimits Intersect(const SessionLimits& other) const;
  bool operator==(const SessionLimits&) const = default;
};

// Limits for decoding frames before WELCOME (HELLO, WELCOME, ERROR).
SessionLimits HandshakeLimits();
// The Reconciler limits matching a session's limits.
ReconcileLimits ReconcileLimitsFor(const SessionLimits& limits);

// Protocol error codes (ERROR "c"). All but kRecordRejected end the session.
enum class ErrorCode : int64_t {
  kMalformed = 400,           // frame failed strict decoding / grammar
  kUnauthorized = 401,        // certificate chain invalid, unknown, revoked, or not the CURVE key
  kForbidden = 403,           // scope not granted, or a record outside the message's scope
  kTimeout = 408,             // nothing received within the idle time-out
  kOutOfOrder = 409,          // message not allowed in the current state
  kTooLarge = 413,            // frame or a count over the negotiated limits
  kRecordRejected = 422,      // one record refused by policy; the session continues
  kVersionUnsupported = 426,  // no common protocol version
  kBusy = 429,                // too many sessions; retry later with back-off
  kInternal = 500,            // local failure (storage, bug)
  kUnavailable = 503,         // node shutting down
};
bool IsFatal(int64_t code);
std::string_view ErrorCodeName(int64_t code);  // "malformed", ...; "unknown" otherwise
// The error code to send when handling a frame failed with `status`.
ErrorCode ErrorCodeFor(const Status& status);

struct Hello {
  std::vector<int64_t> versions{kProtocolVersion};  // "v", distinct, 1..65535
  std::vector<Bytes> chain;                         // "c", encoded records, genesis first
  std::vector<std::string> scopes;                  // "s", wanted, in priority order
  SessionLimits limits;                             // "l"
  std::string agent;                                // "a", optional, e.g. "credmesh/0.1.0"
  Bytes Encode() const;
  bool operator==(const Hello&) const = default;
};

struct Welcome {
  int64_t version = kProtocolVersion;  // "v"
  std::vector<std::string> scopes;     // "s", granted, the order to reconcile in
  SessionLimits limits;                // "l", effective for both directions
  std::vector<Bytes> chain;            // "c", the server's chain
  SessionId session;                   // "i"
  Bytes Encode() const;
  bool operator==(const Welcome&) const = default;
};

struct Reconcile {
  std::string scope;  // "s"
  Bytes payload;      // "p", a reconciliation message (reconcile.h)
  Bytes Encode() const;
  bool operator==(const Reconcile&) const = default;
};

struct Records {
  std::string scope;              // "s"
  std::vector<Bytes> records;     // "r", encoded records of `scope`
  std::vector<RecordId> missing;  // "m", optional: WANTed ids we cannot supply
  Bytes Encode() const;
  bool operator==(const Records&) const = default;
};

struct Want {
  std::string scope;          // "s"
  std::vector<RecordId> ids;  // "i"
  Bytes Encode() const;
  bool operator==(const Want&) const = default;
};

struct Done {
  std::string scope;  // "s"
  Bytes Encode() const;
  bool operator==(const Done&) const = default;
};

struct Ping {
  int64_t nonce = 0;  // "n", >= 0
  Bytes Encode() const;
  bool operator==(const Ping&) const = default;
};

struct Pong {
  int64_t nonce = 0;  // "n", echoes the PING
  Bytes Encode() const;
  bool operator==(const Pong&) const = default;
};

struct Error {
  int64_t code = static_cast<int64_t>(ErrorCode::kInternal);  // "c", 400..599
  std::string text;                                           // "m"
  std::string scope;                                          // "s", optional
  std::vector<int64_t> versions;                              // "v", optional (426)
  Bytes Encode() const;
  bool operator==(const Error&) const = default;
};

struct Bye {
  std::string text;  // "m", optional
  Bytes Encode() const;
  bool operator==(const Bye&) const = default;
};

// Version 2 only (docs/protocol.md §16).
struct Get {
  Hash256 hash;  // "h"
  Bytes Encode() const;
  bool operator==(const Get&) const = default;
};

struct Chunk {
  Hash256 hash;               // "h", the GET it answers
  std::optional<Bytes> data;  // "d", 1..kMaxChunkBytes; absent: not served
  Bytes Encode() const;
  bool operator==(const Chunk&) const = default;
};

// A side has fetched every chunk it wanted in this session.
struct Fetched {
  Bytes Encode() const;
  bool operator==(const Fetched&) const = default;
};

using Message = std::variant<Hello, Welcome, Reconcile, Records, Want, Done, Ping, Pong, Error, Bye,
                             Get, Chunk, Fetched>;

Bytes Encode(const Message& message);
// "hello", "welcome", "reconcile", "records", "want", "done", "ping",
// "pong", "error", "bye", "get", "chunk", "fetched": the "t" value.
std::string_view TypeName(const Message& message);

// Strictly decodes one frame under `limits` (HandshakeLimits() before
// WELCOME). Errors: ResourceExhausted for a frame or count over the limits
// (413); InvalidArgument for everything else (400): non-canonical or
// malformed MessagePack, not a map, unknown type, missing required field,
// wrong field type, value out of range, invalid scope, duplicate entries.
Result<Message> DecodeMessage(ByteView frame, const SessionLimits& limits);

// The highest version in `offered` that is also in `supported`, or
// InvalidArgument (426).
Result<int64_t> NegotiateVersion(const std::vector<int64_t>& offered,
                                 const std::vector<int64_t>& supported = {kProtocolVersion});

// Splits records into RECORDS messages of at most limits.max_records records
// and limits.max_message_bytes bytes each. Errors: ResourceExhausted if one
// record alone cannot fit in a frame.
Result<std::vector<Records>> BatchRecords(const std::string& scope, std::vector<Bytes> records,
                                          const SessionLimits& limits);

}  // namespace credmesh::wire
