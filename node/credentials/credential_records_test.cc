#include "node/credentials/credential_records.h"

#include <doctest/doctest.h>

#include "protocol/crypto.h"

namespace credmesh {
namespace {

TEST_CASE("credential records: award.stack bodies and entities") {
  const PublicKey ed = SigningKey::Generate().public_key();
  const std::string entity = StackAwardEntity("fa-pair", 2, ed);
  CHECK(entity == "award:stack:fa-pair:v2:" + ed.hex().substr(0, 16));
  CHECK(IsStackAwardEntity(entity));
  CHECK(!SubmissionOfAward(entity).has_value());  // not a submission's award
  CHECK(!IsStackAwardEntity(AwardEntity("sub-1")));

  StackAwardBody b;
  b.stack = "fa-pair";
  b.version = 2;
  b.educator = ed;
  b.parts = {{AwardEntity("sub-1"), RecordId{}}, {AwardEntity("sub-2"), RecordId{}}};
  b.frozen = {RecordId{}, "Pair", "Two parts.", "Maple Valley"};
  auto back = StackAwardBody::Parse(b.ToValue());
  REQUIRE(back.ok());
  CHECK(back->parts == b.parts);
  CHECK(back->frozen == b.frozen);
  CHECK(back->ToValue() == b.ToValue());

  auto refused = [](const StackAwardBody& x) {
    return StackAwardBody::Parse(x.ToValue()).status();
  };
  StackAwardBody twice = b;
  twice.parts[1].award = twice.parts[0].award;
  CHECK(refused(twice).message().find("award:sub-1 is listed twice") != std::string::npos);
  StackAwardBody not_award = b;
  not_award.parts[0].award = entity;  // a stack award cannot be a part
  CHECK(refused(not_award).message().find("is not an award:<submission> entity") !=
        std::string::npos);
  StackAwardBody none = b;
  none.parts.clear();
  CHECK(refused(none).message().find("parts: required list of 1..20 parts") != std::string::npos);
  StackAwardBody many = b;
  many.parts.clear();
  for (int i = 0; i < 21; ++i) many.parts.push_back({AwardEntity("sub-" + std::to_string(i)), {}});
  CHECK(!refused(many).ok());
  Value no_frozen = b.ToValue();
  no_frozen.as_map().erase("frozen");
  CHECK(StackAwardBody::Parse(no_frozen).status().message().find("frozen") != std::string::npos);
}

TEST_CASE("credential records: bodies round-trip and bad shapes are rejected") {
  EvidenceBody e;
  e.attempt = 2;
  e.slot = "lesson-plan";
  e.file = EvidenceFile{"plan.pdf", "application/pdf", 1234, Hash256{}, 0, {}};
  auto back = EvidenceBody::Parse(e.ToValue());
  REQUIRE(back.ok());
  CHECK(back->file == e.file);
  CHECK(back->ToValue() == e.ToValue());

  Value both = e.ToValue();
  both.as_map()["text"] = "also text";
  CHECK(EvidenceBody::Parse(both).status().message().find("exactly one of text and file") !=
        std::string::npos);

  ReviewBody r{1, {{"c", "l"}}, "", kDecisionAwarded};
  CHECK(ReviewBody::Parse(r.ToValue()).status().message() ==
        "review.add body.feedback: must not be empty");
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

TEST_CASE("credential records: an evidence file's manifest round-trips and must match its size") {
  EvidenceBody e;
  e.slot = "video";
  EvidenceFile f{"class.mp4", "video/mp4", 256 * 1024 + 5,
                 Hash256{},   256 * 1024,  {Blake2b256(AsBytes("a")), Blake2b256(AsBytes("b"))}};
  e.file = f;
  auto back = EvidenceBody::Parse(e.ToValue());
  REQUIRE(back.ok());
  CHECK(back->file->has_manifest());
  CHECK(back->file == e.file);

  e.file->chunks.pop_back();  // a 2-chunk size with one chunk listed
  CHECK(EvidenceBody::Parse(e.ToValue()).status().message().find("count does not match") !=
        std::string::npos);
  Value odd = EvidenceBody{1, "video", std::nullopt, f, std::nullopt}.ToValue();
  odd.as_map()["file"].as_map()["chunks"] = Bytes(33, 1);
  CHECK(EvidenceBody::Parse(odd).status().message().find("32-byte chunk hashes") !=
        std::string::npos);
  Value big = EvidenceBody{1, "video", std::nullopt, f, std::nullopt}.ToValue();
  big.as_map()["file"].as_map()["chunk_size"] = int64_t{1} << 20;
  CHECK_FALSE(EvidenceBody::Parse(big).ok());

  EvidenceFile described{"old.pdf", "application/pdf", 10, Hash256{}, 0,
                         {}};  // before the chunk store
  EvidenceBody old{1, "plan", std::nullopt, described, std::nullopt};
  auto o = EvidenceBody::Parse(old.ToValue());
  REQUIRE(o.ok());
  CHECK_FALSE(o->file->has_manifest());
  CHECK(o->ToValue().as_map().at("file").as_map().count("chunks") == 0);
}

TEST_CASE("credential records: a purge body names a file hash and a reason") {
  PurgeBody p{Blake2b256(AsBytes("video")), "parent's privacy request"};
  auto back = PurgeBody::Parse(p.ToValue());
  REQUIRE(back.ok());
  CHECK(back->file == p.file);
  CHECK(back->reason == p.reason);
  CHECK(PurgeEntity(p.file) == "file:" + p.file.hex());
  CHECK(PurgeBody::Parse(PurgeBody{p.file, ""}.ToValue()).status().message() ==
        "evidence.purge body.reason: must not be empty");
  CHECK_FALSE(PurgeBody::Parse(PurgeBody{p.file, std::string(1001, 'x')}.ToValue()).ok());
  Value bad = p.ToValue();
  bad.as_map()["file"] = "abc";
  CHECK(PurgeBody::Parse(bad).status().message().find("64 hex digits") != std::string::npos);
}

TEST_CASE("credential records: evidence declares student outcome, legacy records count as one") {
  EvidenceBody e{1, "results", std::string("18 of 26 correct"), std::nullopt, std::nullopt};
  auto legacy = EvidenceBody::Parse(e.ToValue());
  REQUIRE(legacy.ok());
  CHECK_FALSE(legacy->student_outcome.has_value());
  CHECK(e.ToValue().as_map().count("student_outcome") == 0);
  CHECK(legacy->CountsAsStudentOutcome());
  for (bool declared : {true, false}) {
    e.student_outcome = declared;
    auto back = EvidenceBody::Parse(e.ToValue());
    REQUIRE(back.ok());
    CHECK(back->student_outcome == declared);
    CHECK(back->CountsAsStudentOutcome() == declared);
  }
  Value bad = e.ToValue();
  bad.as_map()["student_outcome"] = std::string("yes");
  CHECK(EvidenceBody::Parse(bad).status().message().find("student_outcome") != std::string::npos);
}

}  // namespace
}  // namespace credmesh
