#include "node/badges/open_badge.h"

#include <algorithm>
#include <cctype>

#include "node/badges/vc_proof.h"
#include "protocol/crypto.h"

namespace credmesh {
namespace {

std::string AchievementId(const BadgeContent& c) {
  return DefinitionAchievementId(c.district, c.definition.id, c.definition.version);
}

// The criteria narrative (Markdown): competency, method, what must be
// submitted and how it is judged.
std::string CriteriaNarrative(const CredentialDefinition& d) {
  std::string out = "**Competency.** " + d.competency + "\n\n";
  if (!d.key_method.empty()) out += "**Key method.** " + d.key_method + "\n\n";
  out += "**Required evidence.**\n";
  for (const auto& s : d.submission_requirements) {
    out += "- " + s.title + ": " + s.what_counts +
           (s.proof_of_student_outcome_required ? " (must show student outcomes)" : "") + "\n";
  }
  out += "\n**Rubric.** Reviewers rate each criterion (";
  for (size_t i = 0; i < d.rubric.levels.size(); ++i) {
    out += (i ? ", " : "") + d.rubric.levels[i].title + " = " +
           std::to_string(d.rubric.levels[i].score);
  }
  out += "):\n";
  for (const auto& c : d.rubric.criteria) out += "- " + c.title + "\n";
  const PassingRule& p = d.rubric.passing_rule;
  out += "\n**To pass:**";
  if (p.min_level_score_each)
    out += " every criterion scores at least " + std::to_string(*p.min_level_score_each) + ";";
  if (p.min_total) out += " the total is at least " + std::to_string(*p.min_total) + ";";
  for (const auto& [c, n] : p.min_level_score_for)
    out += " " + c + " scores at least " + std::to_string(n) + ";";
  if (p.min_count_at_or_above) {
    out += " at least " + std::to_string(p.min_count_at_or_above->count) + " criteria score " +
           std::to_string(p.min_count_at_or_above->score) + " or more;";
  }
  if (out.back() == ';') out.back() = '.';
  return out;
}

}  // namespace

std::string DefinitionAchievementId(const std::string& district, const std::string& id,
                                    int64_t version) {
  return "urn:credmesh:" + district + ":definition:" + id + ":v" + std::to_string(version);
}

bool StackEntryMatches(const StackEntry& entry, const std::string& definition, int64_t version) {
  return entry.definition_id == definition && (!entry.version || *entry.version == version);
}

namespace {

// The OpenBadgeCredential around a subject and its evidence: the same for an
// award's badge and a stack's. `Content` is BadgeContent or StackBadgeContent.
template <typename Content>
nlohmann::json CredentialEnvelope(const Content& c, const std::string& name, nlohmann::json subject,
                                  nlohmann::json evidence) {
  nlohmann::json cred = {
      {"@context", {kVcContextV2, kOb3Context}},
      {"id", c.credential_id},
      {"type", {"VerifiableCredential", "OpenBadgeCredential"}},
      {"issuer", {{"id", c.issuer_id}, {"type", {"Profile"}}, {"name", c.issuer_name}}},
      {"validFrom", FormatDateTime(c.valid_from_ms)},
      {"name", name},
      {"credentialSubject", std::move(subject)},
      {"evidence", std::move(evidence)},
      {"credentialSchema", {{{"id", kOb3SchemaUrl}, {"type", "1EdTechJsonSchemaValidator2019"}}}}};
  if (c.status) cred["credentialStatus"] = *c.status;
  return cred;
}

}  // namespace

nlohmann::json StackAchievement(const std::string& district, const Stack& s) {
  std::string narrative = s.completion_rule.kind == CompletionRule::Kind::kAll
                              ? "Awarded for earning all of these micro-credentials:\n"
                              : "Awarded for earning at least " +
                                    std::to_string(s.completion_rule.count) + " of these " +
                                    std::to_string(s.definitions.size()) + " micro-credentials:\n";
  for (const auto& e : s.definitions) {
    narrative += "- " + e.definition_id +
                 (e.version ? " (version " + std::to_string(*e.version) + " only)" : "") + "\n";
  }
  return {{"id", "urn:credmesh:" + district + ":stack:" + s.id + ":v" + std::to_string(s.version)},
          {"type", {"Achievement"}},
          {"achievementType", "Certificate"},
          {"name", s.title},
          {"description", s.description},
          {"criteria", {{"narrative", narrative}}},
          {"version", std::to_string(s.version)}};
}

nlohmann::json BuildStackBadgeCredential(const StackBadgeContent& c) {
  nlohmann::json achievement = StackAchievement(c.district, c.stack);
  achievement["name"] = c.title;
  achievement["description"] = c.description.empty() ? c.title : c.description;
  auto alignment = nlohmann::json::array();
  auto evidence = nlohmann::json::array();
  for (const StackBadgePart& p : c.parts) {
    const std::string code = p.definition + ":v" + std::to_string(p.version);
    alignment.push_back({{"type", {"Alignment"}},
                         {"targetType", "ceterms:Credential"},
                         {"targetName", p.title},
                         {"targetUrl", p.achievement_id},
                         {"targetCode", code},
                         {"targetDescription",
                          "A micro-credential this stack rests on; its "
                          "own badge is " +
                              p.credential_id}});
    evidence.push_back({{"id", p.credential_id},
                        {"type", {"Evidence"}},
                        {"name", p.title},
                        {"narrative", "Earned " + p.title + " (" + code +
                                          "), a part of this stack, with its own badge."}});
  }
  achievement["alignment"] = std::move(alignment);

  nlohmann::json subject = {{"id", c.subject_id},
                            {"type", {"AchievementSubject"}},
                            {"achievement", std::move(achievement)}};
  if (c.email) subject["identifier"] = HashedEmailIdentifier(*c.email, c.salt);
  return CredentialEnvelope(c, c.title, std::move(subject), std::move(evidence));
}

std::string HashedEmail(const std::string& email, const std::string& salt) {
  std::string e = email;
  e.erase(0, e.find_first_not_of(" \t\r\n"));
  e.erase(e.find_last_not_of(" \t\r\n") + 1);
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return "sha256$" + Sha256(AsBytes(e + salt)).hex();
}

nlohmann::json HashedEmailIdentifier(const std::string& email, const std::string& salt) {
  return {{{"type", "IdentityObject"},
           {"identityHash", HashedEmail(email, salt)},
           {"identityType", "emailAddress"},
           {"hashed", true},
           {"salt", salt}}};
}

std::string DerivedUuidUrn(std::string_view tag, ByteView seed) {
  std::string input(tag);
  input.push_back('\0');
  input.append(reinterpret_cast<const char*>(seed.data()), seed.size());
  auto h = Sha256(AsBytes(input));
  h.data[6] = static_cast<uint8_t>((h.data[6] & 0x0f) | 0x80);  // version 8
  h.data[8] = static_cast<uint8_t>((h.data[8] & 0x3f) | 0x80);  // RFC 9562 variant
  std::string hex = ToHex(ByteView(h.data.data(), 16));
  return "urn:uuid:" + hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

nlohmann::json BuildOpenBadgeCredential(const BadgeContent& c) {
  const CredentialDefinition& d = c.definition;
  const std::string achievement_id = AchievementId(c);

  auto result_descriptions = nlohmann::json::array();
  auto results = nlohmann::json::array();
  for (const auto& crit : d.rubric.criteria) {
    const std::string rd_id = achievement_id + ":criterion:" + crit.id;
    auto levels = nlohmann::json::array();
    for (const auto& lvl : d.rubric.levels) {
      nlohmann::json l = {{"id", rd_id + ":level:" + lvl.id},
                          {"type", {"RubricCriterionLevel"}},
                          {"name", lvl.title},
                          {"points", std::to_string(lvl.score)}};
      if (auto it = crit.descriptors.find(lvl.id); it != crit.descriptors.end())
        l["description"] = it->second;
      levels.push_back(std::move(l));
    }
    result_descriptions.push_back({{"id", rd_id},
                                   {"type", {"ResultDescription"}},
                                   {"name", crit.title},
                                   {"resultType", "RubricCriterionLevel"},
                                   {"rubricCriterionLevel", std::move(levels)}});
    if (auto it = c.levels.find(crit.id); it != c.levels.end()) {
      results.push_back({{"type", {"Result"}},
                         {"resultDescription", rd_id},
                         {"achievedLevel", rd_id + ":level:" + it->second}});
    }
  }

  nlohmann::json achievement = {{"id", achievement_id},
                                {"type", {"Achievement"}},
                                {"achievementType", "MicroCredential"},
                                {"name", d.title},
                                {"description", d.competency},
                                {"criteria", {{"narrative", CriteriaNarrative(d)}}},
                                {"version", std::to_string(d.version)},
                                {"resultDescription", std::move(result_descriptions)}};
  if (!d.issuer.name.empty()) {
    nlohmann::json creator = {
        {"id", achievement_id + ":creator"}, {"type", {"Profile"}}, {"name", d.issuer.name}};
    if (!d.issuer.url.empty()) creator["url"] = d.issuer.url;
    achievement["creator"] = std::move(creator);
  }
  if (!d.tags.topics.empty()) achievement["tag"] = d.tags.topics;

  nlohmann::json subject = {{"id", c.subject_id},
                            {"type", {"AchievementSubject"}},
                            {"achievement", std::move(achievement)},
                            {"result", std::move(results)}};
  if (c.email) {
    subject["identifier"] = HashedEmailIdentifier(*c.email, c.salt);
  }

  // Evidence names what was submitted and judged, never what it contained:
  // the educator's files and texts may mention students.
  auto evidence = nlohmann::json::array();
  for (const auto& s : d.submission_requirements) {
    evidence.push_back(
        {{"type", {"Evidence"}},
         {"name", s.title},
         {"narrative", "Submitted and judged against the rubric. What counts: " + s.what_counts}});
  }

  return CredentialEnvelope(c, d.title, std::move(subject), std::move(evidence));
}

}  // namespace credmesh
