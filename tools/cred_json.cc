#include "tools/cred_json.h"

#include <algorithm>

namespace credmesh::cli {
namespace {

nlohmann::json EvidenceJson(const EvidenceItem& e) {
  nlohmann::json j = {
      {"record", e.id.hex()}, {"slot", e.body.slot}, {"attempt", e.attempt}, {"hlc", e.hlc}};
  if (e.body.text) j["text"] = *e.body.text;
  if (e.body.file) {
    j["file"] = {{"name", e.body.file->name},
                 {"type", e.body.file->type},
                 {"size", e.body.file->size},
                 {"hash", e.body.file->hash.hex()}};
  }
  // Declared by the educator; null on records from before the declaration.
  j["student_outcome"] =
      e.body.student_outcome ? nlohmann::json(*e.body.student_outcome) : nlohmann::json(nullptr);
  return j;
}

nlohmann::json LostToJson(const LostTo& l) {
  return {{"record", l.record.hex()}, {"kind", l.kind}};
}

nlohmann::json ReflectionJson(const std::optional<ReflectionItem>& r) {
  if (!r) return nullptr;
  return {{"record", r->id.hex()}, {"text", r->text}, {"hlc", r->hlc}};
}

nlohmann::json IgnoredJson(const std::vector<IgnoredRecord>& ignored) {
  auto out = nlohmann::json::array();
  for (const auto& i : ignored) {
    nlohmann::json j = {
        {"record", i.id.hex()}, {"kind", i.kind}, {"hlc", i.hlc}, {"reason", i.reason}};
    if (i.lost_to) j["superseded_by"] = LostToJson(*i.lost_to);
    out.push_back(std::move(j));
  }
  return out;
}

nlohmann::json ReviewJson(const ReviewItem& r) {
  return {{"record", r.id.hex()},
          {"reviewer", r.reviewer.hex()},
          {"hlc", r.hlc},
          {"levels", r.body.levels},
          {"feedback", r.body.feedback},
          {"decision", r.body.decision},
          {"total", r.total},
          {"passes", r.passes}};
}

nlohmann::json SupersededListJson(const std::vector<SupersededOutcome>& list) {
  auto out = nlohmann::json::array();
  for (const auto& s : list) out.push_back(SupersededJson(s));
  return out;
}

nlohmann::json CriterionJson(const RubricCriterion& c) {
  nlohmann::json j = {{"id", c.id}, {"title", c.title}, {"descriptors", c.descriptors}};
  j["slot"] = c.slot.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.slot);
  return j;
}

// An award's or stack award's revocation, as both render it.
nlohmann::json RevocationJson(const Revocation& r) {
  return {{"record", r.record.hex()}, {"hlc", r.hlc}, {"reason", r.reason}};
}

}  // namespace

nlohmann::json SubmissionJson(const SubmissionState& s) {
  nlohmann::json j = {{"id", s.id}, {"status", s.Status()}};
  if (s.opened) {
    j["scope"] = s.scope;
    j["definition"] = s.open.definition;
    j["version"] = s.open.version;
    j["district"] = s.open.district;
    j["educator"] = s.open.educator.hex();
    j["opened_hlc"] = s.opened_hlc;
    j["updated_hlc"] = s.updated_hlc;
    j["open_record"] = s.open_record.hex();
  }
  auto attempts = nlohmann::json::array();
  for (const Attempt& a : s.attempts) {
    nlohmann::json aj = {{"number", a.number},
                         {"status", AttemptStatusName(a.status)},
                         {"started_hlc", a.started_hlc},
                         {"pre_reflection", ReflectionJson(a.pre)},
                         {"post_reflection", ReflectionJson(a.post)}};
    auto ev = nlohmann::json::array();
    for (const auto& e : a.evidence) ev.push_back(EvidenceJson(e));
    aj["evidence"] = ev;
    if (a.submit_record) {
      aj["submit_record"] = a.submit_record->hex();
      aj["submitted_hlc"] = a.submitted_hlc;
    }
    auto reviews = nlohmann::json::array();
    for (const auto& r : a.reviews) reviews.push_back(ReviewJson(r));
    aj["reviews"] = reviews;
    if (a.deciding_review) aj["deciding_review"] = a.deciding_review->hex();
    attempts.push_back(aj);
  }
  j["attempts"] = attempts;
  j["ignored"] = IgnoredJson(s.ignored);
  return j;
}

nlohmann::json SubmissionViewJson(const SubmissionView& v, const Unverified& unverified) {
  nlohmann::json j = SubmissionJson(v.submission);
  j["award"] = v.award ? AwardJson(*v.award, unverified) : nlohmann::json(nullptr);
  j["superseded"] = SupersededListJson(v.superseded);
  return j;
}

nlohmann::json AwardViewJson(const AwardView& v, const Unverified& unverified) {
  nlohmann::json j = v.award ? AwardJson(*v.award, unverified)
                             : nlohmann::json{{"id", v.id},
                                              {"submission", SubmissionOfAward(v.id).value_or("")},
                                              {"status", "none"}};
  j["superseded"] = SupersededListJson(v.superseded);
  return j;
}

nlohmann::json SupersededJson(const SupersededOutcome& s) {
  return {
      {"submission", s.submission}, {"record", s.record.hex()}, {"kind", s.kind}, {"hlc", s.hlc},
      {"author", s.author.hex()},   {"by", LostToJson(s.by)},   {"why", s.why}};
}

nlohmann::json QueueEntryJson(const QueueEntry& e) {
  const Rubric& rubric = e.definition.rubric;
  auto levels = nlohmann::json::array();
  for (const RubricLevel& l : rubric.levels) {
    levels.push_back({{"id", l.id}, {"title", l.title}, {"score", l.score}});
  }
  auto slots = nlohmann::json::array();
  for (const QueueSlot& q : e.slots) {
    auto evidence = nlohmann::json::array();
    for (const EvidenceItem& i : q.evidence) evidence.push_back(EvidenceJson(i));
    auto criteria = nlohmann::json::array();
    for (const RubricCriterion& c : q.criteria) criteria.push_back(CriterionJson(c));
    slots.push_back(
        {{"id", q.slot.id},
         {"title", q.slot.title},
         {"what_counts", q.slot.what_counts},
         {"proof_of_student_outcome_required", q.slot.proof_of_student_outcome_required},
         {"student_outcome_missing", q.student_outcome_missing},
         {"evidence", evidence},
         {"criteria", criteria}});
  }
  auto whole = nlohmann::json::array();
  for (const RubricCriterion& c : e.whole_criteria) whole.push_back(CriterionJson(c));
  auto earlier = nlohmann::json::array();
  for (const ReviewItem& r : e.earlier_reviews) earlier.push_back(ReviewJson(r));
  nlohmann::json rule = nlohmann::json::object();
  const PassingRule& p = rubric.passing_rule;
  if (p.min_level_score_each) rule["min_level_score_each"] = *p.min_level_score_each;
  if (p.min_total) rule["min_total"] = *p.min_total;
  if (!p.min_level_score_for.empty()) rule["min_level_score_for"] = p.min_level_score_for;
  if (p.min_count_at_or_above) {
    rule["min_count_at_or_above"] = {{"score", p.min_count_at_or_above->score},
                                     {"count", p.min_count_at_or_above->count}};
  }
  return {{"submission", e.submission},
          {"scope", e.scope},
          {"educator", e.educator.hex()},
          {"definition", e.definition.id},
          {"version", e.definition.version},
          {"title", e.definition.title},
          {"attempt", e.attempt},
          {"submit_record", e.submit_record.hex()},
          {"submitted_hlc", e.submitted_hlc},
          {"pre_reflection", ReflectionJson(e.pre)},
          {"post_reflection", ReflectionJson(e.post)},
          {"levels", levels},
          {"slots", slots},
          {"whole_submission_criteria", whole},
          {"passing_rule", rule},
          {"earlier_reviews", earlier}};
}

nlohmann::json InboxItemJson(const InboxItem& i) {
  nlohmann::json j = {{"key", i.key},
                      {"kind", InboxKindName(i.kind)},
                      {"submission", i.submission},
                      {"definition", i.definition},
                      {"record", i.record.hex()},
                      {"hlc", i.hlc},
                      {"by", i.by.hex()},
                      {"new", i.is_new}};
  if (!i.stack_award.empty()) j["stack_award"] = i.stack_award;
  if (i.kind == InboxKind::kFeedback || i.kind == InboxKind::kDecision) {
    j["attempt"] = i.attempt;
    j["decision"] = i.decision;
  }
  if (!i.text.empty()) j["text"] = i.text;
  if (i.kind == InboxKind::kRecognition) j["ceu_hundredths"] = i.ceu_hundredths;
  if (i.superseded) j["superseded"] = SupersededJson(*i.superseded);
  return j;
}

nlohmann::json AwardJson(const AwardState& a, const Unverified& unverified) {
  nlohmann::json j = {{"id", a.id}, {"submission", a.submission}, {"status", a.Status()}};
  if (a.issued) {
    j["scope"] = a.scope;
    j["verified"] = !unverified;
    if (unverified) j["unverified"] = *unverified;
    j["verified_locally"] = a.verified_locally && !unverified;
    j["issue_record"] = a.issue_record.hex();
    j["issued_hlc"] = a.issued_hlc;
    j["issuer"] = a.issuer.hex();
    j["definition"] = a.issue.definition;
    j["version"] = a.issue.version;
    j["educator"] = a.issue.educator.hex();
    j["school"] = a.issue.school;
    j["attempt"] = a.issue.attempt;
    j["review"] = a.issue.review.hex();
    j["ceu_hundredths"] = a.ActiveCeuHundredths();
  }
  if (a.revocation.revoked) j["revocation"] = RevocationJson(a.revocation);
  auto recs = nlohmann::json::array();
  for (const auto& r : a.recognitions) {
    recs.push_back({{"record", r.id.hex()},
                    {"hlc", r.hlc},
                    {"by", r.author.hex()},
                    {"ceu_hundredths", r.body.ceu_hundredths},
                    {"issuer", r.body.issuer},
                    {"note", r.body.note},
                    {"void", a.revocation.revoked}});
  }
  j["recognitions"] = recs;
  j["ignored"] = IgnoredJson(a.ignored);
  return j;
}

nlohmann::json StackAwardJson(const StackAwardState& s, const Unverified& unverified) {
  nlohmann::json j = {{"id", s.id}, {"kind", "stack"}, {"status", s.Status()}};
  if (s.issued) {
    j["scope"] = s.scope;
    j["verified"] = !unverified;
    if (unverified) j["unverified"] = *unverified;
    j["issue_record"] = s.issue_record.hex();
    j["issued_hlc"] = s.issued_hlc;
    j["issuer"] = s.issuer.hex();
    j["stack"] = s.issue.stack;
    j["version"] = s.issue.version;
    j["educator"] = s.issue.educator.hex();
    j["title"] = s.issue.frozen.title;
    j["description"] = s.issue.frozen.description;
    j["district_name"] = s.issue.frozen.district_name;
    j["stack_record"] = s.issue.frozen.stack_record.hex();
    auto parts = nlohmann::json::array();
    for (const auto& p : s.issue.parts) {
      bool revoked = std::any_of(s.revoked_parts.begin(), s.revoked_parts.end(),
                                 [&](const RevokedPart& r) { return r.award == p.award; });
      parts.push_back({{"award", p.award}, {"issue", p.issue.hex()}, {"revoked", revoked}});
    }
    j["parts"] = parts;
    auto revoked_parts = nlohmann::json::array();
    for (const auto& r : s.revoked_parts) {
      revoked_parts.push_back({{"award", r.award}, {"hlc", r.revoked_hlc}, {"reason", r.reason}});
    }
    j["revoked_parts"] = revoked_parts;
    j["parts_complete"] = s.parts_complete;
  }
  if (s.revocation.revoked) j["revocation"] = RevocationJson(s.revocation);
  j["ignored"] = IgnoredJson(s.ignored);
  return j;
}

nlohmann::json SubmissionSummaryJson(const SubmissionSummary& s) {
  return {{"id", s.id},
          {"scope", s.scope},
          {"definition", s.definition},
          {"version", s.version},
          {"educator", s.educator.hex()},
          {"status", s.status},
          {"attempt", s.attempt},
          {"updated_hlc", s.updated_hlc},
          {"award", s.award_status ? nlohmann::json(*s.award_status) : nlohmann::json(nullptr)}};
}

nlohmann::json PortfolioJson(const PortfolioView& p, const Unverified& unverified) {
  auto awards = nlohmann::json::array();
  for (const auto& a : p.awards) {
    nlohmann::json j = AwardJson(a.award, unverified);
    j["title"] = a.title;
    awards.push_back(std::move(j));
  }
  auto stacks = nlohmann::json::array();
  for (const auto& s : p.completed_stacks) {
    stacks.push_back({{"id", s.id}, {"version", s.version}, {"title", s.title}});
  }
  auto progress = nlohmann::json::array();
  for (const auto& s : p.stacks) {
    progress.push_back({{"id", s.id},
                        {"version", s.version},
                        {"title", s.title},
                        {"retired", s.retired},
                        {"required", s.required},
                        {"entries", s.entries},
                        {"satisfied", s.satisfied},
                        {"missing", s.missing},
                        {"complete", s.complete()},
                        {"award", s.award ? nlohmann::json(*s.award) : nlohmann::json(nullptr)},
                        {"award_status", s.award_status}});
  }
  auto stack_awards = nlohmann::json::array();
  for (const auto& s : p.stack_awards) stack_awards.push_back(StackAwardJson(s, unverified));
  auto submissions = nlohmann::json::array();
  for (const auto& s : p.submissions) submissions.push_back(SubmissionSummaryJson(s));
  auto keys = nlohmann::json::array();
  for (const auto& k : p.keys) keys.push_back(k.hex());
  nlohmann::json j = {{"educator", p.educator.hex()},
                      {"keys", keys},
                      {"awards", awards},
                      {"active_awards", p.active_awards},
                      {"ceu_hundredths", p.ceu_hundredths},
                      {"completed_stacks", stacks},
                      {"stack_awards", stack_awards},
                      {"submissions", submissions},
                      {"stacks", progress},
                      {"verified", !unverified}};
  if (unverified) j["unverified"] = *unverified;
  return j;
}

}  // namespace credmesh::cli
