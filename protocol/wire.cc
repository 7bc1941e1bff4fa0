#include "protocol/wire.h"

#include <algorithm>

#include "protocol/value.h"

namespace credmesh::wire {
namespace {

// ---- encoding helpers ---------------------------------------------------

Bytes EncodeMap(Value::Map m) {
  Bytes out;
  EncodeValue(Value(std::move(m)), out);
  return out;
}

Value Strings(const std::vector<std::string>& v) {
  Value::Array a(v.begin(), v.end());
  return Value(std::move(a));
}

Value Ints(const std::vector<int64_t>& v) {
  Value::Array a;
  for (int64_t x : v) a.emplace_back(x);
  return Value(std::move(a));
}

Value Blobs(const std::vector<Bytes>& v) {
  Value::Array a(v.begin(), v.end());
  return Value(std::move(a));
}

Value IdArray(const std::vector<RecordId>& ids) {
  Value::Array a;
  a.reserve(ids.size());
  for (const auto& id : ids) a.emplace_back(Bytes(id.data.begin(), id.data.end()));
  return Value(std::move(a));
}

Value LimitsMap(const SessionLimits& l) {
  return Value(Value::Map{
      {"mb", l.max_message_bytes}, {"mg", l.max_ranges}, {"mi", l.max_ids}, {"mr", l.max_records}});
}

}  // namespace

// ---- limits and codes ---------------------------------------------------

Status SessionLimits::Validate() const {
  auto in = [](int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; };
  if (!in(max_message_bytes, kMinMessageBytes, kMaxMessageBytes) ||
      !in(max_records, 1, kMaxCount) || !in(max_ranges, 32, kMaxCount) ||
      !in(max_ids, 32, kMaxCount)) {
    return Status::InvalidArgument("session limits out of range");
  }
  return Status::Ok();
}

SessionLimits SessionLimits::Intersect(const SessionLimits& o) const {
  return {std::min(max_message_bytes, o.max_message_bytes), std::min(max_records, o.max_records),
          std::min(max_ranges, o.max_ranges), std::min(max_ids, o.max_ids)};
}

SessionLimits HandshakeLimits() {
  SessionLimits l;
  l.max_message_bytes = kHandshakeMaxBytes;  // below the negotiable minimum on purpose
  l.max_records = 1;
  l.max_ranges = 32;
  l.max_ids = 32;
  return l;
}

ReconcileLimits ReconcileLimitsFor(const SessionLimits& limits) {
  ReconcileLimits r;
  r.max_message_bytes = static_cast<size_t>(limits.max_message_bytes) - kReconcileEnvelopeBytes;
  r.max_ranges = static_cast<size_t>(limits.max_ranges);
  return r;
}

bool IsFatal(int64_t code) { return code != static_cast<int64_t>(ErrorCode::kRecordRejected); }

std::string_view ErrorCodeName(int64_t code) {
  switch (static_cast<ErrorCode>(code)) {
    case ErrorCode::kMalformed:
      return "malformed";
    case ErrorCode::kUnauthorized:
      return "unauthorized";
    case ErrorCode::kForbidden:
      return "forbidden";
    case ErrorCode::kTimeout:
      return "timeout";
    case ErrorCode::kOutOfOrder:
      return "out of order";
    case ErrorCode::kTooLarge:
      return "too large";
    case ErrorCode::kRecordRejected:
      return "record rejected";
    case ErrorCode::kVersionUnsupported:
      return "version unsupported";
    case ErrorCode::kBusy:
      return "busy";
    case ErrorCode::kInternal:
      return "internal";
    case ErrorCode::kUnavailable:
      return "unavailable";
  }
  return "unknown";
}

ErrorCode ErrorCodeFor(const Status& status) {
  switch (status.code()) {
    case Status::Code::kInvalidArgument:
    case Status::Code::kCorruption:
      return ErrorCode::kMalformed;
    case Status::Code::kUnauthorized:
      return ErrorCode::kUnauthorized;
    case Status::Code::kResourceExhausted:
      return ErrorCode::kTooLarge;
    case Status::Code::kFailedPrecondition:
      return ErrorCode::kOutOfOrder;
    case Status::Code::kUnavailable:
      return ErrorCode::kUnavailable;
    default:
      return ErrorCode::kInternal;
  }
}

// ---- encoding -----------------------------------------------------------

Bytes Hello::Encode() const {
  Value::Map m{{"t", "hello"},
               {"v", Ints(versions)},
               {"c", Blobs(chain)},
               {"s", Strings(scopes)},
               {"l", LimitsMap(limits)}};
  if (!agent.empty()) m.emplace("a", agent);
  return EncodeMap(std::move(m));
}

Bytes Welcome::Encode() const {
  return EncodeMap({{"t", "welcome"},
                    {"v", version},
                    {"s", Strings(scopes)},
                    {"l", LimitsMap(limits)},
                    {"c", Blobs(chain)},
                    {"i", Bytes(session.data.begin(), session.data.end())}});
}

Bytes Reconcile::Encode() const {
  return EncodeMap({{"t", "reconcile"}, {"s", scope}, {"p", payload}});
}

Bytes Records::Encode() const {
  Value::Map m{{"t", "records"}, {"s", scope}, {"r", Blobs(records)}};
  if (!missing.empty()) m.emplace("m", IdArray(missing));
  return EncodeMap(std::move(m));
}

Bytes Want::Encode() const { return EncodeMap({{"t", "want"}, {"s", scope}, {"i", IdArray(ids)}}); }
Bytes Done::Encode() const { return EncodeMap({{"t", "done"}, {"s", scope}}); }
Bytes Ping::Encode() const { return EncodeMap({{"t", "ping"}, {"n", nonce}}); }
Bytes Pong::Encode() const { return EncodeMap({{"t", "pong"}, {"n", nonce}}); }

Bytes Error::Encode() const {
  Value::Map m{{"t", "error"}, {"c", code}, {"m", text}};
  if (!scope.empty()) m.emplace("s", scope);
  if (!versions.empty()) m.emplace("v", Ints(versions));
  return EncodeMap(std::move(m));
}

Bytes Bye::Encode() const {
  Value::Map m{{"t", "bye"}};
  if (!text.empty()) m.emplace("m", text);
  return EncodeMap(std::move(m));
}

Bytes Get::Encode() const {
  return EncodeMap({{"t", "get"}, {"h", Bytes(hash.data.begin(), hash.data.end())}});
}

namespace {

// A MessagePack bin header in its shortest form, as the generic encoder
// writes it.
void AppendBinHeader(Bytes& out, size_t n) {
  if (n <= 0xff) {
    out.insert(out.end(), {0xc4, static_cast<uint8_t>(n)});
  } else if (n <= 0xffff) {
    out.insert(out.end(), {0xc5, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
  } else {
    out.insert(out.end(), {0xc6, static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
                           static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
  }
}

}  // namespace

Bytes Chunk::Encode() const {
  if (!data) {
    return EncodeMap({{"t", "chunk"}, {"h", Bytes(hash.data.begin(), hash.data.end())}});
  }
  // Written directly, without copying the chunk into a value first: the
  // same bytes as the generic map ({"d", "h", "t"} in key order, shortest
  // headers); protocol/wire_test.cc compares the two.
  Bytes out;
  out.reserve(data->size() + 64);
  out.insert(out.end(), {0x83, 0xa1, 'd'});
  AppendBinHeader(out, data->size());
  out.insert(out.end(), data->begin(), data->end());
  out.insert(out.end(), {0xa1, 'h'});
  AppendBinHeader(out, hash.data.size());
  out.insert(out.end(), hash.data.begin(), hash.data.end());
  out.insert(out.end(), {0xa1, 't', 0xa5, 'c', 'h', 'u', 'n', 'k'});
  return out;
}

Bytes Fetched::Encode() const { return EncodeMap({{"t", "fetched"}}); }

Bytes Encode(const Message& message) {
  return std::visit([](const auto& m) { return m.Encode(); }, message);
}

std::string_view TypeName(const Message& message) {
  static constexpr std::string_view kNames[] = {"hello", "welcome", "reconcile", "records", "want",
                                                "done",  "ping",    "pong",      "error",   "bye",
                                                "get",   "chunk",   "fetched"};
  return kNames[message.index()];
}

Result<int64_t> NegotiateVersion(const std::vector<int64_t>& offered,
                                 const std::vector<int64_t>& supported) {
  int64_t best = 0;
  for (int64_t v : offered) {
    if (v > best && std::find(supported.begin(), supported.end(), v) != supported.end()) best = v;
  }
  if (best > 0) return best;
  std::string ours;
  for (int64_t v : supported) ours += (ours.empty() ? "" : ", ") + std::to_string(v);
  return Status::InvalidArgument("no common protocol version (we speak " + ours + ")");
}

Result<std::vector<Records>> BatchRecords(const std::string& scope, std::vector<Bytes> records,
                                          const SessionLimits& limits) {
  // Per-frame overhead: map header, "t"/"records", "s"/scope, "r" and the
  // array header; per record: its bytes plus a bin header of at most 5.
  const size_t overhead = 1 + 2 + 8 + 2 + 2 + scope.size() + 2 + 5;
  const size_t max_bytes = static_cast<size_t>(limits.max_message_bytes);
  std::vector<Records> out;
  Records cur{scope, {}, {}};
  size_t size = overhead;
  for (auto& r : records) {
    size_t cost = r.size() + 5;
    if (overhead + cost > max_bytes) {
      return Status::ResourceExhausted("a " + std::to_string(r.size()) +
                                       "-byte record does not fit in one frame");
    }
    if (!cur.records.empty() && (size + cost > max_bytes ||
                                 cur.records.size() >= static_cast<size_t>(limits.max_records))) {
      out.push_back(std::move(cur));
      cur = Records{scope, {}, {}};
      size = overhead;
    }
    cur.records.push_back(std::move(r));
    size += cost;
  }
  if (!cur.records.empty()) out.push_back(std::move(cur));
  return out;
}

}  // namespace credmesh::wire
