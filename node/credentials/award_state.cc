#include "node/credentials/award_state.h"

#include <algorithm>
#include <map>

namespace credmesh {
namespace {

// What made attempt `a` of `sub` lose the award decision that review
// `review` gave it: the record the review lost to, else the withdraw that
// closed the attempt. nullopt when nothing superseded it (records missing).
std::optional<LostTo> WhyNotAwarded(const SubmissionState& sub, const Attempt& a,
                                    const RecordId& review) {
  for (const IgnoredRecord& i : sub.ignored) {
    if (i.id == review && i.lost_to) return i.lost_to;
  }
  if (a.withdraw_record) return LostTo{*a.withdraw_record, kSubmissionWithdrawKind};
  return std::nullopt;
}

// Why `b` is not a valid award of `sub`; "" if it is. Sets `lost_to` when a
// concurrent step of the submission superseded the decision it certifies.
std::string CheckAgainstSubmission(const AwardIssueBody& b, const DomainRecord& r,
                                   const SubmissionState& sub, std::optional<LostTo>& lost_to) {
  if (!sub.definition_known) return "the submission's definition is not held here";
  if (r.scope != "public/" + sub.open.district) {
    return "award scope " + r.scope + " is not public/" + sub.open.district;
  }
  if (b.definition != sub.open.definition || b.version != sub.open.version ||
      b.educator != sub.open.educator || b.school != sub.scope) {
    return "award does not match the submission (definition, version, educator or school)";
  }
  if (b.attempt < 1 || b.attempt > static_cast<int64_t>(sub.attempts.size())) {
    return "submission has no attempt " + std::to_string(b.attempt);
  }
  const Attempt& a = sub.attempts[b.attempt - 1];
  if (a.status != AttemptStatus::kAwarded) {
    lost_to = WhyNotAwarded(sub, a, b.review);
    return "attempt " + std::to_string(b.attempt) + " is " +
           std::string(AttemptStatusName(a.status)) + ", not awarded";
  }
  for (const ReviewItem& rv : a.reviews) {
    if (rv.id == b.review) {
      if (rv.body.decision != kDecisionAwarded || !rv.passes)
        return "the referenced review is not a passing review";
      if (b.frozen && b.frozen->levels != rv.body.levels)
        return "the award's frozen levels are not those of the referenced review";
      return "";
    }
  }
  lost_to = WhyNotAwarded(sub, a, b.review);
  return "the referenced review is not a valid review of attempt " + std::to_string(b.attempt);
}

}  // namespace

int64_t AwardState::ActiveCeuHundredths() const {
  if (!issued || revocation.revoked) return 0;
  int64_t total = 0;
  for (const auto& r : recognitions) total += r.body.ceu_hundredths;
  return total;
}

AwardState ComputeAward(const std::string& award_entity, std::vector<DomainRecord> records,
                        const SubmissionState* submission) {
  std::sort(records.begin(), records.end(), ReplayOrder);
  AwardState a;
  a.id = award_entity;
  a.submission = SubmissionOfAward(award_entity).value_or("");
  const SubmissionState* sub = submission && submission->opened ? submission : nullptr;
  auto ignore = [&](const DomainRecord& r, std::string why,
                    std::optional<LostTo> lost_to = std::nullopt) {
    a.ignored.push_back({r.id, r.kind, r.hlc, std::move(why), r.author, std::move(lost_to)});
  };
  // The award.issue records that lost, and what each lost to.
  std::map<RecordId, LostTo> lost_issues;
  // Issue first (revocations and recognitions reference the winning issue,
  // whatever their timestamps).
  for (const auto& r : records) {
    if (r.kind != kAwardIssueKind) continue;
    if (a.issued) {
      LostTo winner{a.issue_record, kAwardIssueKind};
      lost_issues[r.id] = winner;
      ignore(r, "already issued by record " + a.issue_record.hex(), winner);
      continue;
    }
    auto b = AwardIssueBody::Parse(r.body);
    if (!b.ok()) {
      ignore(r, b.status().message());
      continue;
    }
    if (r.entity != award_entity || b->submission != a.submission) {
      ignore(r, "award entity must be award:<its submission>");
      continue;
    }
    if (r.scope.rfind("public/", 0) != 0) {
      ignore(r, "awards live in a public/<d> scope");
      continue;
    }
    if (sub) {
      std::optional<LostTo> lost_to;
      if (auto why = CheckAgainstSubmission(*b, r, *sub, lost_to); !why.empty()) {
        if (lost_to) lost_issues[r.id] = *lost_to;
        ignore(r, why, lost_to);
        continue;
      }
    }
    a.issued = true;
    a.verified_locally = sub != nullptr;
    a.scope = r.scope;
    a.issue = *b;
    a.issue_record = r.id;
    a.issued_hlc = r.hlc;
    a.issuer = r.author;
  }
  std::vector<const DomainRecord*> revokes;
  for (const auto& r : records) {
    if (r.kind == kAwardIssueKind) continue;
    if (r.kind != kAwardRevokeKind && r.kind != kAwardRecognitionKind) {
      ignore(r, "kind " + r.kind + " does not belong to an award");
      continue;
    }
    // A revocation or recognition of an issue that lost, lost with it.
    std::optional<RecordId> names_issue;
    if (r.kind == kAwardRevokeKind) {
      if (auto b = AwardRevokeBody::Parse(r.body); b.ok()) names_issue = b->issue;
    } else if (auto b = RecognitionBody::Parse(r.body); b.ok()) {
      names_issue = b->issue;
    }
    std::optional<LostTo> issue_lost_to;
    if (names_issue && lost_issues.count(*names_issue)) issue_lost_to = lost_issues[*names_issue];
    if (!a.issued) {
      ignore(r, "no valid award.issue for " + award_entity, issue_lost_to);
      continue;
    }
    if (r.kind == kAwardRevokeKind) {
      revokes.push_back(&r);
      continue;
    }
    if (r.scope != a.scope) {
      ignore(r, "scope differs from the award's " + a.scope);
      continue;
    }
    auto b = RecognitionBody::Parse(r.body);
    if (!b.ok()) {
      ignore(r, b.status().message());
      continue;
    }
    if (b->issue != a.issue_record) {
      ignore(r, "recognizes another issue record", issue_lost_to);
      continue;
    }
    a.recognitions.push_back({r.id, r.hlc, r.author, *b});
  }
  if (a.issued)
    a.revocation = ReplayRevokes(revokes, a.scope, a.issue_record, lost_issues, a.ignored);
  std::sort(a.ignored.begin(), a.ignored.end(), [](const IgnoredRecord& x, const IgnoredRecord& y) {
    return x.hlc != y.hlc ? x.hlc < y.hlc : x.id < y.id;
  });
  return a;
}

}  // namespace credmesh
