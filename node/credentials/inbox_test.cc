#include "node/credentials/inbox.h"

#include "node/credentials/credential_test_world.h"

namespace credmesh::testing {
namespace {

std::vector<std::string> Kinds(const std::vector<InboxItem>& items, bool only_new = false) {
  std::vector<std::string> out;
  for (const auto& i : items) {
    if (!only_new || i.is_new) out.emplace_back(InboxKindName(i.kind));
  }
  return out;
}

TEST_CASE("inbox: an educator's items, new once, then new again only when something happens") {
  Factory f;
  const CredentialDefinition def = SampleDefinition();
  f.Definition(def, T(1));
  f.Draft("sub-ed", def, 10);
  RecordId review = f.Review("sub-ed", 1, def, true, T(20), f.reviewer, "Strong evidence");
  RecordId issue = f.Issue("sub-ed", 1, def, review, T(21));
  World w;
  w.Ingest(f.all);
  const PublicKey ed = f.educator.public_key();

  auto first = LookAtInbox(w.store(), ed, 1000);
  REQUIRE(first.ok());
  CHECK(!first->last_looked_ms);
  CHECK(Kinds(first->items) == std::vector<std::string>{"feedback", "decision", "award"});
  CHECK(first->new_items == 3);
  CHECK(first->items[0].text == "Strong evidence");
  CHECK(first->items[0].by == f.reviewer.public_key());
  CHECK(first->items[1].decision == kDecisionAwarded);
  CHECK(first->items[2].record == issue);

  auto second = LookAtInbox(w.store(), ed, 2000);
  REQUIRE(second.ok());
  CHECK(second->last_looked_ms == std::optional<int64_t>(1000));
  CHECK(second->new_items == 0);
  CHECK(Kinds(second->items, /*only_new=*/true).empty());
  CHECK(second->items.size() == 3);  // still listed, no longer new

  // A revocation and a recognition arrive; a recognition with an old timestamp counts too.
  f.all.clear();
  f.Add(kAwardRecognitionKind, "public/" + f.district, AwardEntity("sub-ed"), T(22),
        RecognitionBody{issue, 150, "Maple Valley SD", "PD hours"}.ToValue(), f.issuer);
  f.Add(kAwardRevokeKind, "public/" + f.district, AwardEntity("sub-ed"), T(40),
        AwardRevokeBody{issue, "evidence reused"}.ToValue(), f.issuer);
  w.Ingest(f.all);
  auto third = LookAtInbox(w.store(), ed, 3000);
  REQUIRE(third.ok());
  CHECK(Kinds(third->items, true) == std::vector<std::string>{"recognition", "revocation"});
  CHECK(third->items.back().text == "evidence reused");

  // The marker is per person: the reviewer has nothing (their review did not lose).
  auto rita = LookAtInbox(w.store(), f.reviewer.public_key(), 3000);
  REQUIRE(rita.ok());
  CHECK(rita->items.empty());
}

TEST_CASE("inbox: superseded outcomes reach the educator and the author who lost") {
  Factory f;
  const CredentialDefinition def = SampleDefinition();
  f.Definition(def, T(1));
  f.Draft("sub-wd", def, 10);
  RecordId withdraw = f.Add(kSubmissionWithdrawKind, f.school, "sub-wd", T(20),
                            AttemptBody{1}.ToValue(), f.educator);
  RecordId review = f.Review("sub-wd", 1, def, true, T(21), f.reviewer);  // concurrent, at the hub
  RecordId issue = f.Issue("sub-wd", 1, def, review, T(22));
  World w;
  w.Ingest(f.all);

  auto ed = InboxItems(w.store(), f.educator.public_key());
  REQUIRE(ed.ok());
  CHECK(Kinds(*ed) == std::vector<std::string>{"superseded", "superseded"});
  for (const auto& i : *ed) {
    REQUIRE(i.superseded);
    CHECK(i.superseded->by.record == withdraw);
  }
  CHECK((*ed)[1].record == issue);

  auto rita = InboxItems(w.store(), f.reviewer.public_key());
  REQUIRE(rita.ok());
  REQUIRE(rita->size() == 1);  // only her own review, not the issuer's award
  CHECK((*rita)[0].record == review);
  CHECK((*rita)[0].key == "superseded:" + review.hex() + ":" + withdraw.hex());

  auto irene = InboxItems(w.store(), f.issuer.public_key());
  REQUIRE(irene.ok());
  REQUIRE(irene->size() == 1);
  CHECK((*irene)[0].record == issue);
}

TEST_CASE("inbox: marks survive a rebuild and are kept per person") {
  Factory f;
  const CredentialDefinition def = SampleDefinition();
  f.Definition(def, T(1));
  f.Draft("sub-ed", def, 10);
  f.Review("sub-ed", 1, def, false, T(20), f.reviewer, "Add the second check");
  World w;
  w.Ingest(f.all);
  REQUIRE(LookAtInbox(w.store(), f.educator.public_key(), 1000).ok());
  REQUIRE(w.ledger().Rebuild().ok());
  auto again = LookAtInbox(w.store(), f.educator.public_key(), 2000);
  REQUIRE(again.ok());
  CHECK(again->new_items == 0);
  InboxMarks marks(w.db());
  auto seen = marks.Seen(f.educator.public_key());
  REQUIRE(seen.ok());
  CHECK(seen->size() == 2);  // feedback and decision
  CHECK(marks.Seen(f.reviewer.public_key())->empty());
}

}  // namespace
}  // namespace credmesh::testing
