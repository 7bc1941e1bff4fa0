#include "node/credentials/award_state.h"

#include <algorithm>

namespace credmesh {
namespace {

// Why `b` is not a valid award of `sub`; "" if it is.
std::string CheckAgainstSubmission(const AwardIssueBody& b, const DomainRecord& r,
                                   const SubmissionState& sub) {
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
  return "the referenced review is not a valid review of attempt " + std::to_string(b.attempt);
}

}  // namespace

int64_t AwardState::ActiveCeuHundredths() const {
  if (!issued || revoked) return 0;
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
  auto ignore = [&](const DomainRecord& r, std::string why) {
    a.ignored.push_back({r.id, r.kind, r.hlc, std::move(why)});
  };
  // Issue first (revocations and recognitions reference the winning issue,
  // whatever their timestamps).
  for (const auto& r : records) {
    if (r.kind != kAwardIssueKind) continue;
    if (a.issued) {
      ignore(r, "already issued by record " + a.issue_record.hex());
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
      if (auto why = CheckAgainstSubmission(*b, r, *sub); !why.empty()) {
        ignore(r, why);
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
  for (const auto& r : records) {
    if (r.kind == kAwardIssueKind) continue;
    if (r.kind != kAwardRevokeKind && r.kind != kAwardRecognitionKind) {
      ignore(r, "kind " + r.kind + " does not belong to an award");
      continue;
    }
    if (!a.issued) {
      ignore(r, "no valid award.issue for " + award_entity);
      continue;
    }
    if (r.scope != a.scope) {
      ignore(r, "scope differs from the award's " + a.scope);
      continue;
    }
    if (r.kind == kAwardRevokeKind) {
      auto b = AwardRevokeBody::Parse(r.body);
      if (!b.ok()) {
        ignore(r, b.status().message());
        continue;
      }
      if (b->issue != a.issue_record) {
        ignore(r, "revokes another issue record");
        continue;
      }
      if (a.revoked) {
        ignore(r, "already revoked by record " + a.revoke_record.hex());
        continue;
      }
      a.revoked = true;
      a.revoke_record = r.id;
      a.revoked_hlc = r.hlc;
      a.revoke_reason = b->reason;
    } else {
      auto b = RecognitionBody::Parse(r.body);
      if (!b.ok()) {
        ignore(r, b.status().message());
        continue;
      }
      if (b->issue != a.issue_record) {
        ignore(r, "recognizes another issue record");
        continue;
      }
      a.recognitions.push_back({r.id, r.hlc, r.author, *b});
    }
  }
  std::sort(a.ignored.begin(), a.ignored.end(), [](const IgnoredRecord& x, const IgnoredRecord& y) {
    return x.hlc != y.hlc ? x.hlc < y.hlc : x.id < y.id;
  });
  return a;
}

}  // namespace credmesh
