// scope_policy.h: the one place that answers "may node N read scope S" and
// "may a key holding roles R write kind K in scope S" (docs/trust.md, "The policy"; docs/design.md
// §2). Pure functions: no storage, no clock. The trust authorizer (who holds which role when) and
// the sync layer (what a peer gets) both call these.
#pragma once

#include <string>
#include <vector>

namespace credmesh {

// Roles a key can hold. People hold educator..admin through trust.grant
// records; node keys hold school/hub through trust.node_cert records; the
// district root key holds kRoot implicitly.
enum class Role { kEducator, kReviewer, kIssuer, kAdmin, kSchoolNode, kHubNode, kRoot };

// "educator", "reviewer", "issuer", "admin", "school", "hub", "root".
std::string RoleName(Role role);
// Person roles only (educator|reviewer|issuer|admin); false otherwise.
bool ParsePersonRole(const std::string& name, Role& out);

// What a node's certificate says about it. An unenrolled node has an empty
// role and may read nothing from peers.
struct NodeCertInfo {
  std::string role;      // "hub", "school" or "" (unenrolled)
  std::string district;  // district id
  std::string school;    // school id (school nodes)
};

// True iff a grant or certificate scoped to `granted` covers records in
// `scope`: equal scopes, or `granted` = district/<d> covering school/*,
// public/<d>. Both are full scope strings ("school/pine").
bool ScopeCovers(const std::string& granted, const std::string& scope, const std::string& district);

// Hub: every scope of its district; school s: district/<d>, public/<d> and
// school/<s>; unenrolled: nothing.
bool MayRead(const NodeCertInfo& node, const std::string& scope);

// True iff a key holding `roles` — each already known to be in effect at the
// record's timestamp and to cover `scope` — may write a record of `kind` in
// `scope` of `district`. The district root may write anything in its
// district. trust.grant/trust.revoke use MayGrant; trust.node_cert and
// district.genesis are root only. Kinds without a policy are admin only.
bool MayWrite(const std::vector<Role>& roles, const std::string& kind, const std::string& scope,
              const std::string& district);

// True iff a key holding `roles` (in effect, covering `target_scope`) may
// grant — or revoke — `granted` in `target_scope`: root and admin anything;
// a school node educator/reviewer in its own school only.
bool MayGrant(const std::vector<Role>& roles, Role granted, const std::string& target_scope);

// Human text of the roles that may write `kind` ("reviewer", "issuer or
// admin"), for refusal messages.
std::string RequiredRolesText(const std::string& kind);

// True for kinds handled by the trust engine itself (trust.*, district.genesis).
bool IsTrustKind(const std::string& kind);

}  // namespace credmesh
