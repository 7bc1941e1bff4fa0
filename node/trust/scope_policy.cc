#include "node/trust/scope_policy.h"

#include <algorithm>

namespace credmesh {
namespace {

struct Scope {
  std::string cls, name;
};

Scope Split(const std::string& s) {
  auto slash = s.find('/');
  if (slash == std::string::npos) return {};
  return {s.substr(0, slash), s.substr(slash + 1)};
}

bool Has(const std::vector<Role>& roles, Role r) {
  return std::find(roles.begin(), roles.end(), r) != roles.end();
}

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// True iff `scope` names a scope of `district` (school scopes belong to the
// district whose root certified the school).
bool InDistrict(const Scope& s, const std::string& district) {
  if (s.cls == "school") return !s.name.empty();
  return (s.cls == "district" || s.cls == "public") && s.name == district;
}

}  // namespace

std::string RoleName(Role role) {
  switch (role) {
    case Role::kEducator:
      return "educator";
    case Role::kReviewer:
      return "reviewer";
    case Role::kIssuer:
      return "issuer";
    case Role::kAdmin:
      return "admin";
    case Role::kSchoolNode:
      return "school";
    case Role::kHubNode:
      return "hub";
    case Role::kRoot:
      return "root";
  }
  return "?";
}

bool ParsePersonRole(const std::string& name, Role& out) {
  for (Role r : {Role::kEducator, Role::kReviewer, Role::kIssuer, Role::kAdmin}) {
    if (RoleName(r) == name) {
      out = r;
      return true;
    }
  }
  return false;
}

bool ScopeCovers(const std::string& granted, const std::string& scope,
                 const std::string& district) {
  if (granted == scope) return true;
  if (granted != "district/" + district) return false;
  Scope s = Split(scope);
  return InDistrict(s, district);
}

bool MayRead(const NodeCertInfo& node, const std::string& scope) {
  if (node.district.empty()) return false;
  Scope s = Split(scope);
  if (node.role == "hub") return InDistrict(s, node.district);
  if (node.role == "school") {
    if (s.cls == "school") return !node.school.empty() && s.name == node.school;
    return InDistrict(s, node.district);
  }
  return false;
}

bool IsTrustKind(const std::string& kind) {
  return StartsWith(kind, "trust.") || kind == "district.genesis";
}

bool MayWrite(const std::vector<Role>& roles, const std::string& kind, const std::string& scope,
              const std::string& district) {
  Scope s = Split(scope);
  if (!InDistrict(s, district)) return false;
  if (Has(roles, Role::kRoot)) return true;
  if (kind == "trust.node_cert" || kind == "district.genesis") return false;
  if (kind == "trust.grant" || kind == "trust.revoke") {
    // Per-grant checks (who may grant what) are MayGrant's.
    return s.cls == "district" && (Has(roles, Role::kAdmin) || Has(roles, Role::kSchoolNode));
  }
  const bool admin = Has(roles, Role::kAdmin);
  if (kind == "note") return !roles.empty();
  if (kind == "person.profile") {
    return admin || (s.cls == "school" && Has(roles, Role::kSchoolNode));
  }
  if (StartsWith(kind, "catalog."))
    return s.cls == "district" && (admin || Has(roles, Role::kIssuer));
  if (StartsWith(kind, "submission.")) return s.cls == "school" && Has(roles, Role::kEducator);
  if (StartsWith(kind, "review.")) return s.cls == "school" && Has(roles, Role::kReviewer);
  if (StartsWith(kind, "award.")) return s.cls == "public" && (admin || Has(roles, Role::kIssuer));
  // Evidence lives in school scopes; purging it is an admin's act (a privacy
  // request), by an admin of that school or of the district.
  if (kind == "evidence.purge") return s.cls == "school" && admin;
  return admin;
}

bool MayGrant(const std::vector<Role>& roles, Role granted, const std::string& target_scope) {
  if (Has(roles, Role::kRoot) || Has(roles, Role::kAdmin)) return true;
  if (Has(roles, Role::kSchoolNode)) {
    return Split(target_scope).cls == "school" &&
           (granted == Role::kEducator || granted == Role::kReviewer);
  }
  return false;
}

std::string RequiredRolesText(const std::string& kind) {
  if (kind == "note") return "any";
  if (kind == "person.profile") return "admin (or the person's own)";
  if (kind == "person.rekey") return "admin (or the old key's own)";
  if (StartsWith(kind, "catalog.") || StartsWith(kind, "award.")) return "issuer or admin";
  if (StartsWith(kind, "submission.")) return "educator";
  if (StartsWith(kind, "review.")) return "reviewer";
  if (kind == "evidence.purge") return "admin";
  if (kind == "trust.grant" || kind == "trust.revoke") return "admin";
  if (kind == "trust.node_cert" || kind == "district.genesis") return "root";
  return "admin";
}

}  // namespace credmesh
