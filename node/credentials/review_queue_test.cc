#include "node/credentials/review_queue.h"

#include "node/credentials/credential_test_world.h"

namespace credmesh::testing {
namespace {

TEST_CASE(
    "review queue: submitted attempts only, oldest submit first, rubric beside the evidence") {
  Factory f;
  const CredentialDefinition def = SampleDefinition();
  f.Definition(def, T(1));
  f.Draft("sub-late", def, 40);                     // submitted at T(46)
  f.Draft("sub-early", def, 10);                    // submitted at T(16)
  f.Draft("sub-draft", def, 60, /*submit=*/false);  // not submitted: not queued
  f.Draft("sub-done", def, 80);                     // decided: not queued
  f.Review("sub-done", 1, def, true, T(90), f.reviewer);
  World w;
  w.Ingest(f.all);

  auto q = ReviewQueue(w.store());
  REQUIRE(q.ok());
  REQUIRE(q->size() == 2);
  CHECK((*q)[0].submission == "sub-early");
  CHECK((*q)[1].submission == "sub-late");
  const QueueEntry& e = (*q)[0];
  CHECK(e.scope == f.school);
  CHECK(e.educator == f.educator.public_key());
  CHECK(e.attempt == 1);
  CHECK(e.submitted_hlc == T(16));
  CHECK(e.definition == def);
  REQUIRE(e.pre);
  REQUIRE(e.post);
  REQUIRE(e.slots.size() == def.submission_requirements.size());
  size_t criteria = e.whole_criteria.size();
  for (size_t i = 0; i < e.slots.size(); ++i) {
    const QueueSlot& s = e.slots[i];
    CAPTURE(s.slot.id);
    CHECK(s.slot == def.submission_requirements[i]);
    REQUIRE(s.evidence.size() == 1);
    CHECK(s.evidence[0].body.slot == s.slot.id);
    for (const auto& c : s.criteria) CHECK(c.slot == s.slot.id);
    CHECK_FALSE(s.student_outcome_missing);  // legacy evidence counts
    criteria += s.criteria.size();
  }
  CHECK(criteria == def.rubric.criteria.size());  // every criterion sits beside its slot
  // The sample judges class-results with "pattern-analysis", descriptors for every level.
  const QueueSlot& results = e.slots[1];
  CHECK(results.slot.id == "class-results");
  CHECK(results.slot.proof_of_student_outcome_required);
  REQUIRE(!results.criteria.empty());
  CHECK(results.criteria[0].descriptors.size() == def.rubric.levels.size());
}

TEST_CASE("review queue: a resubmitted attempt carries the earlier feedback") {
  Factory f;
  const CredentialDefinition def = SampleDefinition();
  f.Definition(def, T(1));
  f.Draft("sub-again", def, 10);
  f.Review("sub-again", 1, def, false, T(20), f.reviewer, "Add the second check");
  f.Add(kSubmissionResubmitKind, f.school, "sub-again", T(21), ResubmitBody{2, 1}.ToValue(),
        f.educator);
  World w;
  w.Ingest(f.all);
  auto q = ReviewQueue(w.store());
  REQUIRE(q.ok());
  CHECK(q->empty());  // attempt 2 is a draft

  f.all.clear();
  auto shown = w.Show("sub-again");
  std::vector<RecordId> ev;
  for (const auto& e : shown.submission.Current()->evidence) ev.push_back(e.id);
  f.Submit("sub-again", 2, ev, shown.submission.Current()->pre->id,
           shown.submission.Current()->post->id, T(30));
  w.Ingest(f.all);
  q = ReviewQueue(w.store());
  REQUIRE(q.ok());
  REQUIRE(q->size() == 1);
  CHECK((*q)[0].attempt == 2);
  REQUIRE((*q)[0].earlier_reviews.size() == 1);
  CHECK((*q)[0].earlier_reviews[0].body.feedback == "Add the second check");
}

}  // namespace
}  // namespace credmesh::testing
