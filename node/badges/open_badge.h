// open_badge.h: an award as an Open Badges 3.0 OpenBadgeCredential (1EdTech
// OB 3.0 on the W3C Verifiable Credentials Data Model 2.0), unsigned. The
// proof is added by vc_proof.h. Pure functions; see docs/badges.md for the
// field-by-field mapping.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "node/credentials/catalog_model.h"
#include "protocol/bytes.h"

namespace credmesh {

inline constexpr char kVcContextV2[] = "https://www.w3.org/ns/credentials/v2";
inline constexpr char kOb3Context[] = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
inline constexpr char kOb3SchemaUrl[] =
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";

// Everything an exported badge states about one award.
struct BadgeContent {
  std::string credential_id;        // urn:uuid:..., stable per award
  std::string issuer_id;            // the district's issuing key as did:key
  std::string issuer_name;          // the district's name
  std::string district;             // district id (slug), for achievement ids
  int64_t valid_from_ms = 0;        // when the award was issued
  CredentialDefinition definition;  // the awarded version
  std::map<std::string, std::string>
      levels;                        // rubric criterion id -> level id of the deciding review
  std::string subject_id;            // urn:uuid:..., stable per award
  std::optional<std::string> email;  // the educator's e-mail; published only hashed
  std::string salt;
  std::optional<nlohmann::json> status;  // credentialStatus entry (status_list.h)
};

nlohmann::json BuildOpenBadgeCredential(const BadgeContent& content);

// One part an issued stack rests on, as its badge names it.
struct StackBadgePart {
  std::string title;           // the part's awarded title (frozen in its award)
  std::string definition;      // definition id
  int64_t version = 0;         // awarded version
  std::string achievement_id;  // DefinitionAchievementId of the part
  std::string credential_id;   // the id of the part's own badge (urn:uuid)
};

// Everything an exported badge states about one issued stack (award.stack).
struct StackBadgeContent {
  std::string credential_id;  // urn:uuid:..., stable per stack award
  std::string issuer_id;
  std::string issuer_name;  // the district's name frozen in the stack award
  std::string district;
  int64_t valid_from_ms = 0;  // when the stack was issued
  Stack stack;                // the cited stack version (entries, completion rule)
  std::string title;          // frozen title and description
  std::string description;
  std::vector<StackBadgePart> parts;
  std::string subject_id;
  std::optional<std::string> email;
  std::string salt;
  std::optional<nlohmann::json> status;
};

// The OpenBadgeCredential of an issued stack: its achievement is the stack's
// (StackAchievement, achievementType "Certificate", the frozen name and
// description) with one `alignment` per part (targetType
// "ceterms:Credential", targetUrl the part's achievement id, targetCode
// "<definition>:v<version>"), and one `evidence` entry per part whose id is
// the part's own badge id. No `result`: a stack has no rubric.
nlohmann::json BuildStackBadgeCredential(const StackBadgeContent& content);

// "urn:credmesh:<d>:definition:<id>:v<version>": a definition version's
// achievement id, in every badge that awards it.
std::string DefinitionAchievementId(const std::string& district, const std::string& id,
                                    int64_t version);
// The Achievement of a stack (achievementType "Certificate"): id
// "urn:credmesh:<d>:stack:<id>:v<version>", name, description and a criteria
// narrative naming the completion rule and the definitions it counts.
nlohmann::json StackAchievement(const std::string& district, const Stack& stack);
// Whether an award of (definition, version) satisfies the stack entry.
bool StackEntryMatches(const StackEntry& entry, const std::string& definition, int64_t version);

// "sha256$" + hex(SHA-256(normalized e-mail + salt)); the e-mail is trimmed
// and lower-cased first so that the holder can reproduce the hash.
std::string HashedEmail(const std::string& email, const std::string& salt);
// The subject's `identifier` array: one hashed emailAddress IdentityObject
// (OB 3.0 and CLR 2.0 identify the holder the same way).
nlohmann::json HashedEmailIdentifier(const std::string& email, const std::string& salt);

// "urn:uuid:" + a UUID (RFC 9562 version 8, name-based) derived from `tag`
// and `seed`: the same inputs always give the same id.
std::string DerivedUuidUrn(std::string_view tag, ByteView seed);

}  // namespace credmesh
