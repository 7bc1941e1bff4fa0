#include "node/credentials/award_snapshot.h"

#include "node/credentials/credential_test_world.h"

namespace credmesh::testing {
namespace {

// An awarded submission whose award froze what it meant (as `award issue`
// does), then catalog edits published after it.
struct FrozenAward {
  Factory f;
  CredentialDefinition def = SampleDefinition();
  World w;
  RecordId def_record, review;
  FrozenAward() {
    def_record = f.Definition(def, T(1));
    f.Draft("sub-f1", def, 10);
    review = f.Review("sub-f1", 1, def, true, T(30), f.reviewer);
    w.Ingest(f.all);
  }
  AwardSnapshot Freeze() {
    auto view = ShowSubmission(w.store(), "sub-f1");
    REQUIRE(view.ok());
    REQUIRE(view->has_value());
    AwardIssueBody b{"sub-f1", 1,           review, def.id, def.version, f.educator.public_key(),
                     f.school, std::nullopt};
    auto snap = FreezeAward(w.db(), (*view)->submission, b, "Maple Valley USD");
    REQUIRE(snap.ok());
    return *snap;
  }
  // The same version republished with other content (it wins the catalog's
  // last-writer rule), and a version 2.
  void EditCatalog() {
    CredentialDefinition same = def;
    same.title = "Renamed later";
    same.competency = "A different competency statement.";
    f.Definition(same, T(60));
    CredentialDefinition v2 = same;
    v2.version = def.version + 1;
    v2.title = "Version two";
    f.Definition(v2, T(61));
    w.Ingest(f.all);
    auto now = LoadDefinition(w.db(), def.id, def.version);
    REQUIRE(now.ok());
    REQUIRE(now->has_value());
    REQUIRE((*now)->title == "Renamed later");  // the catalog did change
  }
  AwardState Award() {
    auto a = ShowAward(w.store(), "sub-f1");
    REQUIRE(a.ok());
    REQUIRE(a->has_value());
    return **a;
  }
};

TEST_CASE("award snapshot: freezes the record, title, district name and levels") {
  FrozenAward x;
  AwardSnapshot snap = x.Freeze();
  CHECK(snap.definition_record == x.def_record);
  CHECK(snap.title == x.def.title);
  CHECK(snap.district_name == "Maple Valley USD");
  CHECK(snap.levels == Levels(x.def, true));
  AwardIssueBody b{"sub-f1",   1,   x.review, x.def.id, x.def.version, x.f.educator.public_key(),
                   x.f.school, snap};
  auto back = AwardIssueBody::Parse(b.ToValue());
  REQUIRE(back.ok());
  CHECK(back->frozen == snap);
  // An award written before snapshots still parses, without one.
  b.frozen.reset();
  auto old = AwardIssueBody::Parse(b.ToValue());
  REQUIRE(old.ok());
  CHECK_FALSE(old->frozen.has_value());
}

TEST_CASE("award snapshot: a catalog edit after the award changes nothing awarded") {
  FrozenAward x;
  x.f.Issue("sub-f1", 1, x.def, x.review, T(31), x.Freeze());
  x.w.Ingest(x.f.all);
  x.EditCatalog();
  auto got = LoadAwardedAchievement(x.w.store(), x.Award());
  REQUIRE(got.ok());
  CHECK(got->frozen);
  CHECK(got->definition == x.def);  // byte for byte the awarded content
  CHECK(got->title == x.def.title);
  CHECK(got->levels == Levels(x.def, true));
  auto p = Portfolio(x.w.store(), x.f.educator.public_key());
  REQUIRE(p.ok());
  REQUIRE(p->awards.size() == 1);
  CHECK(p->awards[0].title == x.def.title);
}

TEST_CASE("award snapshot: an award without one reads the catalog as it is now") {
  FrozenAward x;
  x.f.Issue("sub-f1", 1, x.def, x.review, T(31));
  x.w.Ingest(x.f.all);
  x.EditCatalog();
  auto got = LoadAwardedAchievement(x.w.store(), x.Award());
  REQUIRE(got.ok());
  CHECK_FALSE(got->frozen);
  CHECK(got->title == "Renamed later");  // what item 6 fixes for new awards
}

TEST_CASE("award snapshot: frozen levels that are not the review's void the award") {
  FrozenAward x;
  AwardSnapshot snap = x.Freeze();
  snap.levels.begin()->second = x.def.rubric.levels.front().id;
  x.f.Issue("sub-f1", 1, x.def, x.review, T(31), snap);
  x.w.Ingest(x.f.all);
  auto a = ShowAward(x.w.store(), "sub-f1");
  REQUIRE(a.ok());
  CHECK_FALSE(a->has_value());
}

TEST_CASE("award snapshot: a cited record that is not the awarded definition is refused") {
  FrozenAward x;
  AwardSnapshot snap = x.Freeze();
  snap.definition_record = x.review;  // a record, but not a catalog definition
  x.f.Issue("sub-f1", 1, x.def, x.review, T(31), snap);
  x.w.Ingest(x.f.all);
  auto got = LoadAwardedAchievement(x.w.store(), x.Award());
  CHECK(got.status().code() == Status::Code::kCorruption);
}

}  // namespace
}  // namespace credmesh::testing
