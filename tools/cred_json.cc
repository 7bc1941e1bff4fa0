#include "tools/cred_json.h"

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
  return j;
}

nlohmann::json ReflectionJson(const std::optional<ReflectionItem>& r) {
  if (!r) return nullptr;
  return {{"record", r->id.hex()}, {"text", r->text}, {"hlc", r->hlc}};
}

nlohmann::json IgnoredJson(const std::vector<IgnoredRecord>& ignored) {
  auto out = nlohmann::json::array();
  for (const auto& i : ignored) {
    out.push_back({{"record", i.id.hex()}, {"kind", i.kind}, {"hlc", i.hlc}, {"reason", i.reason}});
  }
  return out;
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
    for (const auto& r : a.reviews) {
      reviews.push_back({{"record", r.id.hex()},
                         {"reviewer", r.reviewer.hex()},
                         {"hlc", r.hlc},
                         {"levels", r.body.levels},
                         {"feedback", r.body.feedback},
                         {"decision", r.body.decision},
                         {"total", r.total},
                         {"passes", r.passes}});
    }
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
  if (a.revoked) {
    j["revocation"] = {
        {"record", a.revoke_record.hex()}, {"hlc", a.revoked_hlc}, {"reason", a.revoke_reason}};
  }
  auto recs = nlohmann::json::array();
  for (const auto& r : a.recognitions) {
    recs.push_back({{"record", r.id.hex()},
                    {"hlc", r.hlc},
                    {"by", r.author.hex()},
                    {"ceu_hundredths", r.body.ceu_hundredths},
                    {"issuer", r.body.issuer},
                    {"note", r.body.note},
                    {"void", a.revoked}});
  }
  j["recognitions"] = recs;
  j["ignored"] = IgnoredJson(a.ignored);
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
                        {"complete", s.complete()}});
  }
  auto submissions = nlohmann::json::array();
  for (const auto& s : p.submissions) submissions.push_back(SubmissionSummaryJson(s));
  nlohmann::json j = {{"educator", p.educator.hex()},
                      {"awards", awards},
                      {"active_awards", p.active_awards},
                      {"ceu_hundredths", p.ceu_hundredths},
                      {"completed_stacks", stacks},
                      {"submissions", submissions},
                      {"stacks", progress},
                      {"verified", !unverified}};
  if (unverified) j["unverified"] = *unverified;
  return j;
}

}  // namespace credmesh::cli
