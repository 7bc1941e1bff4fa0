// Issued stacks (docs/merge-rules.md §3b): a stack award is valid only on
// valid, non-revoked parts of its educator that complete the cited stack
// version; a part revoked later shows in its state; any arrival order gives
// the same tables.
#include "node/credentials/stack_award_state.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "node/credentials/credential_test_world.h"
#include "node/credentials/stack_awards.h"

namespace credmesh {
namespace {

using testing::Factory;
using testing::SampleDefinition;
using testing::T;
using testing::World;

// A two-part stack of sample definitions, both required.
Stack PairStack() {
  Stack s;
  s.id = "fa-pair";
  s.version = 1;
  s.title = "Formative pair";
  s.description = "Whole-class decisions and individual support.";
  s.definitions = {{"fa-whole-class-decisions", std::nullopt}, {"fa-individual-support", 1}};
  return s;
}

struct StackStory {
  Factory f;
  CredentialDefinition a = SampleDefinition("fa-whole-class-decisions");
  CredentialDefinition b = SampleDefinition("fa-individual-support");
  Stack stack = PairStack();
  RecordId stack_record;
  RecordId issue_a, issue_b;

  // Catalog, then both parts awarded (ticks 1..40).
  StackStory() {
    f.Definition(a, T(1));
    f.Definition(b, T(2));
    stack_record = f.Add(kCatalogStackKind, "district/" + f.district, StackEntity(stack.id), T(3),
                         StackToBody(stack), f.issuer);
    f.Draft("sub-a", a, 5);
    issue_a = f.Issue("sub-a", 1, a, f.Review("sub-a", 1, a, true, T(15), f.reviewer), T(16));
    f.Draft("sub-b", b, 20);
    issue_b = f.Issue("sub-b", 1, b, f.Review("sub-b", 1, b, true, T(35), f.reviewer), T(36));
  }
  StackAwardBody Body(std::vector<StackAwardPart> parts) const {
    StackAwardBody body;
    body.stack = stack.id;
    body.version = stack.version;
    body.educator = f.educator.public_key();
    body.parts = std::move(parts);
    body.frozen = {stack_record, stack.title, stack.description, "Maple Valley"};
    return body;
  }
  std::string Entity() const {
    return StackAwardEntity(stack.id, stack.version, f.educator.public_key());
  }
  RecordId IssueStack(const StackAwardBody& body, uint64_t hlc) {
    return f.Add(kAwardStackKind, "public/" + f.district, Entity(), hlc, body.ToValue(), f.issuer);
  }
  RecordId Revoke(const std::string& entity, RecordId issue, uint64_t hlc) {
    return f.Add(kAwardRevokeKind, "public/" + f.district, entity, hlc,
                 AwardRevokeBody{issue, "reused evidence"}.ToValue(), f.issuer);
  }
  std::vector<StackAwardPart> BothParts() const {
    return {{AwardEntity("sub-a"), issue_a}, {AwardEntity("sub-b"), issue_b}};
  }
};

std::optional<StackAwardState> Show(World& w, const std::string& id) {
  auto s = ShowStackAward(w.store(), id);
  REQUIRE(s.ok());
  return *s;
}

std::string IgnoredReason(World& w, const std::string& entity) {
  auto s = ComputeStackAwardOf(w.store(), entity);
  REQUIRE(s.ok());
  REQUIRE(s->has_value());
  REQUIRE(!(*s)->ignored.empty());
  return (*s)->ignored.front().reason;
}

TEST_CASE("stack awards: issued on complete parts, shown in the portfolio") {
  StackStory st;
  World w;
  w.Ingest(st.f.all);
  // The body the CLI would write names both parts and freezes the stack.
  auto next = NextStackAward(w.store(), st.stack.id, st.f.educator.public_key(), "Maple Valley");
  REQUIRE(next.ok());
  CHECK(next->parts == st.BothParts());
  CHECK(next->frozen.stack_record == st.stack_record);
  CHECK(next->frozen.title == "Formative pair");
  auto reparsed = StackAwardBody::Parse(next->ToValue());
  REQUIRE(reparsed.ok());
  CHECK(reparsed->parts == next->parts);
  CHECK(reparsed->frozen == next->frozen);

  RecordId issue = st.IssueStack(*next, T(50));
  w.Ingest({st.f.all.back()});
  auto s = Show(w, "award:stack:fa-pair");
  REQUIRE(s);
  CHECK(s->Status() == "active");
  CHECK(s->issue_record == issue);
  CHECK(s->stack == st.stack);
  auto p = Portfolio(w.store(), st.f.educator.public_key());
  REQUIRE(p.ok());
  REQUIRE(p->stack_awards.size() == 1);
  CHECK(p->stack_awards[0].id == st.Entity());
  auto progress = std::find_if(p->stacks.begin(), p->stacks.end(),
                               [](const StackProgress& sp) { return sp.id == "fa-pair"; });
  REQUIRE(progress != p->stacks.end());
  CHECK(progress->award == st.Entity());
  CHECK(progress->award_status == "active");

  SUBCASE("a part revoked later shows in the state and voids the award") {
    st.Revoke(AwardEntity("sub-b"), st.issue_b, T(60));
    w.Ingest({st.f.all.back()});
    auto after = Show(w, st.Entity());
    REQUIRE(after);
    CHECK(after->Status() == "parts_revoked");
    REQUIRE(after->revoked_parts.size() == 1);
    CHECK(after->revoked_parts[0].award == AwardEntity("sub-b"));
    CHECK(after->revoked_parts[0].reason == "reused evidence");
    // A second stack award of the same stack is refused for the missing part.
    auto again = NextStackAward(w.store(), st.stack.id, st.f.educator.public_key(), "Maple");
    CHECK(again.status().code() == Status::Code::kFailedPrecondition);
    CHECK(again.status().message().find("fa-individual-support v1 (award:sub-b is revoked)") !=
          std::string::npos);
  }
  SUBCASE("the stack award itself revoked") {
    st.Revoke(st.Entity(), issue, T(60));
    w.Ingest({st.f.all.back()});
    CHECK(Show(w, st.Entity())->Status() == "revoked");
  }
  SUBCASE("a second issue loses to the first") {
    st.IssueStack(*next, T(70));
    w.Ingest({st.f.all.back()});
    auto after = ComputeStackAwardOf(w.store(), st.Entity());
    REQUIRE(after.ok());
    CHECK((*after)->issue_record == issue);
    REQUIRE((*after)->ignored.size() == 1);
    CHECK((*after)->ignored[0].lost_to == LostTo{issue, kAwardStackKind});
    // Listed among the node's superseded outcomes (`status`).
    auto superseded = ListSuperseded(w.store());
    REQUIRE(superseded.ok());
    REQUIRE(superseded->size() == 1);
    CHECK((*superseded)[0].submission == st.Entity());
    CHECK((*superseded)[0].record == (*after)->ignored[0].id);
    CHECK((*superseded)[0].by.record == issue);
  }
}

TEST_CASE("stack awards: invalid unless every part is a valid non-revoked award completing it") {
  StackStory st;
  World w;
  SUBCASE("a part revoked before the stack award") {
    st.Revoke(AwardEntity("sub-a"), st.issue_a, T(45));
    st.IssueStack(st.Body(st.BothParts()), T(50));
    w.Ingest(st.f.all);
    CHECK(!Show(w, st.Entity()));
    CHECK(IgnoredReason(w, st.Entity())
              .find("part award:sub-a (fa-whole-class-decisions v1) is "
                    "revoked") != std::string::npos);
  }
  SUBCASE("parts that do not complete the stack") {
    st.IssueStack(st.Body({{AwardEntity("sub-a"), st.issue_a}}), T(50));
    w.Ingest(st.f.all);
    CHECK(!Show(w, st.Entity()));
    CHECK(IgnoredReason(w, st.Entity()).find("do not complete fa-pair v1") != std::string::npos);
  }
  SUBCASE("another educator's stack entity") {
    StackAwardBody body = st.Body(st.BothParts());
    body.educator = st.f.reviewer.public_key();
    st.IssueStack(body, T(50));
    w.Ingest(st.f.all);
    CHECK(IgnoredReason(w, st.Entity()).find("entity must be") != std::string::npos);
  }
  SUBCASE("a part that names another issue record") {
    st.IssueStack(st.Body({{AwardEntity("sub-a"), st.issue_b}, {AwardEntity("sub-b"), st.issue_b}}),
                  T(50));
    w.Ingest(st.f.all);
    CHECK(IgnoredReason(w, st.Entity()).find("not the one named") != std::string::npos);
  }
  SUBCASE("a frozen title that is not the cited record's") {
    StackAwardBody body = st.Body(st.BothParts());
    body.frozen.title = "Something grander";
    st.IssueStack(body, T(50));
    w.Ingest(st.f.all);
    CHECK(IgnoredReason(w, st.Entity()).find("frozen title") != std::string::npos);
  }
}

TEST_CASE("stack awards: any arrival order gives the same state") {
  StackStory st;
  RecordId issue = st.IssueStack(st.Body(st.BothParts()), T(50));
  st.Revoke(AwardEntity("sub-a"), st.issue_a, T(60));
  World reference;
  reference.Ingest(st.f.all);
  CHECK(Show(reference, st.Entity())->Status() == "parts_revoked");
  const std::string want = reference.Dump();
  CHECK(want.find("## stack_awards (1)") != std::string::npos);
  std::mt19937 rng(14);
  for (int round = 0; round < 6; ++round) {
    auto records = st.f.all;
    std::shuffle(records.begin(), records.end(), rng);
    World w;
    for (const auto& r : records) w.Ingest({r});  // one at a time: stack award often first
    CHECK(w.Dump() == want);
    CHECK(Show(w, st.Entity())->issue_record == issue);
  }
}

}  // namespace
}  // namespace credmesh
