// Property and conflict tests of the micro-credential merge rules
// (docs/merge-rules.md): any permutation and any split of a record set
// between two stores, merged, yields identical tables; rebuild equals
// incremental; each concurrent-conflict rule gives its documented outcome.
#include <algorithm>
#include <random>

#include "node/credentials/credential_test_world.h"

namespace credmesh::testing {
namespace {

// The scenario of docs/merge-rules.md §5, one submission per rule.
struct Scenario {
  Factory f;
  CredentialDefinition def = SampleDefinition();
  RecordId a_award_review, a_issue, a_revoke;

  Scenario() {
    CredentialDefinition v2 = def;
    v2.version = 2;
    v2.title += " (revised)";
    f.Definition(def, T(1));
    f.Definition(v2, T(2));
    // A: not yet -> resubmit -> awarded -> recognition -> revoked.
    f.Draft("sub-a", def, 10);
    f.Review("sub-a", 1, def, false, T(20), f.reviewer);
    f.Add(kSubmissionResubmitKind, f.school, "sub-a", T(21), ResubmitBody{2, 1}.ToValue(),
          f.educator);
    RecordId post2 = f.Reflect("sub-a", 2, "post", T(22));
    RecordId extra = f.Evidence("sub-a", 2, def.submission_requirements[0].id, T(23));
    // Attempt 2 freezes the carried-over evidence plus the new item.
    std::vector<RecordId> ev;
    for (const auto& r : f.all) {
      if (r.record().entity == "sub-a" && r.record().kind == kSubmissionEvidenceKind)
        ev.push_back(r.id());
    }
    RecordId pre1 = f.all[3].id();  // the pre reflection of sub-a
    REQUIRE(f.all[3].record().kind == kSubmissionReflectionKind);
    f.Submit("sub-a", 2, ev, pre1, post2, T(24));
    (void)extra;
    a_award_review = f.Review("sub-a", 2, def, true, T(30), f.reviewer);
    a_issue = f.Issue("sub-a", 2, def, a_award_review, T(31));
    f.Add(kAwardRecognitionKind, "public/" + f.district, AwardEntity("sub-a"), T(32),
          RecognitionBody{a_issue, 150, "Maple Valley SD", "1.5 CEU"}.ToValue(), f.issuer);
    a_revoke =
        f.Add(kAwardRevokeKind, "public/" + f.district, AwardEntity("sub-a"), T(33),
              AwardRevokeBody{a_issue, "evidence was not the educator's own"}.ToValue(), f.issuer);
    // Recognition concurrent with the revocation (same millisecond, other node).
    f.Add(kAwardRecognitionKind, "public/" + f.district, AwardEntity("sub-a"), T(33, 1),
          RecognitionBody{a_issue, 50, "State board", ""}.ToValue(), f.reviewer2);
    f.Add(kAwardRevokeKind, "public/" + f.district, AwardEntity("sub-a"), T(34),
          AwardRevokeBody{a_issue, "second revocation"}.ToValue(), f.issuer);

    // B: withdraw (T40) concurrent with an awarded review (T41): withdraw first.
    f.Draft("sub-b", def, 10);
    f.Add(kSubmissionWithdrawKind, f.school, "sub-b", T(40), AttemptBody{1}.ToValue(), f.educator);
    RecordId b_review = f.Review("sub-b", 1, def, true, T(41), f.reviewer);
    f.Issue("sub-b", 1, def, b_review, T(42));  // award without a valid review: ignored

    // C: two reviewers decide differently: awarded wins.
    f.Draft("sub-c", def, 10);
    f.Review("sub-c", 1, def, true, T(50), f.reviewer2);
    f.Review("sub-c", 1, def, false, T(51), f.reviewer);

    // D: evidence on a stale node: T(59) concurrent (not in the manifest), T(61) after submit.
    RecordId d_submit = f.Draft("sub-d", def, 10, /*submit=*/false);
    (void)d_submit;
    std::vector<RecordId> d_ev;
    RecordId d_pre, d_post;
    for (const auto& r : f.all) {
      if (r.record().entity != "sub-d") continue;
      if (r.record().kind == kSubmissionEvidenceKind) d_ev.push_back(r.id());
      if (r.record().kind == kSubmissionReflectionKind) {
        (r.record().body.GetString("phase") == "pre" ? d_pre : d_post) = r.id();
      }
    }
    f.Evidence("sub-d", 1, def.submission_requirements[1].id, T(59));
    f.Submit("sub-d", 1, d_ev, d_pre, d_post, T(60));
    f.Evidence("sub-d", 1, def.submission_requirements[1].id, T(61));

    // E: invalid transitions: review of a draft, submit without required
    // evidence, review without feedback, self-review.
    f.Open("sub-e", def, T(70));
    RecordId e_pre = f.Reflect("sub-e", 1, "pre", T(71));
    RecordId e_post = f.Reflect("sub-e", 1, "post", T(72));
    f.Review("sub-e", 1, def, false, T(73), f.reviewer);
    RecordId e_ev = f.Evidence("sub-e", 1, def.submission_requirements[0].id, T(74));
    f.Submit("sub-e", 1, {e_ev}, e_pre, e_post, T(75));
    f.Draft("sub-f", def, 80);
    f.Review("sub-f", 1, def, false, T(90), f.reviewer, "");
    f.Review("sub-f", 1, def, true, T(91), f.educator);
    f.Review("sub-f", 1, def, true, T(92), f.reviewer);  // not passing? top levels pass

    // G: retired before the open: the open is ignored.
    f.Retire(def.id, true, T(300));
    f.Open("sub-g", def, T(301));
  }
};

std::string Status(World& w, const std::string& sub) { return w.Show(sub).submission.Status(); }

bool HasIgnored(const std::vector<IgnoredRecord>& ignored, const std::string& kind,
                const std::string& needle) {
  for (const auto& i : ignored) {
    if (i.kind == kind && i.reason.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST_CASE("merge rules: documented outcomes of conflicting steps") {
  Scenario s;
  World w;
  w.Ingest(s.f.all);

  SubmissionView a = w.Show("sub-a");
  CHECK(a.submission.Status() == "awarded");
  REQUIRE(a.submission.attempts.size() == 2);
  CHECK(a.submission.attempts[0].status == AttemptStatus::kNotYet);
  CHECK(a.submission.attempts[1].evidence.size() == s.def.submission_requirements.size() + 1);
  REQUIRE(a.award);
  CHECK(a.award->Status() == "revoked");
  CHECK(a.award->revocation.reason == "evidence was not the educator's own");
  CHECK(a.award->recognitions.size() == 2);
  CHECK(a.award->ActiveCeuHundredths() == 0);
  CHECK(HasIgnored(a.award->ignored, kAwardRevokeKind, "already revoked"));

  SubmissionView b = w.Show("sub-b");
  CHECK(b.submission.Status() == "withdrawn");
  CHECK(HasIgnored(b.submission.ignored, kReviewAddKind, "withdrawn"));
  CHECK(!b.award);

  CHECK(Status(w, "sub-c") == "awarded");
  CHECK(w.Show("sub-c").submission.attempts[0].reviews.size() == 2);

  SubmissionView d = w.Show("sub-d");
  CHECK(d.submission.Status() == "submitted");
  CHECK(d.submission.attempts[0].evidence.size() == s.def.submission_requirements.size());
  CHECK(HasIgnored(d.submission.ignored, kSubmissionEvidenceKind,
                   "not included when attempt 1 was submitted"));
  CHECK(HasIgnored(d.submission.ignored, kSubmissionEvidenceKind, "no longer a draft"));

  SubmissionView e = w.Show("sub-e");
  CHECK(e.submission.Status() == "draft");
  CHECK(HasIgnored(e.submission.ignored, kReviewAddKind, "is a draft"));
  CHECK(HasIgnored(e.submission.ignored, kSubmissionSubmitKind, "required evidence slot"));

  SubmissionView fdoc = w.Show("sub-f");
  CHECK(fdoc.submission.Status() == "awarded");
  CHECK(HasIgnored(fdoc.submission.ignored, kReviewAddKind, "must not be empty"));
  CHECK(HasIgnored(fdoc.submission.ignored, kReviewAddKind, "own submission"));

  auto g = ShowSubmission(w.store(), "sub-g");
  REQUIRE(g.ok());
  CHECK(!g->has_value());  // never opened: the retired definition refused it
  auto items = ListCatalog(w.db(), {});
  REQUIRE(items.ok());
  REQUIRE(items->size() == 1);
  CHECK((*items)[0].version == 2);
  CHECK((*items)[0].retired);
}

TEST_CASE("merge rules: a submit needs declared proof of student outcome where the slot asks") {
  Factory f;
  const CredentialDefinition def = SampleDefinition();
  f.Definition(def, T(1));
  f.Open("sub-p", def, T(2));
  RecordId pre = f.Reflect("sub-p", 1, "pre", T(3));
  RecordId post = f.Reflect("sub-p", 1, "post", T(4));
  // lesson-plan does not require proof; class-results and decision-and-impact do.
  std::vector<RecordId> ev = {f.Evidence("sub-p", 1, "lesson-plan", T(5), false),
                              f.Evidence("sub-p", 1, "class-results", T(6), false),
                              f.Evidence("sub-p", 1, "decision-and-impact", T(7), true)};
  RecordId refused = f.Submit("sub-p", 1, ev, pre, post, T(8));
  ev.push_back(f.Evidence("sub-p", 1, "class-results", T(9), true));
  f.Submit("sub-p", 1, ev, pre, post, T(10));
  // Legacy evidence (no declaration) counts, so earlier submissions keep their state.
  f.Draft("sub-legacy", def, 20);
  World w;
  w.Ingest(f.all);

  SubmissionView p = w.Show("sub-p");
  CHECK(p.submission.Status() == "submitted");
  const IgnoredRecord* why = nullptr;
  for (const auto& i : p.submission.ignored) why = i.id == refused ? &i : why;
  REQUIRE(why != nullptr);
  CHECK(why->reason.find("proof of student outcome missing in slot(s) class-results:") !=
        std::string::npos);
  CHECK(why->reason.find("decision-and-impact") == std::string::npos);
  CHECK(Status(w, "sub-legacy") == "submitted");

  std::vector<EvidenceItem> items;
  for (const auto& e : p.submission.Current()->evidence) items.push_back(e);
  CHECK(MissingStudentOutcome(def, items).empty());
  items.pop_back();  // drop the declared class-results item
  CHECK(MissingStudentOutcome(def, items) == std::vector<std::string>{"class-results"});
}

TEST_CASE("merge rules: any permutation and any split of the records gives identical state" *
          doctest::test_suite("slow")) {
  Scenario s;
  World reference;
  reference.Ingest(s.f.all);
  const std::string expected = reference.Dump();
  std::mt19937 rng(20260501);
  for (int round = 0; round < 12; ++round) {
    CAPTURE(round);
    std::vector<VerifiedRecord> records = s.f.all;
    std::shuffle(records.begin(), records.end(), rng);
    size_t split = rng() % (records.size() + 1);
    std::vector<VerifiedRecord> left(records.begin(), records.begin() + split);
    std::vector<VerifiedRecord> right(records.begin() + split, records.end());
    World a, b;
    // Each store ingests its share in small random batches, then the union.
    auto feed = [&](World& w, const std::vector<VerifiedRecord>& part) {
      for (size_t i = 0; i < part.size();) {
        size_t n = 1 + rng() % 4;
        w.Ingest(std::vector<VerifiedRecord>(part.begin() + i,
                                             part.begin() + std::min(part.size(), i + n)));
        i += n;
      }
    };
    feed(a, left);
    feed(b, right);
    a.Ingest(right);
    b.Ingest(left);
    CHECK(a.Dump() == expected);
    CHECK(b.Dump() == expected);
  }
}

TEST_CASE("merge rules: rebuild equals incremental") {
  Scenario s;
  World w;
  for (const auto& r : s.f.all) w.Ingest({r});
  const std::string before = w.Dump();
  REQUIRE(w.ledger().Rebuild().ok());
  CHECK(w.Dump() == before);
}

TEST_CASE("merge rules: a definition arriving after its submissions is applied retroactively") {
  Scenario s;
  std::vector<VerifiedRecord> catalog, rest;
  for (const auto& r : s.f.all) {
    (r.record().kind.rfind("catalog.", 0) == 0 ? catalog : rest).push_back(r);
  }
  World w;
  w.Ingest(rest);
  CHECK(Status(w, "sub-a") == "waiting_definition");
  w.Ingest(catalog);
  World ref;
  ref.Ingest(s.f.all);
  CHECK(w.Dump() == ref.Dump());
  CHECK(Status(w, "sub-a") == "awarded");
}

}  // namespace
}  // namespace credmesh::testing
