// wire_decode.cc: DecodeMessage, the strict decoder declared in wire.h.
#include <algorithm>
#include <set>

#include "protocol/field_reader.h"
#include "protocol/record.h"
#include "protocol/strict_unpack.h"
#include "protocol/value.h"
#include "protocol/wire.h"

namespace credmesh::wire {
namespace {

// ---- decoding helpers ---------------------------------------------------

// Typed access to one message's fields (field_reader.h, open key policy:
// newer peers may add fields); errors name the message and field.
class Fields {
 public:
  Fields(const Value::Map& m, std::string type)
      : type_(std::move(type)), fields_(m, Describer(type_)) {}

  Status Bad(const std::string& what) const { return Status::InvalidArgument(type_ + ": " + what); }
  Status TooMany(const std::string& key, size_t n, size_t limit) const {
    return Status::ResourceExhausted(type_ + ": field \"" + key + "\" has " + std::to_string(n) +
                                     " entries, over the limit of " + std::to_string(limit));
  }

  // nullptr if absent and optional; error if absent and required.
  Result<const Value*> Get(const std::string& key, bool required) const {
    if (!required) return fields_.Find(key);
    return fields_.Get(key);
  }

  Status Confused(const std::string& key, const char* expected) const {
    return Bad("type confusion: field \"" + key + "\" must be " + expected);
  }

  Result<std::string> Str(const std::string& key, bool required, size_t max_len) const {
    if (required) return fields_.String(key, max_len);
    CREDMESH_ASSIGN_OR_RETURN(auto s, fields_.OptString(key, max_len));
    return s.value_or(std::string());
  }

  Result<int64_t> Int(const std::string& key, int64_t lo, int64_t hi) const {
    return fields_.Int(key, lo, hi);
  }

  Result<int64_t> IntValue(const Value& v, const std::string& key, int64_t lo, int64_t hi) const {
    return fields_.IntValue(v, key, lo, hi);
  }

  Result<Bytes> Bin(const std::string& key, size_t min_len, size_t max_len) const {
    return fields_.Binary(key, min_len, max_len);
  }

  // An array of `min`..`max` entries; counts over `max` are ResourceExhausted
  // when `max` is a negotiated limit (`limit_is_negotiated`).
  Result<const Value::Array*> Array(const std::string& key, bool required, size_t min, size_t max,
                                    bool limit_is_negotiated) const {
    const Value* v = fields_.Find(key);
    if (limit_is_negotiated && v && v->is_array() && v->as_array().size() > max) {
      return TooMany(key, v->as_array().size(), max);
    }
    if (required) return fields_.Array(key, min, max);
    return fields_.OptArray(key, min, max);
  }

  Result<std::string> Scope(const std::string& key) const {
    CREDMESH_ASSIGN_OR_RETURN(std::string s, Str(key, true, RecordLimits::kMaxScope));
    CREDMESH_RETURN_IF_ERROR(CheckScope(s, key));
    return s;
  }

  Status CheckScope(const std::string& s, const std::string& key) const {
    auto parsed = ParseScope(s);
    if (!parsed.ok()) return Bad("field \"" + key + "\": " + parsed.status().message());
    return Status::Ok();
  }

  Result<std::vector<std::string>> Scopes(const std::string& key) const {
    CREDMESH_ASSIGN_OR_RETURN(auto arr, Array(key, true, 1, kMaxScopes, false));
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (const auto& e : *arr) {
      if (!e.is_string()) return Confused(key, "an array of strings");
      if (e.as_string().size() > RecordLimits::kMaxScope) return Bad("a scope is too long");
      CREDMESH_RETURN_IF_ERROR(CheckScope(e.as_string(), key));
      if (!seen.insert(e.as_string()).second) {
        return Bad("scope \"" + e.as_string() + "\" is listed twice");
      }
      out.push_back(e.as_string());
    }
    return out;
  }

  Result<std::vector<Bytes>> Chain(const std::string& key) const {
    CREDMESH_ASSIGN_OR_RETURN(auto arr, Array(key, true, 1, kMaxChain, false));
    std::vector<Bytes> out;
    for (const auto& e : *arr) {
      if (!e.is_bytes()) return Confused(key, "an array of encoded records (bytes)");
      if (e.as_bytes().empty() || e.as_bytes().size() > RecordLimits::kMaxRecordSize) {
        return Bad("a certificate record must be 1.." +
                   std::to_string(RecordLimits::kMaxRecordSize) + " bytes");
      }
      out.push_back(e.as_bytes());
    }
    return out;
  }

  Result<std::vector<RecordId>> Ids(const std::string& key, bool required, size_t min,
                                    size_t max) const {
    CREDMESH_ASSIGN_OR_RETURN(auto arr, Array(key, required, min, max, true));
    std::vector<RecordId> out;
    if (!arr) return out;
    out.reserve(arr->size());
    for (const auto& e : *arr) {
      if (!e.is_bytes()) return Confused(key, "an array of 32-byte ids");
      auto id = RecordId::FromView(e.as_bytes());
      if (!id) return Bad("field \"" + key + "\": an id must be 32 bytes");
      out.push_back(*id);
    }
    return out;
  }

  Result<std::vector<int64_t>> Versions(const std::string& key, bool required) const {
    CREDMESH_ASSIGN_OR_RETURN(auto arr,
                              Array(key, required, required ? 1 : 0, kMaxVersions, false));
    std::vector<int64_t> out;
    if (!arr) return out;
    for (const auto& e : *arr) {
      CREDMESH_ASSIGN_OR_RETURN(int64_t v, IntValue(e, key, 1, kMaxVersion));
      if (std::find(out.begin(), out.end(), v) != out.end()) {
        return Bad("version " + std::to_string(v) + " is listed twice");
      }
      out.push_back(v);
    }
    return out;
  }

  Result<SessionLimits> Limits(const std::string& key) const {
    CREDMESH_ASSIGN_OR_RETURN(const Value* v, Get(key, true));
    if (!v->is_map()) return Confused(key, "a map");
    Fields l(v->as_map(), type_ + ".l");
    SessionLimits out;
    CREDMESH_ASSIGN_OR_RETURN(out.max_message_bytes, l.Int("mb", SessionLimits::kMinMessageBytes,
                                                           SessionLimits::kMaxMessageBytes));
    CREDMESH_ASSIGN_OR_RETURN(out.max_records, l.Int("mr", 1, SessionLimits::kMaxCount));
    CREDMESH_ASSIGN_OR_RETURN(out.max_ranges, l.Int("mg", 32, SessionLimits::kMaxCount));
    CREDMESH_ASSIGN_OR_RETURN(out.max_ids, l.Int("mi", 32, SessionLimits::kMaxCount));
    return out;
  }

 private:
  // The messages of docs/protocol.md's error handling, "<type>: <problem>".
  static DescribeProblem Describer(std::string type) {
    return [type = std::move(type)](const FieldProblem& p) {
      using K = FieldProblem::Kind;
      const std::string field = "field \"" + p.key + "\"";
      std::string what;
      switch (p.kind) {
        case K::kMissing:
          what = "missing required " + field;
          break;
        case K::kWrongType:
        case K::kNotAMap:
          what = "type confusion: " + field + " must be " + FieldTypeName(*p.expected);
          break;
        case K::kTooLong:
        case K::kTooShort:
          what = p.expected == FieldType::kString
                     ? field + " is longer than " + std::to_string(p.max) + " bytes"
                     : field + " must be " + std::to_string(p.min) + ".." + std::to_string(p.max) +
                           " bytes, got " + std::to_string(p.actual);
          break;
        case K::kOutOfRange:
          what = field + " = " + std::to_string(p.actual) + " is outside " + std::to_string(p.min) +
                 ".." + std::to_string(p.max);
          break;
        case K::kTooMany:
          what = field + " has " + std::to_string(p.actual) + " entries, at most " +
                 std::to_string(p.max) + " allowed";
          break;
        case K::kTooFew:
          what = field + " needs at least " + std::to_string(p.min) + " entries";
          break;
        default:
          what = field + " is invalid";
          break;
      }
      return Status::InvalidArgument(type + ": " + what);
    };
  }

  std::string type_;
  FieldReader fields_;
};

Result<Message> DecodeHello(const Fields& f) {
  Hello h;
  CREDMESH_ASSIGN_OR_RETURN(h.versions, f.Versions("v", true));
  CREDMESH_ASSIGN_OR_RETURN(h.chain, f.Chain("c"));
  CREDMESH_ASSIGN_OR_RETURN(h.scopes, f.Scopes("s"));
  CREDMESH_ASSIGN_OR_RETURN(h.limits, f.Limits("l"));
  CREDMESH_ASSIGN_OR_RETURN(h.agent, f.Str("a", false, kMaxAgent));
  return Message(std::move(h));
}

Result<Message> DecodeWelcome(const Fields& f) {
  Welcome w;
  CREDMESH_ASSIGN_OR_RETURN(w.version, f.Int("v", 1, kMaxVersion));
  CREDMESH_ASSIGN_OR_RETURN(w.scopes, f.Scopes("s"));
  CREDMESH_ASSIGN_OR_RETURN(w.limits, f.Limits("l"));
  CREDMESH_ASSIGN_OR_RETURN(w.chain, f.Chain("c"));
  CREDMESH_ASSIGN_OR_RETURN(Bytes id, f.Bin("i", SessionId::kSize, SessionId::kSize));
  w.session = *SessionId::FromView(id);
  return Message(std::move(w));
}

Result<Message> DecodeReconcile(const Fields& f, const SessionLimits& limits) {
  Reconcile r;
  CREDMESH_ASSIGN_OR_RETURN(r.scope, f.Scope("s"));
  CREDMESH_ASSIGN_OR_RETURN(r.payload,
                            f.Bin("p", 1, static_cast<size_t>(limits.max_message_bytes)));
  return Message(std::move(r));
}

Result<Message> DecodeRecords(const Fields& f, const SessionLimits& limits) {
  Records r;
  CREDMESH_ASSIGN_OR_RETURN(r.scope, f.Scope("s"));
  CREDMESH_ASSIGN_OR_RETURN(auto arr,
                            f.Array("r", true, 0, static_cast<size_t>(limits.max_records), true));
  r.records.reserve(arr->size());
  for (const auto& e : *arr) {
    if (!e.is_bytes()) return f.Confused("r", "an array of encoded records (bytes)");
    if (e.as_bytes().empty() || e.as_bytes().size() > RecordLimits::kMaxRecordSize) {
      return f.Bad("a record must be 1.." + std::to_string(RecordLimits::kMaxRecordSize) +
                   " bytes");
    }
    r.records.push_back(e.as_bytes());
  }
  CREDMESH_ASSIGN_OR_RETURN(r.missing, f.Ids("m", false, 0, static_cast<size_t>(limits.max_ids)));
  if (r.records.empty() && r.missing.empty()) return f.Bad("neither records nor missing ids");
  return Message(std::move(r));
}

Result<Message> DecodeWant(const Fields& f, const SessionLimits& limits) {
  Want w;
  CREDMESH_ASSIGN_OR_RETURN(w.scope, f.Scope("s"));
  CREDMESH_ASSIGN_OR_RETURN(w.ids, f.Ids("i", true, 1, static_cast<size_t>(limits.max_ids)));
  return Message(std::move(w));
}

Result<Message> DecodeError(const Fields& f) {
  Error e;
  CREDMESH_ASSIGN_OR_RETURN(e.code, f.Int("c", 400, 599));
  CREDMESH_ASSIGN_OR_RETURN(e.text, f.Str("m", false, kMaxText));
  CREDMESH_ASSIGN_OR_RETURN(e.scope, f.Str("s", false, RecordLimits::kMaxScope));
  CREDMESH_ASSIGN_OR_RETURN(e.versions, f.Versions("v", false));
  return Message(std::move(e));
}

// CHUNK frames carry nearly all of a file transfer's bytes. A frame that is
// exactly the canonical encoding of a CHUNK with data (as Chunk::Encode
// writes it) is decoded here with one copy of its bytes, instead of through
// the value tree (a copy into the value, one out, and a re-encoding to
// check canonical form). Anything else, valid or not, returns nullopt and
// takes the generic path, which accepts the same frames and explains the
// rest.
std::optional<Chunk> DecodeCanonicalChunk(ByteView frame) {
  static constexpr uint8_t kHead[] = {0x83, 0xa1, 'd'};
  static constexpr uint8_t kHashKey[] = {0xa1, 'h', 0xc4, Hash256::kSize};
  static constexpr uint8_t kTypeTail[] = {0xa1, 't', 0xa5, 'c', 'h', 'u', 'n', 'k'};
  constexpr size_t kTail = sizeof kHashKey + Hash256::kSize + sizeof kTypeTail;
  const uint8_t* p = frame.data();
  if (frame.size() < sizeof kHead + 2 + kTail || !std::equal(kHead, kHead + 3, p)) {
    return std::nullopt;
  }
  size_t len = 0, header = 0;
  switch (p[3]) {  // the bin header, which must be the shortest
    case 0xc4:
      len = p[4];
      header = 2;
      break;
    case 0xc5:
      len = (size_t{p[4]} << 8) | p[5];
      header = 3;
      if (len <= 0xff) return std::nullopt;
      break;
    case 0xc6:
      if (frame.size() < sizeof kHead + 5) return std::nullopt;
      len = (size_t{p[4]} << 24) | (size_t{p[5]} << 16) | (size_t{p[6]} << 8) | p[7];
      header = 5;
      if (len <= 0xffff) return std::nullopt;
      break;
    default:
      return std::nullopt;
  }
  if (len < 1 || len > kMaxChunkBytes || frame.size() != sizeof kHead + header + len + kTail) {
    return std::nullopt;
  }
  const uint8_t* data = p + sizeof kHead + header;
  const uint8_t* tail = data + len;
  if (!std::equal(kHashKey, kHashKey + sizeof kHashKey, tail) ||
      !std::equal(kTypeTail, kTypeTail + sizeof kTypeTail,
                  tail + sizeof kHashKey + Hash256::kSize)) {
    return std::nullopt;
  }
  Chunk c;
  std::copy(tail + sizeof kHashKey, tail + sizeof kHashKey + Hash256::kSize, c.hash.data.begin());
  c.data = Bytes(data, tail);
  return c;
}

}  // namespace

// ---- decoding -----------------------------------------------------------

Result<Message> DecodeMessage(ByteView frame, const SessionLimits& limits) {
  size_t max_bytes = static_cast<size_t>(limits.max_message_bytes);
  if (frame.size() <= max_bytes) {
    if (auto chunk = DecodeCanonicalChunk(frame)) return Message(std::move(*chunk));
  }
  size_t container = static_cast<size_t>(
      std::max<int64_t>({limits.max_records, limits.max_ids, int64_t{kMaxScopes}}));
  CREDMESH_ASSIGN_OR_RETURN(
      Value v, DecodeCanonicalValue(frame, max_bytes, ValueLimits{4, container}, "message"));
  if (!v.is_map()) return Status::InvalidArgument("message: type confusion: expected a map");
  const Value* t = v.Find("t");
  if (!t) return Status::InvalidArgument("message: missing required field \"t\"");
  if (!t->is_string())
    return Status::InvalidArgument("message: type confusion: \"t\" must be a string");
  const std::string& type = t->as_string();
  Fields f(v.as_map(), type);
  if (type == "hello") return DecodeHello(f);
  if (type == "welcome") return DecodeWelcome(f);
  if (type == "reconcile") return DecodeReconcile(f, limits);
  if (type == "records") return DecodeRecords(f, limits);
  if (type == "want") return DecodeWant(f, limits);
  if (type == "done") {
    CREDMESH_ASSIGN_OR_RETURN(std::string scope, f.Scope("s"));
    return Message(Done{std::move(scope)});
  }
  if (type == "ping" || type == "pong") {
    CREDMESH_ASSIGN_OR_RETURN(int64_t n, f.Int("n", 0, INT64_MAX));
    return type == "ping" ? Message(Ping{n}) : Message(Pong{n});
  }
  if (type == "error") return DecodeError(f);
  if (type == "get" || type == "chunk") {
    CREDMESH_ASSIGN_OR_RETURN(Bytes h, f.Bin("h", Hash256::kSize, Hash256::kSize));
    Hash256 hash = *Hash256::FromView(h);
    if (type == "get") return Message(Get{hash});
    CREDMESH_ASSIGN_OR_RETURN(const Value* d, f.Get("d", false));
    if (d == nullptr) return Message(Chunk{hash, std::nullopt});
    CREDMESH_ASSIGN_OR_RETURN(Bytes data, f.Bin("d", 1, kMaxChunkBytes));
    return Message(Chunk{hash, std::move(data)});
  }
  if (type == "fetched") return Message(Fetched{});
  if (type == "bye") {
    CREDMESH_ASSIGN_OR_RETURN(std::string text, f.Str("m", false, kMaxText));
    return Message(Bye{std::move(text)});
  }
  std::string shown = type.size() > 32 ? type.substr(0, 32) + "..." : type;
  return Status::InvalidArgument("message: unknown type \"" + shown + "\"");
}

}  // namespace credmesh::wire
