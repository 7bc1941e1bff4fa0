#include "node/trust/trust_records.h"

#include <cctype>

#include "node/trust/person_names.h"
#include "protocol/field_reader.h"
#include "protocol/hlc.h"

namespace credmesh {
namespace {

// The fields of a trust record body (protocol/field_reader.h, open key
// policy). A body that is not a map reads as one without fields, so its
// error names the first field the parser needs.
FieldReader Fields(const Value& body, DescribeProblem describe) {
  static const Value::Map kNoFields;
  return FieldReader(body.is_map() ? body.as_map() : kNoFields, std::move(describe));
}
// A Describe giving `problem` whatever the problem.
DescribeProblem Always(Status problem) {
  return [problem = std::move(problem)](const FieldProblem&) { return problem; };
}

Result<PublicKey> KeyField(const Value& body, const char* field) {
  Status bad = Status::InvalidArgument(std::string(field) + " must be 64 hex digits");
  CREDMESH_ASSIGN_OR_RETURN(std::string hex, Fields(body, Always(bad)).String(field, 64));
  auto key = PublicKey::FromHex(hex);
  if (!key) return bad;
  return *key;
}

Result<std::string> StringField(const Value& body, const char* field, bool required = true) {
  FieldReader fields = Fields(body, [field](const FieldProblem& p) {
    return Status::InvalidArgument(std::string(field) + (p.kind == FieldProblem::Kind::kEmpty
                                                             ? " is empty"
                                                             : " must be a string"));
  });
  if (required) return fields.String(field, SIZE_MAX, /*allow_empty=*/false);
  CREDMESH_ASSIGN_OR_RETURN(auto s, fields.OptString(field, SIZE_MAX));
  return s.value_or("");
}

Status Period(const Value& body, int64_t& nb, int64_t& na) {
  FieldReader f = Fields(
      body, Always(Status::InvalidArgument("not_before and not_after must be integers (Unix ms)")));
  CREDMESH_ASSIGN_OR_RETURN(nb, f.Int("not_before", INT64_MIN, INT64_MAX));
  CREDMESH_ASSIGN_OR_RETURN(na, f.Int("not_after", INT64_MIN, INT64_MAX));
  if (na <= nb) return Status::InvalidArgument("not_after must be later than not_before");
  return Status::Ok();
}

}  // namespace

Value GenesisBody::ToValue() const {
  return Value::Map{{"name", name}, {"district", district}, {"root", root.hex()}};
}

Result<GenesisBody> GenesisBody::Parse(const Value& body) {
  GenesisBody g;
  CREDMESH_ASSIGN_OR_RETURN(g.name, StringField(body, "name"));
  CREDMESH_ASSIGN_OR_RETURN(g.district, StringField(body, "district"));
  CREDMESH_ASSIGN_OR_RETURN(g.root, KeyField(body, "root"));
  return g;
}

Value NodeCertBody::ToValue() const {
  return Value::Map{
      {"node_key", node_key.hex()},  {"role", RoleName(role)},   {"school", school}, {"name", name},
      {"not_before", not_before_ms}, {"not_after", not_after_ms}};
}

Result<NodeCertBody> NodeCertBody::Parse(const Value& body) {
  NodeCertBody c;
  CREDMESH_ASSIGN_OR_RETURN(c.node_key, KeyField(body, "node_key"));
  std::string role = body.GetString("role");
  if (role == "school")
    c.role = Role::kSchoolNode;
  else if (role == "hub")
    c.role = Role::kHubNode;
  else
    return Status::InvalidArgument("node certificate role must be school or hub");
  CREDMESH_ASSIGN_OR_RETURN(c.school, StringField(body, "school", c.role == Role::kSchoolNode));
  CREDMESH_ASSIGN_OR_RETURN(c.name, StringField(body, "name", false));
  CREDMESH_RETURN_IF_ERROR(Period(body, c.not_before_ms, c.not_after_ms));
  return c;
}

std::string NodeCertBody::Scope(const std::string& district) const {
  return role == Role::kHubNode ? "district/" + district : "school/" + school;
}

Value GrantBody::ToValue() const {
  return Value::Map{{"subject", subject.hex()},    {"role", RoleName(role)},    {"scope", scope},
                    {"not_before", not_before_ms}, {"not_after", not_after_ms}, {"name", name}};
}

Result<GrantBody> GrantBody::Parse(const Value& body) {
  GrantBody g;
  CREDMESH_ASSIGN_OR_RETURN(g.subject, KeyField(body, "subject"));
  if (!ParsePersonRole(body.GetString("role"), g.role)) {
    return Status::InvalidArgument("grant role must be educator, reviewer, issuer or admin");
  }
  CREDMESH_ASSIGN_OR_RETURN(g.scope, StringField(body, "scope"));
  CREDMESH_ASSIGN_OR_RETURN(g.name, StringField(body, "name", false));
  if (!g.name.empty()) {
    if (Status s = ValidatePersonName(g.name); !s.ok()) return s.WithContext("name");
  }
  CREDMESH_RETURN_IF_ERROR(Period(body, g.not_before_ms, g.not_after_ms));
  return g;
}

Value RevokeBody::ToValue() const {
  return Value::Map{{"target", target.hex()}, {"reason", reason}};
}

Result<RevokeBody> RevokeBody::Parse(const Value& body) {
  RevokeBody r;
  auto id = RecordId::FromHex(body.GetString("target"));
  if (!id) return Status::InvalidArgument("target must be a record id (64 hex digits)");
  r.target = *id;
  r.reason = body.GetString("reason");
  return r;
}

bool TrustFact::InEffectAt(uint64_t hlc) const {
  const int64_t ms = HybridClock::Millis(hlc);
  return issued_hlc < hlc && not_before_ms <= ms && ms < not_after_ms && hlc < revoked_hlc;
}

std::string ShortKey(const PublicKey& key) { return key.hex().substr(0, 16); }

std::string Slugify(const std::string& name) {
  std::string out;
  bool dash = false;
  for (unsigned char c : name) {
    if (std::isalnum(c) && c < 0x80) {
      if (dash && !out.empty()) out += '-';
      dash = false;
      out += static_cast<char>(std::tolower(c));
    } else {
      dash = true;
    }
  }
  return out;
}

}  // namespace credmesh
