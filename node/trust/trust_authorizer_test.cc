#include "node/trust/trust_authorizer.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>

#include "node/trust/trust_index.h"
#include "node/trust/trust_test_world.h"

namespace credmesh {
namespace {

using testing::At;
using testing::District;
using testing::TestNode;

struct Fixture {
  District w;
  SigningKey admin = SigningKey::Generate();
  SigningKey alice = SigningKey::Generate();  // reviewer
  SigningKey bob = SigningKey::Generate();    // educator
  SigningKey pine = SigningKey::Generate();   // school node key
  TestNode node{w};
  VerifiedRecord genesis = w.Genesis();

  void Put(std::initializer_list<const VerifiedRecord*> recs) const {
    REQUIRE(node.Ingest(recs).ok());
  }
};

TEST_CASE("node/trust: a reviewer grant from the root makes a review valid") {
  Fixture f;
  auto grant = f.w.Grant(f.w.root, f.alice.public_key(), Role::kReviewer, "school/pine", At(1));
  auto review = f.w.Review(f.alice, At(2));
  f.Put({&f.genesis, &grant, &review});
  CHECK(f.node.State(f.genesis) == RecordState::kValid);
  CHECK(f.node.State(grant) == RecordState::kValid);
  CHECK(f.node.State(review) == RecordState::kValid);
  CHECK(f.node.derived.valid.count(review.id()) == 1);
}

TEST_CASE("node/trust: an expired grant no longer authorizes") {
  Fixture f;
  auto grant = f.w.Grant(f.w.root, f.alice.public_key(), Role::kReviewer, "school/pine", At(1), 10);
  auto inside = f.w.Review(f.alice, At(5));
  auto after = f.w.Review(f.alice, At(20));
  f.Put({&f.genesis, &grant, &inside, &after});
  CHECK(f.node.State(inside) == RecordState::kValid);
  auto row = f.node.Row(after);
  CHECK(row.state == RecordState::kDenied);
  CHECK(row.reason.find("held no reviewer grant for school/pine at") != std::string::npos);
}

TEST_CASE("node/trust: wrong role and wrong scope are denied") {
  Fixture f;
  auto edu = f.w.Grant(f.w.root, f.bob.public_key(), Role::kEducator, "school/pine", At(1));
  auto oak = f.w.Grant(f.w.root, f.alice.public_key(), Role::kReviewer, "school/oak", At(1));
  auto by_educator = f.w.Review(f.bob, At(2));
  auto other_school = f.w.Review(f.alice, At(2));
  f.Put({&f.genesis, &edu, &oak, &by_educator, &other_school});
  CHECK(f.node.State(by_educator) == RecordState::kDenied);
  CHECK(f.node.Row(by_educator).reason.find("no reviewer grant for school/pine") !=
        std::string::npos);
  CHECK(f.node.State(other_school) == RecordState::kDenied);
}

TEST_CASE("node/trust: revocation voids from its timestamp, not before") {
  Fixture f;
  auto grant = f.w.Grant(f.w.root, f.alice.public_key(), Role::kReviewer, "school/pine", At(1));
  auto before = f.w.Review(f.alice, At(2));
  auto after = f.w.Review(f.alice, At(4));
  auto revoke = f.w.Revoke(f.w.root, grant.id(), At(3));
  f.Put({&f.genesis, &grant, &before, &after});
  CHECK(f.node.State(after) == RecordState::kValid);
  f.node.derived.last_changed.clear();
  f.Put({&revoke});  // arrives last, with an earlier timestamp than `after`
  CHECK(f.node.State(revoke) == RecordState::kValid);
  CHECK(f.node.State(before) == RecordState::kValid);
  CHECK(f.node.State(after) == RecordState::kDenied);
  CHECK(f.node.derived.last_changed.count(after.id()) == 1);
  CHECK(f.node.derived.valid.count(after.id()) == 0);
}

TEST_CASE("node/trust: a chain root -> admin -> reviewer, and the admin revoked") {
  Fixture f;
  auto admin = f.w.Grant(f.w.root, f.admin.public_key(), Role::kAdmin, "district/valley", At(1));
  auto reviewer = f.w.Grant(f.admin, f.alice.public_key(), Role::kReviewer, "school/pine", At(2));
  auto review = f.w.Review(f.alice, At(3));
  auto revoke_admin = f.w.Revoke(f.w.root, admin.id(), At(4));
  auto late_grant = f.w.Grant(f.admin, f.bob.public_key(), Role::kReviewer, "school/pine", At(5));
  auto late_review = f.w.Review(f.bob, At(6));
  f.Put({&f.genesis, &admin, &reviewer, &review, &revoke_admin, &late_grant, &late_review});
  CHECK(f.node.State(reviewer) == RecordState::kValid);  // made before the revocation
  CHECK(f.node.State(review) == RecordState::kValid);
  CHECK(f.node.State(late_grant) == RecordState::kDenied);    // signed by a revoked admin
  CHECK(f.node.State(late_review) == RecordState::kPending);  // bob holds nothing valid
}

TEST_CASE("node/trust: non-admins cannot grant, schools grant only their own educators") {
  Fixture f;
  auto edu = f.w.Grant(f.w.root, f.bob.public_key(), Role::kEducator, "school/pine", At(1));
  auto bad = f.w.Grant(f.bob, f.alice.public_key(), Role::kReviewer, "school/pine", At(2));
  auto cert = f.w.Cert(f.w.root, f.pine.public_key(), "pine", At(1));
  auto school_ok = f.w.Grant(f.pine, f.alice.public_key(), Role::kReviewer, "school/pine", At(3));
  auto school_bad = f.w.Grant(f.pine, f.alice.public_key(), Role::kAdmin, "school/pine", At(3));
  auto school_other = f.w.Grant(f.pine, f.alice.public_key(), Role::kEducator, "school/oak", At(3));
  auto forged_cert = f.w.Cert(f.admin, f.admin.public_key(), "pine", At(1));
  f.Put({&f.genesis, &edu, &bad, &cert, &school_ok, &school_bad, &school_other, &forged_cert});
  CHECK(f.node.State(bad) == RecordState::kDenied);
  CHECK(f.node.State(school_ok) == RecordState::kValid);
  CHECK(f.node.State(school_bad) == RecordState::kDenied);
  CHECK(f.node.State(school_other) == RecordState::kDenied);
  CHECK(f.node.State(forged_cert) == RecordState::kDenied);
}

TEST_CASE("node/trust: records wait for their grant and are admitted when it arrives") {
  Fixture f;
  auto grant = f.w.Grant(f.w.root, f.alice.public_key(), Role::kReviewer, "school/pine", At(1));
  auto review = f.w.Review(f.alice, At(2));
  f.Put({&f.genesis, &review});
  auto row = f.node.Row(review);
  CHECK(row.state == RecordState::kPending);
  CHECK(row.reason.find("waiting for a grant") != std::string::npos);
  f.Put({&grant});
  CHECK(f.node.State(review) == RecordState::kValid);
  CHECK(f.node.derived.valid.count(review.id()) == 1);
}

TEST_CASE("node/trust: a local write without authority is refused and leaves no trace") {
  Fixture f;
  f.Put({&f.genesis});
  auto w = f.node.ledger->Write("review.score", "school/pine", "s", Value::Map{}, f.alice);
  CHECK_FALSE(w.ok());
  CHECK(w.status().code() == Status::Code::kUnauthorized);
  auto n = f.node.store->records().Count({});
  CHECK(*n == 1);
}

// ---- quarantine quota ----------------------------------------------------

TEST_CASE("node/trust: quarantine keeps at most per_author records of one unknown key, newest") {
  District w;
  TestNode node(w, QuarantineLimits{3, 0});
  SigningKey stranger = SigningKey::Generate(), alice = SigningKey::Generate();
  auto genesis = w.Genesis();
  auto grant = w.Grant(w.root, alice.public_key(), Role::kEducator, "school/pine", At(1));
  REQUIRE(node.Ingest({&genesis, &grant}).ok());
  auto denied = w.Review(alice, At(2));  // known author, not allowed: denied, never evicted
  REQUIRE(node.Ingest({&denied}).ok());
  std::vector<VerifiedRecord> waiting;
  waiting.reserve(5);
  for (int i = 0; i < 5; ++i) waiting.push_back(w.Review(stranger, At(10 - i)));
  REQUIRE(node.Ingest({waiting.data(), waiting.data() + 1}).ok());
  IngestSummary s;
  REQUIRE(node.Ingest({&waiting[2], &waiting[3], &waiting[4]}, &s).ok());
  // The two that arrived first are gone, whatever their timestamps.
  CHECK_FALSE(node.Has(waiting[0]));
  CHECK_FALSE(node.Has(waiting[1]));
  for (int i = 2; i < 5; ++i) CHECK(node.State(waiting[i]) == RecordState::kPending);
  CHECK(s.evicted == 2);
  CHECK(s.pending == 3);
  CHECK(node.State(denied) == RecordState::kDenied);
  // An evicted record offered again is stored again (and the oldest goes).
  REQUIRE(node.Ingest({waiting.data()}).ok());
  CHECK(node.Has(waiting[0]));
  CHECK_FALSE(node.Has(waiting[2]));
}

TEST_CASE(
    "node/trust: quarantine keeps at most `total` records of unknown keys, evicting the oldest") {
  District w;
  TestNode node(w, QuarantineLimits{0, 5});
  auto genesis = w.Genesis();
  // A root revocation waiting for its target: pending, but by a known key.
  auto waiting_revoke = w.Revoke(w.root, Blake2b256(AsBytes("not here")), At(1));
  REQUIRE(node.Ingest({&genesis, &waiting_revoke}).ok());
  std::vector<SigningKey> strangers;
  std::vector<VerifiedRecord> recs;
  for (int i = 0; i < 8; ++i) {
    strangers.push_back(SigningKey::Generate());
    recs.push_back(w.Review(strangers.back(), At(2)));
  }
  for (auto& r : recs) REQUIRE(node.Ingest({&r}).ok());
  // The 5 newest strangers' records stay, and the root's revocation, which
  // is no stranger's and does not count.
  CHECK(node.State(waiting_revoke) == RecordState::kPending);
  for (int i = 0; i < 3; ++i) CHECK_FALSE(node.Has(recs[i]));
  for (int i = 3; i < 8; ++i) CHECK(node.State(recs[i]) == RecordState::kPending);
  RecordQuery pending;
  pending.state = RecordState::kPending;
  CHECK(*node.store->records().Count(pending) == 6);
  // Denied records of unknown keys (a trust record outside the district
  // scope) are quarantine too.
  SigningKey junk = SigningKey::Generate();
  auto misplaced = w.Make(kGrantKind, "school/pine", "x", At(3), Value::Map{}, junk);
  REQUIRE(node.Ingest({&misplaced}).ok());
  CHECK(node.State(misplaced) == RecordState::kDenied);
  CHECK_FALSE(node.Has(recs[3]));
}

TEST_CASE(
    "node/trust: quarantine keeps at most per_peer records one peer delivered, its oldest go") {
  District w;
  TestNode node(w, QuarantineLimits{0, 0, 4});
  const PublicKey flooder = SigningKey::Generate().public_key();
  const PublicKey honest = SigningKey::Generate().public_key();
  auto genesis = w.Genesis();
  REQUIRE(node.Ingest({&genesis}).ok());
  // An honest peer relays two records of a teacher whose grant is on its way.
  SigningKey teacher = SigningKey::Generate();
  auto t1 = w.Review(teacher, At(2)), t2 = w.Review(teacher, At(3));
  REQUIRE(node.Ingest({&t1, &t2}, nullptr, &honest).ok());
  // Another peer sends records of ever new keys, one per key.
  std::vector<VerifiedRecord> flood;
  flood.reserve(7);
  for (int i = 0; i < 7; ++i) flood.push_back(w.Review(SigningKey::Generate(), At(4 + i)));
  IngestSummary s;
  for (auto& r : flood) REQUIRE(node.Ingest({&r}, &s, &flooder).ok());
  // It keeps its 4 newest; what the honest peer brought earlier stays.
  for (int i = 0; i < 3; ++i) CHECK_FALSE(node.Has(flood[i]));
  for (int i = 3; i < 7; ++i) CHECK(node.State(flood[i]) == RecordState::kPending);
  CHECK(s.evicted == 1);
  CHECK(node.State(t1) == RecordState::kPending);
  CHECK(node.State(t2) == RecordState::kPending);
  // A record that leaves quarantine no longer counts for the peer that
  // brought it: the grant of one flooded key makes room for one more.
  SigningKey known = SigningKey::Generate();
  auto k1 = w.Review(known, At(20));
  REQUIRE(node.Ingest({&k1}, nullptr, &flooder).ok());
  CHECK_FALSE(node.Has(flood[3]));
  auto grant = w.Grant(w.root, known.public_key(), Role::kReviewer, "school/pine", At(1));
  REQUIRE(node.Ingest({&grant}).ok());
  CHECK(node.State(k1) == RecordState::kValid);
  auto next = w.Review(SigningKey::Generate(), At(21));
  REQUIRE(node.Ingest({&next}, nullptr, &flooder).ok());
  for (int i = 4; i < 7; ++i) CHECK(node.Has(flood[i]));
  CHECK(node.Has(next));
  // Records written or imported here are charged to no peer.
  auto local = w.Review(SigningKey::Generate(), At(22));
  REQUIRE(node.Ingest({&local}).ok());
  CHECK(node.Has(local));
  for (int i = 4; i < 7; ++i) CHECK(node.Has(flood[i]));
  CHECK(node.State(t1) == RecordState::kPending);
}

TEST_CASE(
    "node/trust: evicting a revoked record makes its revocation wait again, as a rebuild does") {
  District w;
  TestNode node(w, QuarantineLimits{2, 0});
  SigningKey stranger = SigningKey::Generate();
  auto genesis = w.Genesis();
  auto junk_grant =
      w.Grant(stranger, stranger.public_key(), Role::kAdmin, "district/valley", At(1));
  auto revoke = w.Revoke(w.root, junk_grant.id(), At(2));
  REQUIRE(node.Ingest({&genesis, &junk_grant, &revoke}).ok());
  CHECK(node.State(revoke) == RecordState::kValid);
  auto r1 = w.Review(stranger, At(3)), r2 = w.Review(stranger, At(4));
  REQUIRE(node.Ingest({&r1, &r2}).ok());
  CHECK_FALSE(node.Has(junk_grant));
  auto row = node.Row(revoke);
  CHECK(row.state == RecordState::kPending);
  CHECK(row.reason.find("waiting for the revoked record") != std::string::npos);
  CHECK(node.derived.last_changed.count(revoke.id()) == 1);
  auto before = *node.store->records().List({});
  REQUIRE(node.ledger->Rebuild().ok());
  auto after = *node.store->records().List({});
  REQUIRE(before.size() == after.size());
  for (size_t i = 0; i < before.size(); ++i) {
    CHECK(before[i].state == after[i].state);
    CHECK(before[i].reason == after[i].reason);
  }
}

// ---- property: arrival order never changes the outcome --------------------

struct Snapshot {
  std::map<RecordId, std::pair<RecordState, std::string>> states;
  std::vector<TrustFact> facts;
  std::set<RecordId> derived;
  bool operator==(const Snapshot&) const = default;
};

Snapshot Take(TestNode& node) {
  Snapshot s;
  auto rows = node.store->records().List({});
  for (const auto& r : *rows) s.states[r.id] = {r.state, r.reason};
  s.facts = *TrustIndex(node.store->db()).LoadAll();
  s.derived = node.derived.valid;
  return s;
}

std::vector<VerifiedRecord> Scenario(const District& w) {
  SigningKey admin = SigningKey::Generate(), admin2 = SigningKey::Generate();
  SigningKey alice = SigningKey::Generate(), bob = SigningKey::Generate();
  SigningKey carol = SigningKey::Generate(), pine = SigningKey::Generate();
  SigningKey stranger = SigningKey::Generate();
  std::vector<VerifiedRecord> v;
  v.push_back(w.Genesis());
  auto admin_grant = w.Grant(w.root, admin.public_key(), Role::kAdmin, "district/valley", At(1));
  auto admin2_grant = w.Grant(admin, admin2.public_key(), Role::kAdmin, "district/valley", At(2));
  auto cert = w.Cert(w.root, pine.public_key(), "pine", At(1));
  auto alice_grant = w.Grant(admin2, alice.public_key(), Role::kReviewer, "school/pine", At(3));
  auto bob_grant = w.Grant(pine, bob.public_key(), Role::kEducator, "school/pine", At(3));
  auto carol_grant = w.Grant(admin, carol.public_key(), Role::kReviewer, "school/pine", At(3), 20);
  v.push_back(w.Review(alice, At(4)));
  v.push_back(w.Review(alice, At(11)));  // after her revocation
  v.push_back(w.Review(bob, At(5)));     // wrong role
  v.push_back(w.Review(carol, At(10)));
  v.push_back(w.Review(carol, At(30)));    // after expiry
  v.push_back(w.Review(stranger, At(5)));  // never granted: stays pending
  v.push_back(w.Make("note", "school/pine", "n1", At(6), Value::Map{{"t", "x"}}, pine));
  v.push_back(w.Make("note", "school/oak", "n2", At(6), Value::Map{{"t", "x"}}, pine));
  v.push_back(w.Make("submission.open", "school/pine", "s1", At(7), Value::Map{}, bob));
  v.push_back(w.Revoke(admin, alice_grant.id(), At(10)));
  v.push_back(w.Revoke(w.root, admin_grant.id(), At(12)));
  // Made by admin after the root revoked them: void, and so is its review.
  auto void_grant = w.Grant(admin, stranger.public_key(), Role::kReviewer, "school/oak", At(13));
  v.push_back(w.Review(stranger, At(14), "oak"));
  // Revokes something this set never holds: waits.
  v.push_back(w.Revoke(w.root, Blake2b256(AsBytes("nothing")), At(15)));
  for (auto* r :
       {&admin_grant, &admin2_grant, &cert, &alice_grant, &bob_grant, &carol_grant, &void_grant}) {
    v.push_back(std::move(*r));
  }
  return v;
}

TEST_CASE("node/trust: property: permutations and batch splits give identical outcomes") {
  District w;
  auto records = Scenario(w);
  std::mt19937 rng(12345);
  std::optional<Snapshot> reference;
  for (int round = 0; round < 40; ++round) {
    std::vector<const VerifiedRecord*> order;
    order.reserve(records.size());
    for (const auto& r : records) order.push_back(&r);
    if (round > 0) std::shuffle(order.begin(), order.end(), rng);
    TestNode node(w);
    size_t i = 0;
    while (i < order.size()) {
      size_t n = round == 0 ? order.size() : 1 + rng() % 5;
      n = std::min(n, order.size() - i);
      REQUIRE(node.Ingest({order.begin() + i, order.begin() + i + n}).ok());
      i += n;
    }
    Snapshot s = Take(node);
    if (!reference) {
      reference = s;
      // Sanity: the scenario exercises every state.
      int valid = 0, pending = 0, denied = 0;
      for (const auto& [id, st] : s.states) {
        valid += st.first == RecordState::kValid;
        pending += st.first == RecordState::kPending;
        denied += st.first == RecordState::kDenied;
      }
      CHECK(valid >= 8);
      CHECK(pending >= 2);
      CHECK(denied >= 4);
      continue;
    }
    CHECK(s == *reference);
    // Rebuild recomputes the same from scratch.
    REQUIRE(node.ledger->Rebuild().ok());
    CHECK(Take(node) == *reference);
  }
}

}  // namespace
}  // namespace credmesh
