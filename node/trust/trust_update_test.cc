#include "node/trust/trust_update.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>

#include "node/trust/trust_test_world.h"

namespace credmesh {
namespace {

using testing::At;
using testing::District;
using testing::TestNode;

// Everything the trust layer derives: every record's state and reason, the
// facts, the noted revocations and what the projection holds.
struct Derived {
  std::map<RecordId, std::pair<RecordState, std::string>> states;
  std::vector<TrustFact> facts;
  std::vector<std::pair<Bytes, Bytes>> revocations;
  std::set<RecordId> valid;
  bool operator==(const Derived&) const = default;
};

// Names what differs, so a failing property check says why.
std::string Diff(const Derived& a, const Derived& b) {
  std::string out;
  for (const auto& [id, st] : a.states) {
    auto it = b.states.find(id);
    if (it == b.states.end() || it->second != st) {
      out += "record " + id.hex().substr(0, 8) + ": " + std::string(RecordStateName(st.first)) +
             " '" + st.second + "' vs " +
             (it == b.states.end() ? "absent"
                                   : std::string(RecordStateName(it->second.first)) + " '" +
                                         it->second.second + "'") +
             "\n";
    }
  }
  if (a.facts != b.facts) {
    out += "facts differ: " + std::to_string(a.facts.size()) + " vs " +
           std::to_string(b.facts.size()) + "\n";
    for (size_t i = 0; i < std::min(a.facts.size(), b.facts.size()); ++i) {
      if (!(a.facts[i] == b.facts[i])) {
        out += " fact " + a.facts[i].id.hex().substr(0, 8) + " revoked " +
               std::to_string(a.facts[i].revoked_hlc) + " vs " + b.facts[i].id.hex().substr(0, 8) +
               " revoked " + std::to_string(b.facts[i].revoked_hlc) + "\n";
      }
    }
  }
  if (a.revocations != b.revocations) out += "noted revocations differ\n";
  if (a.valid != b.valid) out += "projection differs\n";
  return out;
}

Derived Snapshot(TestNode& node) {
  Derived s;
  auto rows = node.store->records().List({});
  REQUIRE(rows.ok());
  for (const auto& r : *rows) s.states[r.id] = {r.state, r.reason};
  auto facts = TrustIndex(node.store->db()).LoadAll();
  REQUIRE(facts.ok());
  s.facts = *facts;
  auto st = node.store->db().Prepare(
      "SELECT target, revocation FROM trust_revocations ORDER BY target, revocation");
  REQUIRE(st.ok());
  while (*st->Step()) s.revocations.emplace_back(st->ColumnBlob(0), st->ColumnBlob(1));
  s.valid = node.derived.valid;
  return s;
}

// A random world of trust records: grants and certificates by the root, by
// keys that are granted somewhere in the set and by keys never granted;
// revocations of records of the set, of records that arrive later, of
// records never held and of records that cannot be revoked; malformed and
// misplaced trust records; records of other kinds by every key; a few
// records stamped too far in the future (refused, offered again later). Timestamps
// come from a few minutes only, so ties in the (timestamp, id) order abound.
std::vector<VerifiedRecord> RandomWorld(const District& w, std::mt19937& rng, int size,
                                        uint64_t future_base) {
  std::vector<SigningKey> keys;
  keys.reserve(7);
  for (int i = 0; i < 7; ++i) keys.push_back(SigningKey::Generate());
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  auto signer = [&]() -> const SigningKey& {
    return pick(4) == 0 ? w.root : keys[pick(keys.size())];
  };
  auto hlc = [&] {
    if (pick(25) == 0) return future_base + HybridClock::Make(int64_t(pick(3)) * 60'000, 0);
    return At(static_cast<int>(pick(12)));
  };
  const std::string scopes[] = {"district/valley", "school/pine", "school/oak", "district/other"};
  const Role roles[] = {Role::kEducator, Role::kReviewer, Role::kIssuer, Role::kAdmin};
  std::vector<VerifiedRecord> v;
  v.push_back(w.Genesis());
  std::vector<RecordId> revocable;  // ids a revocation may target
  for (int i = 0; i < size; ++i) {
    const int what = static_cast<int>(pick(20));
    if (what < 8) {
      v.push_back(w.Grant(signer(), keys[pick(keys.size())].public_key(), roles[pick(4)],
                          scopes[pick(4)], hlc(), 1 + static_cast<int>(pick(20))));
      revocable.push_back(v.back().id());
    } else if (what < 10) {
      const std::string school = pick(3) == 0 ? "" : (pick(2) ? "pine" : "oak");
      v.push_back(
          w.Cert(pick(3) ? w.root : signer(), keys[pick(keys.size())].public_key(), school, hlc()));
      revocable.push_back(v.back().id());
    } else if (what < 14) {
      RecordId target = Blake2b256(AsBytes("never held " + std::to_string(i)));
      if (!revocable.empty() && pick(6) != 0) target = revocable[pick(revocable.size())];
      if (pick(10) == 0) target = v[pick(v.size())].id();  // maybe genesis, a review...
      v.push_back(w.Revoke(signer(), target, hlc()));
      if (pick(4) == 0) revocable.push_back(v.back().id());
    } else if (what == 14) {
      // Malformed, misplaced or of an unknown trust kind.
      const int bad = static_cast<int>(pick(3));
      if (bad == 0)
        v.push_back(w.Make(kGrantKind, "district/valley", "x", hlc(), Value::Map{}, signer()));
      if (bad == 1) {
        GrantBody g{keys[0].public_key(), Role::kReviewer, "school/pine", 0, 1, "x"};
        v.push_back(w.Make(kGrantKind, "school/pine", "x", hlc(), g.ToValue(), w.root));
      }
      if (bad == 2)
        v.push_back(w.Make("trust.other", "district/valley", "x", hlc(), Value::Map{}, signer()));
      revocable.push_back(v.back().id());
    } else {
      const SigningKey& author = keys[pick(keys.size())];
      const std::string school = pick(2) ? "pine" : "oak";
      if (what == 15)
        v.push_back(w.Make("note", "school/" + school, "n", hlc(), Value::Map{{"i", i}}, author));
      if (what >= 16) v.push_back(w.Review(author, hlc(), school));
    }
  }
  return v;
}

TEST_CASE("node/trust: property: incremental settling equals a full recompute after every batch" *
          doctest::test_suite("slow")) {
  std::mt19937 rng(20261203);
  int checked = 0, valid = 0, pending = 0, denied = 0, late_accepted = 0;
  for (int world = 0; world < 24; ++world) {
    District w;
    TestNode node(w);
    const uint64_t future =
        HybridClock::Make(node.clock.NowMillis() + 60 * 60'000, 0);  // an hour ahead: refused
    auto records = RandomWorld(w, rng, 30 + static_cast<int>(rng() % 40), future);
    std::vector<const VerifiedRecord*> order;
    order.reserve(records.size());
    for (const auto& r : records) order.push_back(&r);
    std::shuffle(order.begin(), order.end(), rng);
    size_t i = 0;
    bool released = false;
    while (i < order.size()) {
      const size_t n = std::min<size_t>(1 + rng() % 4, order.size() - i);
      REQUIRE(node.Ingest({order.begin() + i, order.begin() + i + n}).ok());
      i += n;
      if (!released && i > order.size() / 2) {
        // The future arrives halfway: records refused for being too far
        // ahead are offered again and now accepted.
        node.clock.Advance(3 * 60 * 60'000);
        std::vector<const VerifiedRecord*> again;
        for (size_t j = 0; j < i; ++j) {
          if (order[j]->record().hlc >= future) again.push_back(order[j]);
        }
        REQUIRE(node.Ingest(again).ok());
        late_accepted += static_cast<int>(again.size());
        released = true;
      }
      Derived incremental = Snapshot(node);
      REQUIRE(node.ledger->Rebuild().ok());
      Derived full = Snapshot(node);
      CHECK_MESSAGE(incremental == full, Diff(incremental, full));
      ++checked;
      if (!(incremental == full)) break;
    }
    for (const auto& [id, st] : Snapshot(node).states) {
      valid += st.first == RecordState::kValid;
      pending += st.first == RecordState::kPending;
      denied += st.first == RecordState::kDenied;
    }
  }
  // The worlds exercise every outcome, late records included.
  CHECK(checked > 300);
  CHECK(valid > 100);
  CHECK(pending > 100);
  CHECK(denied > 100);
  CHECK(late_accepted > 10);
}

TEST_CASE("node/trust: a revocation at the same timestamp counts only for records after it by id") {
  District w;
  SigningKey admin = SigningKey::Generate(), alice = SigningKey::Generate();
  auto admin_grant = w.Grant(w.root, admin.public_key(), Role::kAdmin, "district/valley", At(1));
  // Several grants by the admin at the revocation's very timestamp: those
  // ordered before it by id stay valid, the others are void.
  auto revoke = w.Revoke(w.root, admin_grant.id(), At(3));
  std::vector<VerifiedRecord> grants;
  int below = 0, above = 0;
  for (int i = 0; i < 200 && (below < 2 || above < 2); ++i) {
    grants.push_back(
        w.Grant(admin, alice.public_key(), Role::kReviewer, "school/pine", At(3), 100 + i));
    (grants.back().id() < revoke.id() ? below : above) += 1;
  }
  TestNode node(w);
  auto genesis = w.Genesis();
  std::vector<const VerifiedRecord*> all{&genesis, &admin_grant};
  for (auto& g : grants) all.push_back(&g);
  REQUIRE(node.Ingest(all).ok());
  for (auto& g : grants) CHECK(node.State(g) == RecordState::kValid);
  REQUIRE(node.Ingest({&revoke}).ok());
  int before = 0, after = 0;
  for (auto& g : grants) {
    const bool earlier = g.id() < revoke.id();
    CHECK(node.State(g) == (earlier ? RecordState::kValid : RecordState::kDenied));
    (earlier ? before : after) += 1;
  }
  CHECK(before > 0);
  CHECK(after > 0);
  Derived incremental = Snapshot(node);
  REQUIRE(node.ledger->Rebuild().ok());
  CHECK(incremental == Snapshot(node));
}

TEST_CASE(
    "node/trust: work: a trust record re-reads only what it can affect, not every record held") {
  District w;
  TestNode node(w);
  auto genesis = w.Genesis();
  REQUIRE(node.Ingest({&genesis}).ok());
  // Many cheap grants by keys nobody granted: all pending.
  constexpr int kHeld = 400;
  std::vector<VerifiedRecord> junk;
  std::vector<SigningKey> strangers;
  for (int i = 0; i < kHeld; ++i) {
    strangers.push_back(SigningKey::Generate());
    junk.push_back(w.Grant(strangers.back(), SigningKey::Generate().public_key(), Role::kAdmin,
                           "district/valley", At(1 + i % 5)));
  }
  std::vector<const VerifiedRecord*> ptrs;
  ptrs.reserve(junk.size());
  for (auto& r : junk) ptrs.push_back(&r);
  REQUIRE(node.Ingest(ptrs).ok());
  CHECK(node.State(junk.front()) == RecordState::kPending);

  const TrustWork start = node.auth->work();
  // One more pending grant: decided alone.
  auto one_more = w.Grant(SigningKey::Generate(), strangers[0].public_key(), Role::kAdmin,
                          "district/valley", At(2));
  REQUIRE(node.Ingest({&one_more}).ok());
  CHECK(node.State(one_more) == RecordState::kPending);
  CHECK(node.auth->work().trust_records_decided - start.trust_records_decided == 1);
  CHECK(node.auth->work().records_evaluated == start.records_evaluated);

  // A grant to one stranger re-decides that stranger's grant and what follows
  // from it (the key it granted, now known: nothing of its own held) — not
  // the other strangers' grants.
  const TrustWork before_grant = node.auth->work();
  auto grant = w.Grant(w.root, strangers[7].public_key(), Role::kAdmin, "district/valley", At(0));
  REQUIRE(node.Ingest({&grant}).ok());
  CHECK(node.State(grant) == RecordState::kValid);
  CHECK(node.State(junk[7]) == RecordState::kValid);
  CHECK(node.State(junk[8]) == RecordState::kPending);
  CHECK(node.auth->work().trust_records_decided - before_grant.trust_records_decided <= 3);

  // A revocation of that grant: again only the chain below it.
  const TrustWork before_revoke = node.auth->work();
  auto revoke = w.Revoke(w.root, grant.id(), At(0) + 1);
  REQUIRE(node.Ingest({&revoke}).ok());
  CHECK(node.State(junk[7]) == RecordState::kDenied);
  CHECK(node.auth->work().trust_records_decided - before_revoke.trust_records_decided <= 3);

  Derived incremental = Snapshot(node);
  REQUIRE(node.ledger->Rebuild().ok());
  CHECK(incremental == Snapshot(node));
}

}  // namespace
}  // namespace credmesh
