#include "node/credentials/lifecycle_views.h"

#include "node/credentials/credential_test_world.h"

namespace credmesh::testing {
namespace {

// sub-aa1: awarded, issued, recognised with 1.5 CEU. sub-ab2: a draft.
struct Awarded {
  Factory f;
  CredentialDefinition def = SampleDefinition();
  World w;
  Awarded() {
    f.Definition(def, T(1));
    f.Draft("sub-aa1", def, 10);
    RecordId review = f.Review("sub-aa1", 1, def, true, T(30), f.reviewer);
    RecordId issue = f.Issue("sub-aa1", 1, def, review, T(31));
    f.Add(kAwardRecognitionKind, "public/" + f.district, AwardEntity("sub-aa1"), T(32),
          RecognitionBody{issue, 150, "Maple Valley SD", ""}.ToValue(), f.issuer);
    f.Draft("sub-ab2", def, 40, /*submit=*/false);
    w.Ingest(f.all);
  }
};

TEST_CASE("lifecycle views: list filters by status, definition and educator prefix") {
  Awarded a;
  auto all = ListSubmissions(a.w.db(), {});
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  const SubmissionSummary& s = (*all)[0];
  CHECK(s.id == "sub-aa1");
  CHECK(s.scope == "school/pine");
  CHECK(s.definition == a.def.id);
  CHECK(s.version == a.def.version);
  CHECK(s.educator == a.f.educator.public_key());
  CHECK(s.status == "awarded");
  CHECK(s.attempt == 1);
  CHECK(s.updated_hlc == T(30));
  CHECK(s.award_status == std::optional<std::string>("active"));
  CHECK((*all)[1].id == "sub-ab2");
  CHECK((*all)[1].status == "draft");
  CHECK(!(*all)[1].award_status);

  SubmissionFilter drafts;
  drafts.status = "draft";
  CHECK(ListSubmissions(a.w.db(), drafts)->size() == 1);
  SubmissionFilter other_def;
  other_def.definition = "no-such-definition";
  CHECK(ListSubmissions(a.w.db(), other_def)->empty());
  SubmissionFilter by_educator;
  by_educator.educator = a.f.educator.public_key().hex().substr(0, 8);
  CHECK(ListSubmissions(a.w.db(), by_educator)->size() == 2);
  by_educator.educator = a.f.reviewer.public_key().hex();
  CHECK(ListSubmissions(a.w.db(), by_educator)->empty());
}

TEST_CASE("lifecycle views: show resolves unique prefixes and carries the award") {
  Awarded a;
  auto v = ShowSubmission(a.w.store(), "sub-aa");
  REQUIRE(v.ok());
  REQUIRE(v->has_value());
  CHECK((*v)->submission.id == "sub-aa1");
  CHECK((*v)->submission.Status() == "awarded");
  REQUIRE((*v)->award);
  CHECK((*v)->award->Status() == "active");
  CHECK((*v)->award->ActiveCeuHundredths() == 150);

  auto draft = ShowSubmission(a.w.store(), "sub-ab2");
  REQUIRE(draft.ok());
  REQUIRE(draft->has_value());
  CHECK(!(*draft)->award);
  CHECK((*draft)->submission.Current()->evidence.size() == a.def.submission_requirements.size());

  CHECK(ShowSubmission(a.w.store(), "sub-a").status().code() == Status::Code::kInvalidArgument);
  CHECK(ShowSubmission(a.w.store(), "sub-a%").status().code() == Status::Code::kInvalidArgument);
  auto none = ShowSubmission(a.w.store(), "sub-zz");
  REQUIRE(none.ok());
  CHECK(!none->has_value());
}

TEST_CASE("lifecycle views: an award is found by award or submission id") {
  Awarded a;
  for (const std::string id : {"award:sub-aa1", "sub-aa1", "sub-aa"}) {
    CAPTURE(id);
    auto award = ShowAward(a.w.store(), id);
    REQUIRE(award.ok());
    REQUIRE(award->has_value());
    CHECK((*award)->id == "award:sub-aa1");
    CHECK((*award)->verified_locally);
    CHECK((*award)->recognitions.size() == 1);
  }
  auto none = ShowAward(a.w.store(), "sub-ab2");
  REQUIRE(none.ok());
  CHECK(!none->has_value());
}

TEST_CASE("lifecycle views: a portfolio totals the active awards") {
  Awarded a;
  auto p = Portfolio(a.w.store(), a.f.educator.public_key());
  REQUIRE(p.ok());
  CHECK(p->educator == a.f.educator.public_key());
  REQUIRE(p->awards.size() == 1);
  CHECK(p->awards[0].award.id == "award:sub-aa1");
  CHECK(p->awards[0].title == a.def.title);
  CHECK(p->active_awards == 1);
  CHECK(p->ceu_hundredths == 150);
  CHECK(p->submissions.size() == 2);

  a.f.all.clear();
  auto issue = ShowAward(a.w.store(), "sub-aa1");
  REQUIRE(issue.ok());
  a.f.Add(kAwardRevokeKind, "public/" + a.f.district, AwardEntity("sub-aa1"), T(50),
          AwardRevokeBody{(*issue)->issue_record, "withdrawn by the district"}.ToValue(),
          a.f.issuer);
  a.w.Ingest(a.f.all);
  p = Portfolio(a.w.store(), a.f.educator.public_key());
  REQUIRE(p.ok());
  REQUIRE(p->awards.size() == 1);
  CHECK(p->awards[0].award.Status() == "revoked");
  CHECK(p->active_awards == 0);
  CHECK(p->ceu_hundredths == 0);

  auto nobody = Portfolio(a.w.store(), a.f.reviewer.public_key());
  REQUIRE(nobody.ok());
  CHECK(nobody->awards.empty());
  CHECK(nobody->submissions.empty());
}

// Partitions whose merge makes outcomes lose (docs/merge-rules.md): the
// educator's resubmission to a concurrent award, an award to a concurrent
// withdraw, a second issue (and a recognition of it) to the first; plus a
// review of a draft, ignored without losing to anything.
struct Partitioned {
  Factory f;
  CredentialDefinition def = SampleDefinition();
  World w;
  RecordId rs_award, rs_resubmit, wd_withdraw, wd_review, wd_issue, first_issue, second_issue,
      lost_recognition;
  Partitioned() {
    f.Definition(def, T(1));
    f.Draft("sub-rs", def, 10);
    f.Review("sub-rs", 1, def, false, T(20), f.reviewer);
    rs_award = f.Review("sub-rs", 1, def, true, T(21), f.reviewer2);  // on another node
    rs_resubmit = f.Add(kSubmissionResubmitKind, f.school, "sub-rs", T(22),
                        ResubmitBody{2, 1}.ToValue(), f.educator);  // saw only "not yet"

    f.Draft("sub-wd", def, 30);
    wd_withdraw = f.Add(kSubmissionWithdrawKind, f.school, "sub-wd", T(40),
                        AttemptBody{1}.ToValue(), f.educator);
    wd_review = f.Review("sub-wd", 1, def, true, T(41), f.reviewer);  // at the hub
    wd_issue = f.Issue("sub-wd", 1, def, wd_review, T(42));

    f.Draft("sub-2i", def, 50);
    RecordId review = f.Review("sub-2i", 1, def, true, T(60), f.reviewer);
    first_issue = f.Issue("sub-2i", 1, def, review, T(61));
    AwardIssueBody again{
        "sub-2i", 1, review, def.id, def.version, f.educator.public_key(), f.school, std::nullopt};
    second_issue = f.Add(kAwardIssueKind, "public/" + f.district, AwardEntity("sub-2i"), T(62),
                         again.ToValue(), f.reviewer2);
    lost_recognition =
        f.Add(kAwardRecognitionKind, "public/" + f.district, AwardEntity("sub-2i"), T(63),
              RecognitionBody{second_issue, 100, "State board", ""}.ToValue(), f.reviewer2);

    f.Draft("sub-dr", def, 70, /*submit=*/false);
    f.Review("sub-dr", 1, def, false, T(80), f.reviewer);  // ignored: a draft, lost to nothing
    w.Ingest(f.all);
  }
};

TEST_CASE("lifecycle views: a resubmission overtaken by an award is shown as superseded") {
  Partitioned p;
  SubmissionView v = p.w.Show("sub-rs");
  CHECK(v.submission.Status() == "awarded");
  REQUIRE(v.superseded.size() == 1);
  const SupersededOutcome& s = v.superseded[0];
  CHECK(s.submission == "sub-rs");
  CHECK(s.record == p.rs_resubmit);
  CHECK(s.kind == kSubmissionResubmitKind);
  CHECK(s.author == p.f.educator.public_key());
  CHECK(s.by == LostTo{p.rs_award, kReviewAddKind});
  CHECK(s.why.find("attempt 1 is awarded") != std::string::npos);
}

TEST_CASE(
    "lifecycle views: an award voided by a concurrent withdraw is still found and explained") {
  Partitioned p;
  auto issued = ShowAward(p.w.store(), "sub-wd");
  REQUIRE(issued.ok());
  CHECK(!issued->has_value());  // no valid award.issue

  auto view = ShowAwardView(p.w.store(), "award:sub-w");
  REQUIRE(view.ok());
  REQUIRE(view->has_value());
  CHECK((*view)->id == "award:sub-wd");
  CHECK(!(*view)->award);
  REQUIRE((*view)->superseded.size() == 1);
  CHECK((*view)->superseded[0].record == p.wd_issue);
  CHECK((*view)->superseded[0].by == LostTo{p.wd_withdraw, kSubmissionWithdrawKind});

  SubmissionView v = p.w.Show("sub-wd");
  CHECK(v.submission.Status() == "withdrawn");
  REQUIRE(v.superseded.size() == 2);  // the review, then the award that relied on it
  CHECK(v.superseded[0].record == p.wd_review);
  CHECK(v.superseded[0].by.record == p.wd_withdraw);
  CHECK(v.superseded[1].record == p.wd_issue);
}

TEST_CASE("lifecycle views: a second issue and its recognition lose to the first issue") {
  Partitioned p;
  auto view = ShowAwardView(p.w.store(), "sub-2i");
  REQUIRE(view.ok());
  REQUIRE(view->has_value());
  REQUIRE((*view)->award);
  CHECK((*view)->award->issue_record == p.first_issue);
  REQUIRE((*view)->superseded.size() == 2);
  CHECK((*view)->superseded[0].record == p.second_issue);
  CHECK((*view)->superseded[0].author == p.f.reviewer2.public_key());
  CHECK((*view)->superseded[1].record == p.lost_recognition);
  for (const auto& s : (*view)->superseded) CHECK(s.by == LostTo{p.first_issue, kAwardIssueKind});
  auto none = ShowAwardView(p.w.store(), "sub-dr");
  REQUIRE(none.ok());
  CHECK(!none->has_value());
}

TEST_CASE("lifecycle views: the node-wide list holds every superseded outcome and nothing else") {
  Partitioned p;
  auto all = ListSuperseded(p.w.store());
  REQUIRE(all.ok());
  std::vector<RecordId> lost;
  for (const auto& s : *all) lost.push_back(s.record);
  CHECK(lost == std::vector<RecordId>{p.rs_resubmit, p.wd_review, p.wd_issue, p.second_issue,
                                      p.lost_recognition});
  CHECK(p.w.Show("sub-dr").submission.ignored.size() == 1);  // ignored, but lost to nothing
  CHECK(p.w.Show("sub-dr").superseded.empty());
}

Stack TwoEntryStack(const std::string& id, const CredentialDefinition& def, std::optional<int> pin,
                    CompletionRule rule, bool retired = false) {
  Stack s;
  s.id = id;
  s.version = 1;
  s.title = "Stack " + id;
  s.description = "A test stack.";
  s.definitions = {{def.id, pin}, {"fa-learning-intentions", std::nullopt}};
  s.completion_rule = rule;
  s.retired = retired;
  return s;
}

TEST_CASE("lifecycle views: a portfolio shows progress towards each stack") {
  Awarded a;
  a.f.all.clear();
  const CompletionRule all{CompletionRule::Kind::kAll, 0};
  const CompletionRule any1{CompletionRule::Kind::kAtLeast, 1};
  for (const Stack& s :
       {TwoEntryStack("both", a.def, std::nullopt, all),
        TwoEntryStack("either", a.def, a.def.version, any1),
        TwoEntryStack("later-version", a.def, a.def.version + 1, any1),
        TwoEntryStack("gone", a.def, a.def.version + 1, any1, /*retired=*/true),
        TwoEntryStack("gone-but-done", a.def, std::nullopt, any1, /*retired=*/true)}) {
    a.f.Add(kCatalogStackKind, "district/" + a.f.district, StackEntity(s.id), T(60), StackToBody(s),
            a.f.issuer);
  }
  a.w.Ingest(a.f.all);
  auto p = Portfolio(a.w.store(), a.f.educator.public_key());
  REQUIRE(p.ok());
  std::map<std::string, StackProgress> by_id;
  for (const auto& s : p->stacks) by_id[s.id] = s;
  REQUIRE(by_id.size() == 4);  // "gone" is retired and incomplete
  const std::string def = a.def.id;
  CHECK(by_id["both"].required == 2);
  CHECK(by_id["both"].satisfied == std::vector<std::string>{def});
  CHECK(by_id["both"].missing == std::vector<std::string>{"fa-learning-intentions"});
  CHECK_FALSE(by_id["both"].complete());
  CHECK(by_id["either"].complete());
  CHECK(by_id["either"].satisfied ==
        std::vector<std::string>{def + " v" + std::to_string(a.def.version)});
  CHECK_FALSE(by_id["later-version"].complete());  // pinned to a version not awarded
  CHECK(by_id["later-version"].missing.size() == 2);
  CHECK(by_id["gone-but-done"].retired);
  CHECK(by_id["gone-but-done"].complete());
  std::vector<std::string> done;
  for (const auto& c : p->completed_stacks) done.push_back(c.id);
  CHECK(done == std::vector<std::string>{"either", "gone-but-done"});
}

}  // namespace
}  // namespace credmesh::testing
