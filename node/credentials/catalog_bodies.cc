// catalog_bodies.cc: DefinitionToBody/FromBody and StackToBody/FromBody
// (catalog_bodies.h) and their helpers.
#include "node/credentials/catalog_bodies.h"

#include <string>
#include <utility>
#include <vector>

#include "node/credentials/catalog_parse_util.h"

namespace credmesh {
namespace {

using Map = Value::Map;
using Array = Value::Array;

void PutText(Map& m, const char* key, const std::string& s) {
  if (!s.empty()) m.emplace(key, s);
}

Value StringList(const std::vector<std::string>& items) {
  Array a;
  for (const auto& s : items) a.emplace_back(s);
  return a;
}

Value RubricToBody(const Rubric& r) {
  Array levels, criteria;
  for (const auto& l : r.levels) {
    levels.emplace_back(Map{{"id", l.id}, {"title", l.title}, {"score", l.score}});
  }
  for (const auto& c : r.criteria) {
    Map descriptors;
    for (const auto& [level, text] : c.descriptors) descriptors.emplace(level, text);
    Map m{{"id", c.id}, {"title", c.title}, {"descriptors", std::move(descriptors)}};
    PutText(m, "slot", c.slot);
    criteria.emplace_back(std::move(m));
  }
  const PassingRule& p = r.passing_rule;
  Map rule;
  if (p.min_level_score_each) rule.emplace("min_level_score_each", *p.min_level_score_each);
  if (p.min_total) rule.emplace("min_total", *p.min_total);
  if (!p.min_level_score_for.empty()) {
    Map per;
    for (const auto& [c, s] : p.min_level_score_for) per.emplace(c, s);
    rule.emplace("min_level_score_for", std::move(per));
  }
  if (p.min_count_at_or_above) {
    rule.emplace("min_count_at_or_above", Map{{"score", p.min_count_at_or_above->score},
                                              {"count", p.min_count_at_or_above->count}});
  }
  return Map{{"levels", std::move(levels)},
             {"criteria", std::move(criteria)},
             {"passing_rule", std::move(rule)}};
}

Status CheckCanonical(const Value& body, const Value& rebuilt) {
  if (body == rebuilt) return Status::Ok();
  return Status::InvalidArgument(
      "not in canonical form (shorthand forms, default values such as retired: false, or "
      "\"accepts\" out of order)");
}

}  // namespace

Value DefinitionToBody(const CredentialDefinition& d) {
  Map m;
  m.emplace("id", d.id);
  m.emplace("version", d.version);
  m.emplace("title", d.title);
  m.emplace("competency", d.competency);
  m.emplace("key_method", d.key_method);
  Array comps, research, resources, slots;
  for (const auto& c : d.method_components) {
    Map cm{{"title", c.title}};
    PutText(cm, "description", c.description);
    comps.emplace_back(std::move(cm));
  }
  for (const auto& r : d.supporting_research) {
    Map rm{{"citation", r.citation}};
    PutText(rm, "summary", r.summary);
    PutText(rm, "url", r.url);
    research.emplace_back(std::move(rm));
  }
  for (const auto& r : d.resources) {
    Map rm{{"title", r.title}};
    PutText(rm, "url", r.url);
    PutText(rm, "description", r.description);
    resources.emplace_back(std::move(rm));
  }
  for (const auto& s : d.submission_requirements) {
    Array accepts;
    if (s.accepts_text) accepts.emplace_back("text");
    if (s.accepts_file) accepts.emplace_back("file");
    Map sm{{"id", s.id},
           {"title", s.title},
           {"what_counts", s.what_counts},
           {"proof_of_student_outcome_required", s.proof_of_student_outcome_required},
           {"accepts", std::move(accepts)}};
    if (s.max_files) sm.emplace("max_files", *s.max_files);
    slots.emplace_back(std::move(sm));
  }
  m.emplace("method_components", std::move(comps));
  m.emplace("supporting_research", std::move(research));
  m.emplace("resources", std::move(resources));
  m.emplace("submission_requirements", std::move(slots));
  m.emplace("rubric", RubricToBody(d.rubric));
  Map issuer{{"name", d.issuer.name}};
  PutText(issuer, "url", d.issuer.url);
  m.emplace("issuer", std::move(issuer));
  Map tags;
  if (!d.tags.subject.empty()) tags.emplace("subject", StringList(d.tags.subject));
  if (!d.tags.grade_band.empty()) tags.emplace("grade_band", StringList(d.tags.grade_band));
  if (!d.tags.topics.empty()) tags.emplace("topics", StringList(d.tags.topics));
  if (!tags.empty()) m.emplace("tags", std::move(tags));
  if (d.estimated_hours) m.emplace("estimated_hours", *d.estimated_hours);
  if (d.retired) m.emplace("retired", true);
  return m;
}

Result<CredentialDefinition> DefinitionFromBody(const Value& body) {
  auto d = catalog_internal::ParseDefinition(body, "");
  if (!d.ok()) return d.status().WithContext("definition body");
  CREDMESH_RETURN_IF_ERROR(
      CheckCanonical(body, DefinitionToBody(*d)).WithContext("definition body"));
  return d;
}

Value StackToBody(const Stack& s) {
  Array defs;
  for (const auto& e : s.definitions) {
    Map em{{"id", e.definition_id}};
    if (e.version) em.emplace("version", *e.version);
    defs.emplace_back(std::move(em));
  }
  Map rule;
  if (s.completion_rule.kind == CompletionRule::Kind::kAll) {
    rule.emplace("require", "all");
  } else {
    rule.emplace("require", "at_least");
    rule.emplace("count", s.completion_rule.count);
  }
  Map m{{"id", s.id},
        {"version", s.version},
        {"title", s.title},
        {"description", s.description},
        {"definitions", std::move(defs)},
        {"completion_rule", std::move(rule)}};
  if (s.retired) m.emplace("retired", true);
  return m;
}

Result<Stack> StackFromBody(const Value& body) {
  auto s = catalog_internal::ParseStack(body, "");
  if (!s.ok()) return s.status().WithContext("stack body");
  CREDMESH_RETURN_IF_ERROR(CheckCanonical(body, StackToBody(*s)).WithContext("stack body"));
  return s;
}

}  // namespace credmesh
