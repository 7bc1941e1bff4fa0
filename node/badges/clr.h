// clr.h: an educator's portfolio as a 1EdTech Comprehensive Learner Record
// 2.0 ClrCredential (a W3C VC 2.0 credential), unsigned: its subject holds
// the educator's signed OB 3.0 credentials, every achievement they name, and
// the stacks as associations (a stack's achievement isParentOf each part's).
// Pure function; the proof is added by vc_proof.h. See docs/badges.md.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace credmesh {

inline constexpr char kClrContext[] = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json";
inline constexpr char kClrSchemaUrl[] =
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json";

// CLR 2.0 Association: `source` and `target` are achievement ids.
struct ClrAssociation {
  std::string type;  // e.g. "isParentOf"
  std::string source;
  std::string target;
};

struct ClrContent {
  std::string credential_id;         // urn:uuid:...
  std::string issuer_id;             // did:key of the signer
  std::string issuer_name;           // the district's name
  std::string name;                  // the record's name
  int64_t valid_from_ms = 0;         // when it was assembled
  std::string subject_id;            // urn:uuid:..., stable per educator
  std::optional<std::string> email;  // published only hashed (HashedEmail)
  std::string salt;
  std::vector<nlohmann::json> credentials;   // signed OB 3.0 credentials, at least one
  std::vector<nlohmann::json> achievements;  // achievements not carried by a credential
  std::vector<ClrAssociation> associations;
};

// The ClrCredential. Its credentialSubject.achievement lists the achievement
// of every embedded credential, then `achievements`, each id once.
nlohmann::json BuildClrCredential(const ClrContent& content);

}  // namespace credmesh
