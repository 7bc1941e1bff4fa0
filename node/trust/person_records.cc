#include "node/trust/person_records.h"

#include "node/trust/person_names.h"
#include "node/trust/trust_records.h"
#include "protocol/field_reader.h"

namespace credmesh {
namespace {

constexpr char kConsentDomain[] = "credmesh/person-rekey/v1";

// Reads the fields of a person record body; problems name the field.
FieldReader PersonFields(const Value& body) {
  static const Value::Map kNone;
  return FieldReader(body.is_map() ? body.as_map() : kNone, [](const FieldProblem& p) {
    switch (p.kind) {
      case FieldProblem::Kind::kMissing:
        return Status::InvalidArgument(p.key + " is missing");
      case FieldProblem::Kind::kEmpty:
        return Status::InvalidArgument(p.key + " is empty");
      case FieldProblem::Kind::kTooLong:
        return Status::InvalidArgument(p.key + " is longer than " + std::to_string(p.max) +
                                       " bytes");
      default:
        return Status::InvalidArgument(p.key + " must be a string");
    }
  });
}

Result<PublicKey> PersonKeyField(const FieldReader& f, const char* field) {
  CREDMESH_ASSIGN_OR_RETURN(std::string hex, f.String(field, 64, false));
  auto key = PublicKey::FromHex(hex);
  if (!key || key->hex() != hex) {
    return Status::InvalidArgument(std::string(field) + " must be 64 lower-case hex digits");
  }
  return *key;
}

}  // namespace

Value ProfileBody::ToValue() const {
  return Value::Map{{"key", key.hex()}, {"name", name}, {"email", email}};
}

Result<ProfileBody> ProfileBody::Parse(const Value& body) {
  FieldReader f = PersonFields(body);
  ProfileBody p;
  CREDMESH_ASSIGN_OR_RETURN(p.key, PersonKeyField(f, "key"));
  CREDMESH_ASSIGN_OR_RETURN(p.name, f.String("name", SIZE_MAX));
  if (Status s = ValidatePersonName(p.name); !s.ok()) return s.WithContext("name");
  CREDMESH_ASSIGN_OR_RETURN(auto email, f.OptString("email", SIZE_MAX));
  p.email = email.value_or("");
  if (!p.email.empty()) CREDMESH_RETURN_IF_ERROR(ValidateEmail(p.email));
  return p;
}

Bytes RekeyConsentMessage(const PublicKey& old_key, const PublicKey& new_key) {
  Bytes m(kConsentDomain, kConsentDomain + sizeof kConsentDomain);  // with its NUL
  m.insert(m.end(), old_key.data.begin(), old_key.data.end());
  m.insert(m.end(), new_key.data.begin(), new_key.data.end());
  return m;
}

Value RekeyBody::ToValue() const {
  return Value::Map{{"old", old_key.hex()},
                    {"new", new_key.hex()},
                    {"reason", reason},
                    {"consent", consent.hex()}};
}

Result<RekeyBody> RekeyBody::Parse(const Value& body) {
  FieldReader f = PersonFields(body);
  RekeyBody r;
  CREDMESH_ASSIGN_OR_RETURN(r.old_key, PersonKeyField(f, "old"));
  CREDMESH_ASSIGN_OR_RETURN(r.new_key, PersonKeyField(f, "new"));
  if (r.old_key == r.new_key) return Status::InvalidArgument("old and new are the same key");
  CREDMESH_ASSIGN_OR_RETURN(auto reason, f.OptString("reason", kMaxRekeyReason));
  r.reason = reason.value_or("");
  CREDMESH_ASSIGN_OR_RETURN(std::string consent, f.String("consent", 128, false));
  auto sig = Signature::FromHex(consent);
  if (!sig) return Status::InvalidArgument("consent must be 128 hex digits (a signature)");
  r.consent = *sig;
  if (!VerifySignature(r.new_key, RekeyConsentMessage(r.old_key, r.new_key), r.consent)) {
    return Status::InvalidArgument("consent is not the new key's signature of the move");
  }
  return r;
}

RekeyBody RekeyBody::Make(const PublicKey& old_key, const SigningKey& new_key, std::string reason) {
  RekeyBody r;
  r.old_key = old_key;
  r.new_key = new_key.public_key();
  r.reason = std::move(reason);
  r.consent = new_key.Sign(RekeyConsentMessage(old_key, r.new_key));
  return r;
}

std::string PersonEntity(const PublicKey& key) { return "person/" + key.hex(); }

std::string PersonRecordProblem(const Record& r) {
  if (r.kind == kProfileKind) {
    auto p = ProfileBody::Parse(r.body);
    if (!p.ok()) return "malformed person.profile: " + p.status().message();
    if (r.entity != PersonEntity(p->key)) {
      return "malformed person.profile: key " + ShortKey(p->key) + " is not the key of entity " +
             r.entity;
    }
  } else if (r.kind == kRekeyKind) {
    auto m = RekeyBody::Parse(r.body);
    if (!m.ok()) return "malformed person.rekey: " + m.status().message();
    if (r.entity != PersonEntity(m->old_key)) {
      return "malformed person.rekey: old key " + ShortKey(m->old_key) +
             " is not the key of entity " + r.entity;
    }
  }
  return "";
}

}  // namespace credmesh
