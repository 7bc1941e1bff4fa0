// trust_records.h: the bodies of the trust record kinds and the facts they
// establish. Record layouts (all in scope district/<d>, keys as lower-case hex):
//   district.genesis  {name, district, root}
//   trust.node_cert   {node_key, role: school|hub, school, name, not_before, not_after}
//   trust.grant       {subject, role: educator|reviewer|issuer|admin, scope,
//                      not_before, not_after, name}
//   trust.revoke      {target: record id hex, reason}
//   person.profile    {key, name, email} (scope school/<s> or district/<d>)
// not_before/not_after are Unix milliseconds; a fact is in effect on
// [not_before, not_after). See docs/trust.md.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "node/trust/scope_policy.h"
#include "protocol/bytes.h"
#include "protocol/status.h"
#include "protocol/time_format.h"  // FormatHlcUtc, for messages about trust records
#include "protocol/value.h"

namespace credmesh {

inline constexpr char kGenesisKind[] = "district.genesis";
inline constexpr char kNodeCertKind[] = "trust.node_cert";
inline constexpr char kGrantKind[] = "trust.grant";
inline constexpr char kRevokeKind[] = "trust.revoke";
inline constexpr char kProfileKind[] = "person.profile";

struct GenesisBody {
  std::string name, district;
  PublicKey root;
  Value ToValue() const;
  static Result<GenesisBody> Parse(const Value& body);
};

struct NodeCertBody {
  PublicKey node_key;
  Role role = Role::kSchoolNode;  // kSchoolNode or kHubNode
  std::string school;             // school id; empty for a hub
  std::string name;
  int64_t not_before_ms = 0, not_after_ms = 0;
  Value ToValue() const;
  static Result<NodeCertBody> Parse(const Value& body);
  // school/<s> for a school, district/<d> for a hub.
  std::string Scope(const std::string& district) const;
};

struct GrantBody {
  PublicKey subject;
  Role role = Role::kEducator;
  std::string scope;
  int64_t not_before_ms = 0, not_after_ms = 0;
  std::string name;
  Value ToValue() const;
  static Result<GrantBody> Parse(const Value& body);
};

struct RevokeBody {
  RecordId target;
  std::string reason;
  Value ToValue() const;
  static Result<RevokeBody> Parse(const Value& body);
};

// A valid grant or node certificate and when it is in effect.
struct TrustFact {
  static constexpr uint64_t kNever = std::numeric_limits<int64_t>::max();
  RecordId id;        // the grant or certificate record
  PublicKey subject;  // the key it empowers
  Role role = Role::kEducator;
  std::string scope;        // the scope it covers
  uint64_t issued_hlc = 0;  // the record's timestamp
  int64_t not_before_ms = 0, not_after_ms = 0;
  uint64_t revoked_hlc = kNever;  // timestamp of the earliest valid revocation
  std::string name;

  // Issued before `hlc`, inside its validity period, and not yet revoked.
  bool InEffectAt(uint64_t hlc) const;
  bool operator==(const TrustFact&) const = default;
};

// First 16 hex digits of a key, for messages.
std::string ShortKey(const PublicKey& key);
// "Valley USD" -> "valley-usd": lower-case ASCII letters and digits, runs of
// anything else become one '-', trimmed. Empty if nothing is left.
std::string Slugify(const std::string& name);

}  // namespace credmesh
