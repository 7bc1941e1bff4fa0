#include "node/badges/clr.h"

#include <set>

#include "node/badges/open_badge.h"
#include "node/badges/vc_proof.h"

namespace credmesh {

nlohmann::json BuildClrCredential(const ClrContent& c) {
  auto achievements = nlohmann::json::array();
  std::set<std::string> seen;
  auto add_achievement = [&](const nlohmann::json& a) {
    if (!a.is_object() || !a.contains("id") || !a["id"].is_string()) return;
    if (seen.insert(a["id"].get<std::string>()).second) achievements.push_back(a);
  };
  for (const auto& cred : c.credentials) {
    if (cred.contains("credentialSubject") && cred["credentialSubject"].is_object() &&
        cred["credentialSubject"].contains("achievement"))
      add_achievement(cred["credentialSubject"]["achievement"]);
  }
  for (const auto& a : c.achievements) add_achievement(a);

  auto associations = nlohmann::json::array();
  for (const auto& as : c.associations) {
    associations.push_back({{"type", "Association"},
                            {"associationType", as.type},
                            {"sourceId", as.source},
                            {"targetId", as.target}});
  }

  nlohmann::json subject = {{"id", c.subject_id},
                            {"type", {"ClrSubject"}},
                            {"verifiableCredential", c.credentials},
                            {"achievement", std::move(achievements)}};
  if (!associations.empty()) subject["association"] = std::move(associations);
  if (c.email) {
    subject["identifier"] = HashedEmailIdentifier(*c.email, c.salt);
  }
  return {
      {"@context", {kVcContextV2, kClrContext, kOb3Context}},
      {"id", c.credential_id},
      {"type", {"VerifiableCredential", "ClrCredential"}},
      {"issuer", {{"id", c.issuer_id}, {"type", {"Profile"}}, {"name", c.issuer_name}}},
      {"validFrom", FormatDateTime(c.valid_from_ms)},
      {"name", c.name},
      {"credentialSubject", std::move(subject)},
      {"credentialSchema", {{{"id", kClrSchemaUrl}, {"type", "1EdTechJsonSchemaValidator2019"}}}}};
}

}  // namespace credmesh
