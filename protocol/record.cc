#include "protocol/record.h"

#include <algorithm>

#include "protocol/strict_unpack.h"

namespace credmesh {
namespace {

constexpr char kSigningDomain[] = "credmesh/record/v1";  // followed by a NUL byte

// msgpack-c packer target that appends to a Bytes vector.
struct BytesWriter {
  Bytes& out;
  void write(const char* data, size_t size) {
    out.insert(out.end(), reinterpret_cast<const uint8_t*>(data),
               reinterpret_cast<const uint8_t*>(data) + size);
  }
};

// Appends the canonical encoding of the record's fields as one array: the
// first seven, or all eight with the signature. Packs each field the way
// EncodeValue would pack it as a Value, without copying the body into a
// temporary array (verification encodes every received record).
void EncodeFields(const Record& r, bool with_signature, Bytes& out) {
  BytesWriter w{out};
  msgpack::packer<BytesWriter> pk(w);
  auto str = [&pk](const std::string& s) {
    pk.pack_str(static_cast<uint32_t>(s.size()));
    pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
  };
  auto bin = [&pk](ByteView b) {
    pk.pack_bin(static_cast<uint32_t>(b.size()));
    pk.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<uint32_t>(b.size()));
  };
  pk.pack_array(with_signature ? 8 : 7);
  pk.pack_int64(static_cast<int64_t>(r.version));
  str(r.kind);
  str(r.scope);
  str(r.entity);
  pk.pack_int64(static_cast<int64_t>(r.hlc));
  bin(r.author.view());
  EncodeValue(r.body, out);
  if (with_signature) bin(r.signature.view());
}

// The bytes of the bin 8 holding a 64-byte signature: 0xc4, 64, then the signature.
constexpr size_t kEncodedSignatureSize = 2 + Signature::kSize;

// SigningMessage(r) given EncodeRecord(r): the signed array is the encoded
// one without its last element, so only the array header (fixarray 7
// instead of 8) differs. REQUIRES: `encoded` is a canonical encoding.
Bytes SigningMessageFromEncoding(ByteView encoded) {
  Bytes out;
  out.reserve(sizeof kSigningDomain + encoded.size() - kEncodedSignatureSize);
  out.assign(kSigningDomain, kSigningDomain + sizeof kSigningDomain);  // includes the NUL
  out.push_back(0x97);
  out.insert(out.end(), encoded.begin() + 1, encoded.end() - kEncodedSignatureSize);
  return out;
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

Status CheckName(const std::string& s, size_t max, const char* field) {
  if (s.empty() || s.size() > max) {
    return Status::InvalidArgument(std::string(field) + " must be 1.." + std::to_string(max) +
                                   " bytes");
  }
  if (!std::all_of(s.begin(), s.end(), IsNameChar)) {
    return Status::InvalidArgument(std::string(field) + " \"" + s +
                                   "\" may contain only a-z 0-9 . _ -");
  }
  return Status::Ok();
}

}  // namespace

Result<ScopeName> ParseScope(const std::string& scope) {
  auto slash = scope.find('/');
  if (slash == std::string::npos)
    return Status::InvalidArgument("scope \"" + scope + "\" has no '/'");
  ScopeName out{scope.substr(0, slash), scope.substr(slash + 1)};
  if (out.kind != "district" && out.kind != "school" && out.kind != "public") {
    return Status::InvalidArgument("scope \"" + scope +
                                   "\": class must be district, school or public");
  }
  CREDMESH_RETURN_IF_ERROR(CheckName(out.name, RecordLimits::kMaxScope - 9, "scope name"));
  return out;
}

Status ValidateRecordFields(const Record& r) {
  if (r.version != Record::kFormatVersion) {
    return Status::InvalidArgument("unsupported record format version " +
                                   std::to_string(r.version));
  }
  CREDMESH_RETURN_IF_ERROR(CheckName(r.kind, RecordLimits::kMaxKind, "kind"));
  if (r.scope.size() > RecordLimits::kMaxScope) return Status::InvalidArgument("scope too long");
  auto scope = ParseScope(r.scope);
  if (!scope.ok()) return scope.status();
  if (r.entity.empty() || r.entity.size() > RecordLimits::kMaxEntity) {
    return Status::InvalidArgument("entity must be 1.." + std::to_string(RecordLimits::kMaxEntity) +
                                   " bytes");
  }
  for (char c : r.entity) {
    if (c < 0x21 || c > 0x7e) return Status::InvalidArgument("entity must be printable ASCII");
  }
  if (r.hlc > static_cast<uint64_t>(INT64_MAX))
    return Status::InvalidArgument("timestamp out of range");
  if (!r.body.is_map()) return Status::InvalidArgument("type confusion: body must be a map");
  return Status::Ok();
}

Bytes SigningMessage(const Record& r) {
  Bytes out(kSigningDomain, kSigningDomain + sizeof kSigningDomain);  // includes the NUL
  EncodeFields(r, false, out);
  return out;
}

Bytes EncodeRecord(const Record& r) {
  Bytes out;
  EncodeFields(r, true, out);
  return out;
}

Result<Record> DecodeRecord(ByteView data) {
  ValueLimits limits{RecordLimits::kMaxDepth + 1, RecordLimits::kMaxContainer};
  auto oh = StrictUnpack(data, RecordLimits::kMaxRecordSize, limits);
  if (!oh.ok()) return oh.status().WithContext("record");
  const msgpack::object& o = oh->get();
  if (o.type != msgpack::type::ARRAY) {
    return Status::InvalidArgument("record: type confusion: expected an array of 8 fields");
  }
  if (o.via.array.size != 8) {
    return Status::InvalidArgument("record: expected 8 fields, got " +
                                   std::to_string(o.via.array.size));
  }
  const msgpack::object* f = o.via.array.ptr;
  auto expect = [&](int i, msgpack::type::object_type t, const char* name) -> Status {
    if (f[i].type != t) {
      return Status::InvalidArgument(std::string("record: type confusion: field ") + name +
                                     " has the wrong type");
    }
    return Status::Ok();
  };
  CREDMESH_RETURN_IF_ERROR(expect(0, msgpack::type::POSITIVE_INTEGER, "version"));
  CREDMESH_RETURN_IF_ERROR(expect(1, msgpack::type::STR, "kind"));
  CREDMESH_RETURN_IF_ERROR(expect(2, msgpack::type::STR, "scope"));
  CREDMESH_RETURN_IF_ERROR(expect(3, msgpack::type::STR, "entity"));
  CREDMESH_RETURN_IF_ERROR(expect(4, msgpack::type::POSITIVE_INTEGER, "timestamp"));
  CREDMESH_RETURN_IF_ERROR(expect(5, msgpack::type::BIN, "author"));
  CREDMESH_RETURN_IF_ERROR(expect(6, msgpack::type::MAP, "body"));
  CREDMESH_RETURN_IF_ERROR(expect(7, msgpack::type::BIN, "signature"));
  Record r;
  r.version = f[0].via.u64;
  r.kind.assign(f[1].via.str.ptr, f[1].via.str.size);
  r.scope.assign(f[2].via.str.ptr, f[2].via.str.size);
  r.entity.assign(f[3].via.str.ptr, f[3].via.str.size);
  r.hlc = f[4].via.u64;
  auto author =
      PublicKey::FromView({reinterpret_cast<const uint8_t*>(f[5].via.bin.ptr), f[5].via.bin.size});
  if (!author) return Status::InvalidArgument("record: author key must be 32 bytes");
  r.author = *author;
  auto sig =
      Signature::FromView({reinterpret_cast<const uint8_t*>(f[7].via.bin.ptr), f[7].via.bin.size});
  if (!sig) return Status::InvalidArgument("record: signature must be 64 bytes");
  r.signature = *sig;
  auto body = ValueFromObject(f[6], limits, "record.body", 1);
  if (!body.ok()) return body.status();
  r.body = std::move(*body);
  CREDMESH_RETURN_IF_ERROR(ValidateRecordFields(r).WithContext("record"));
  Bytes again;
  again.reserve(data.size());
  EncodeFields(r, true, again);
  if (!std::equal(again.begin(), again.end(), data.begin(), data.end())) {
    return Status::InvalidArgument("record: non-canonical encoding (not the shortest form)");
  }
  return r;
}

void SignRecord(Record& r, const SigningKey& key) {
  r.author = key.public_key();
  r.signature = key.Sign(SigningMessage(r));
}

RecordId ComputeRecordId(ByteView encoded) { return Blake2b256(encoded); }

Result<VerifiedRecord> VerifiedRecord::Verify(Bytes encoded) {
  auto r = DecodeRecord(encoded);
  if (!r.ok()) return r.status();
  // DecodeRecord proved `encoded` == EncodeRecord(*r), so the signed bytes can
  // be cut from it instead of encoded a second time.
  if (!VerifySignature(r->author, SigningMessageFromEncoding(encoded), r->signature)) {
    return Status::Corruption("record: bad signature");
  }
  RecordId id = ComputeRecordId(encoded);
  return VerifiedRecord(std::move(*r), id, std::move(encoded));
}

Result<VerifiedRecord> VerifiedRecord::VerifyWithId(Bytes encoded, const RecordId& expected) {
  auto v = Verify(std::move(encoded));
  if (!v.ok()) return v;
  if (v->id() != expected) {
    return Status::Corruption("record: id mismatch (expected " + expected.hex() +
                              ", bytes hash to " + v->id().hex() + ")");
  }
  return v;
}

Result<VerifiedRecord> VerifiedRecord::Create(std::string kind, std::string scope,
                                              std::string entity, uint64_t hlc, Value body,
                                              const SigningKey& key) {
  Record r;
  r.kind = std::move(kind);
  r.scope = std::move(scope);
  r.entity = std::move(entity);
  r.hlc = hlc;
  r.body = std::move(body);
  CREDMESH_RETURN_IF_ERROR(ValidateRecordFields(r));
  SignRecord(r, key);
  Bytes bytes = EncodeRecord(r);
  if (bytes.size() > RecordLimits::kMaxRecordSize) {
    return Status::ResourceExhausted("record of " + std::to_string(bytes.size()) +
                                     " bytes exceeds the limit of " +
                                     std::to_string(RecordLimits::kMaxRecordSize));
  }
  return Verify(std::move(bytes));
}

}  // namespace credmesh
