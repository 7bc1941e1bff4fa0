#include "node/credentials/credential_records.h"

#include <doctest/doctest.h>

namespace credmesh {
namespace {

TEST_CASE("credential records: bodies round-trip and bad shapes are rejected") {
  EvidenceBody e;
  e.attempt = 2;
  e.slot = "lesson-plan";
  e.file = EvidenceFile{"plan.pdf", "application/pdf", 1234, Hash256{}};
  auto back = EvidenceBody::Parse(e.ToValue());
  REQUIRE(back.ok());
  CHECK(back->file == e.file);
  CHECK(back->ToValue() == e.ToValue());

  Value both = e.ToValue();
  both.as_map()["text"] = "also text";
  CHECK(EvidenceBody::Parse(both).status().message().find("exactly one of text and file") != std::string::npos);

  ReviewBody r{1, {{"c", "l"}}, "", kDecisionAwarded};
  CHECK(ReviewBody::Parse(r.ToValue()).status().message() == "review.add body.feedback: must not be empty");
  r.feedback = "ok";
  r.decision = "maybe";
  CHECK(!ReviewBody::Parse(r.ToValue()).ok());

  CHECK(!ResubmitBody::Parse(ResubmitBody{3, 1}.ToValue()).ok());
  CHECK(ResubmitBody::Parse(ResubmitBody{2, 1}.ToValue()).ok());
  CHECK(!OpenBody::Parse(Value::Map{{"definition", "x"}}).ok());
  CHECK(RecognitionBody::Parse(RecognitionBody{RecordId{}, 150, "District", ""}.ToValue()).ok());

  CHECK(SubmissionOfAward(AwardEntity("sub-1")) == "sub-1");
  CHECK(!SubmissionOfAward("sub-1").has_value());
  CHECK(DefinitionOfEntity(DefinitionEntity("fa")) == "fa");
  CHECK(NewSubmissionId().size() == 20);
}

}  // namespace
}  // namespace credmesh
