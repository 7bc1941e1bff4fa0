#include "node/credentials/lifecycle_steps.h"

#include <doctest/doctest.h>

namespace credmesh {
namespace {

RecordId Id(uint8_t n) {
  RecordId id;
  id.data[0] = n;
  return id;
}

// An opened submission whose only attempt is a draft with two evidence items
// and both reflections.
SubmissionState DraftWithEverything() {
  SubmissionState s;
  s.id = "sub-0123";
  s.opened = true;
  s.definition_known = true;
  s.scope = "school/pine";
  s.open.definition = "fa-exit-tickets";
  s.open.version = 3;
  s.open.educator.data[0] = 0xed;
  s.open.district = "valley-usd";
  Attempt a;
  a.number = 1;
  a.status = AttemptStatus::kDraft;
  a.pre = ReflectionItem{Id(1), 10, "why"};
  a.post = ReflectionItem{Id(2), 20, "what"};
  a.evidence.push_back(EvidenceItem{Id(3), 11, 1, {}});
  a.evidence.push_back(EvidenceItem{Id(4), 12, 1, {}});
  s.attempts.push_back(a);
  return s;
}

TEST_CASE("lifecycle steps: submit freezes the draft's evidence and reflections") {
  SubmissionState s = DraftWithEverything();
  auto b = NextSubmit(s);
  REQUIRE(b.ok());
  CHECK(b->attempt == 1);
  CHECK(b->evidence == std::vector<RecordId>{Id(3), Id(4)});
  CHECK(b->pre == Id(1));
  CHECK(b->post == Id(2));

  s.attempts.push_back(s.attempts[0]);
  s.attempts[0].status = AttemptStatus::kNotYet;
  s.attempts[1].number = 2;
  s.attempts[1].evidence.pop_back();
  b = NextSubmit(s);
  REQUIRE(b.ok());
  CHECK(b->attempt == 2);
  CHECK(b->evidence == std::vector<RecordId>{Id(3)});
}

TEST_CASE("lifecycle steps: submit is refused without a draft or a reflection") {
  SubmissionState s = DraftWithEverything();
  s.attempts[0].post.reset();
  auto b = NextSubmit(s);
  CHECK(b.status().code() == Status::Code::kFailedPrecondition);
  CHECK(b.status().message() ==
        "write a post-reflection first: credmesh submission reflect sub-0123 --post TEXT");
  s.attempts[0].pre.reset();
  CHECK(NextSubmit(s).status().message() ==
        "write a pre-reflection first: credmesh submission reflect sub-0123 --pre TEXT");

  s = DraftWithEverything();
  s.attempts[0].status = AttemptStatus::kSubmitted;
  CHECK(NextSubmit(s).status().message() == "attempt 1 is submitted, not a draft");

  s.attempts.clear();
  CHECK(NextSubmit(s).status().code() == Status::Code::kFailedPrecondition);
  CHECK(CurrentAttemptNumber(s).status().code() == Status::Code::kFailedPrecondition);
  CHECK(NextResubmit(s).status().code() == Status::Code::kFailedPrecondition);
}

TEST_CASE("lifecycle steps: resubmit names the next attempt and the current one") {
  SubmissionState s = DraftWithEverything();
  s.attempts[0].number = 4;
  auto b = NextResubmit(s);
  REQUIRE(b.ok());
  CHECK(b->attempt == 5);
  CHECK(b->previous == 4);
  CHECK(*CurrentAttemptNumber(s) == 4);
}

TEST_CASE("lifecycle steps: an award certifies the deciding review of an awarded attempt") {
  SubmissionState s = DraftWithEverything();
  CHECK(NextAwardIssue(s).status().message() ==
        "submission sub-0123 has no passing review (attempt 1 is draft)");
  s.attempts[0].status = AttemptStatus::kAwarded;
  CHECK(NextAwardIssue(s).status().code() ==
        Status::Code::kFailedPrecondition);  // no deciding review
  s.attempts[0].deciding_review = Id(9);
  auto b = NextAwardIssue(s);
  REQUIRE(b.ok());
  CHECK(b->submission == "sub-0123");
  CHECK(b->attempt == 1);
  CHECK(b->review == Id(9));
  CHECK(b->definition == "fa-exit-tickets");
  CHECK(b->version == 3);
  CHECK(b->educator == s.open.educator);
  CHECK(b->school == "school/pine");
  CHECK(AwardScope(s) == "public/valley-usd");
}

}  // namespace
}  // namespace credmesh
