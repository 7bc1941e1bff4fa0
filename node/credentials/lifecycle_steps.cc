#include "node/credentials/lifecycle_steps.h"

#include <utility>

namespace credmesh {

Result<int64_t> CurrentAttemptNumber(const SubmissionState& s) {
  const Attempt* cur = s.Current();
  if (cur == nullptr) return Status::FailedPrecondition("submission " + s.id + " has no attempt");
  return cur->number;
}

Result<SubmitBody> NextSubmit(const SubmissionState& s) {
  const Attempt* cur = s.Current();
  if (cur == nullptr) return Status::FailedPrecondition("submission " + s.id + " has no attempt");
  if (cur->status != AttemptStatus::kDraft) {
    return Status::FailedPrecondition("attempt " + std::to_string(cur->number) + " is " +
                                      std::string(AttemptStatusName(cur->status)) +
                                      ", not a draft");
  }
  for (const auto& [phase, reflection] :
       {std::pair{"pre", &cur->pre}, std::pair{"post", &cur->post}}) {
    if (!*reflection) {
      return Status::FailedPrecondition("write a " + std::string(phase) +
                                        "-reflection first: credmesh submission reflect " + s.id +
                                        " --" + phase + " TEXT");
    }
  }
  SubmitBody b;
  b.attempt = cur->number;
  for (const EvidenceItem& e : cur->evidence) b.evidence.push_back(e.id);
  b.pre = cur->pre->id;
  b.post = cur->post->id;
  return b;
}

Result<ResubmitBody> NextResubmit(const SubmissionState& s) {
  CREDMESH_ASSIGN_OR_RETURN(int64_t n, CurrentAttemptNumber(s));
  return ResubmitBody{n + 1, n};
}

Result<AwardIssueBody> NextAwardIssue(const SubmissionState& s) {
  const Attempt* cur = s.Current();
  if (cur == nullptr) return Status::FailedPrecondition("submission " + s.id + " has no attempt");
  if (cur->status != AttemptStatus::kAwarded || !cur->deciding_review) {
    return Status::FailedPrecondition("submission " + s.id + " has no passing review (attempt " +
                                      std::to_string(cur->number) + " is " +
                                      std::string(AttemptStatusName(cur->status)) + ")");
  }
  AwardIssueBody b;
  b.submission = s.id;
  b.attempt = cur->number;
  b.review = *cur->deciding_review;
  b.definition = s.open.definition;
  b.version = s.open.version;
  b.educator = s.open.educator;
  b.school = s.scope;
  return b;
}

std::string AwardScope(const SubmissionState& s) { return "public/" + s.open.district; }

}  // namespace credmesh
