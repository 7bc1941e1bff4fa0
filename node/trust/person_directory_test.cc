#include "node/trust/person_directory.h"

#include <doctest/doctest.h>

#include "node/trust/person_records.h"
#include "node/trust/trust_index.h"
#include "node/trust/trust_test_world.h"

namespace credmesh {
namespace {

using testing::At;
using testing::District;
using testing::TestNode;

// A district node holding people written by other nodes.
struct People {
  District w;
  TestNode node{w};
  SigningKey admin = SigningKey::Generate();
  VerifiedRecord genesis = w.Genesis();
  VerifiedRecord admin_grant =
      NamedGrant(w.root, admin.public_key(), Role::kAdmin, "district/valley", "Ada Admin", At(1));

  People() { Put({&genesis, &admin_grant}); }

  VerifiedRecord NamedGrant(const SigningKey& signer, const PublicKey& subject, Role role,
                            const std::string& scope, const std::string& name, uint64_t hlc) const {
    GrantBody g;
    g.subject = subject;
    g.role = role;
    g.scope = scope;
    g.not_before_ms = HybridClock::Millis(hlc);
    g.not_after_ms = g.not_before_ms + 10LL * 365 * 86'400'000;
    g.name = name;
    return w.Make(kGrantKind, "district/valley", PersonEntity(subject), hlc, g.ToValue(), signer);
  }
  VerifiedRecord Profile(const SigningKey& person, const std::string& scope,
                         const std::string& name, const std::string& email, uint64_t hlc) const {
    ProfileBody p{person.public_key(), name, email};
    return w.Make(kProfileKind, scope, PersonEntity(person.public_key()), hlc, p.ToValue(), person);
  }
  VerifiedRecord Rekey(const SigningKey& signer, const PublicKey& old_key,
                       const SigningKey& new_key, uint64_t hlc) const {
    RekeyBody b = RekeyBody::Make(old_key, new_key, "moved to Oak");
    return w.Make(kRekeyKind, "district/valley", PersonEntity(old_key), hlc, b.ToValue(), signer);
  }
  void Put(std::initializer_list<const VerifiedRecord*> recs) const {
    REQUIRE(node.Ingest(recs).ok());
  }
  PersonDirectory Load(const std::vector<PersonKeyEntry>& local = {}) const {
    auto d = PersonDirectory::Load(node.store->db(), local);
    REQUIRE(d.ok());
    return std::move(*d);
  }
};

TEST_CASE("person_directory: people written elsewhere resolve by name, key prefix and key") {
  People f;
  auto tables = TrustIndex::TablesExist(f.node.store->db());
  REQUIRE(tables.ok());
  CHECK(*tables);
  SigningKey ed = SigningKey::Generate();
  auto grant =
      f.NamedGrant(f.w.root, ed.public_key(), Role::kEducator, "school/pine", "Ed Educator", At(2));
  auto profile = f.Profile(ed, "school/pine", "Ed Educator", "ed@pine.org", At(3));
  f.Put({&grant, &profile});
  PersonDirectory dir = f.Load();  // no local key for Ed: a hub's view
  const std::vector<std::string> names = {
      "Ed Educator", "ed  EDUCATOR", ed.public_key().hex().substr(0, 6), ed.public_key().hex()};
  for (const std::string& who : names) {
    INFO(who);
    auto p = dir.Resolve(who);
    REQUIRE(p.ok());
    CHECK(p->key == ed.public_key());
    CHECK(p->name == "Ed Educator");
    CHECK(p->email == "ed@pine.org");
    REQUIRE(p->grants.size() == 1);
    CHECK(p->grants[0].role == Role::kEducator);
  }
  auto none = dir.Resolve("Sam");
  CHECK(none.status().code() == Status::Code::kNotFound);
  CHECK(none.status().message().find("person list") != std::string::npos);
  CHECK(dir.Named("ada admin").size() == 1);
}

TEST_CASE("person_directory: two people of one name are refused, listing both keys") {
  People f;
  SigningKey ed1 = SigningKey::Generate(), ed2 = SigningKey::Generate();
  // Written apart on two schools during a partition, both arrive here.
  auto g1 = f.NamedGrant(f.w.root, ed1.public_key(), Role::kEducator, "school/pine", "Ed Educator",
                         At(2));
  auto g2 =
      f.NamedGrant(f.w.root, ed2.public_key(), Role::kEducator, "school/oak", "ed educator", At(3));
  f.Put({&g1, &g2});
  PersonDirectory dir = f.Load();
  auto p = dir.Resolve("Ed Educator");
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().code() == Status::Code::kInvalidArgument);
  const std::string& m = p.status().message();
  CHECK(m.find("names 2 people") != std::string::npos);
  CHECK(m.find(ShortKey(ed1.public_key())) != std::string::npos);
  CHECK(m.find(ShortKey(ed2.public_key())) != std::string::npos);
  CHECK(m.find("school/oak") != std::string::npos);
  // Either can still be named by key.
  auto by_key = dir.Resolve(ed2.public_key().hex().substr(0, 12));
  REQUIRE(by_key.ok());
  CHECK(by_key->key == ed2.public_key());
  CHECK(dir.Named("Ed Educator").size() == 2);
}

TEST_CASE("person_directory: a rekey ties the keys into one person with the new key current") {
  People f;
  SigningKey old_key = SigningKey::Generate(), new_key = SigningKey::Generate();
  auto g_old =
      f.NamedGrant(f.w.root, old_key.public_key(), Role::kEducator, "school/pine", "Ed", At(2));
  auto p_old = f.Profile(old_key, "school/pine", "Ed", "ed@pine.org", At(3));
  auto g_new =
      f.NamedGrant(f.w.root, new_key.public_key(), Role::kEducator, "school/oak", "Ed", At(4));

  SUBCASE("signed by the old key, whose grant is for a school scope only") {
    auto rekey = f.Rekey(old_key, old_key.public_key(), new_key, At(5));
    auto p_new = f.Profile(new_key, "school/oak", "Ed", "ed@oak.org", At(6));
    f.Put({&g_old, &p_old, &g_new, &rekey, &p_new});
    CHECK(f.node.State(rekey) == RecordState::kValid);
    PersonDirectory dir = f.Load();
    for (const std::string& who : {std::string("Ed"), old_key.public_key().hex().substr(0, 8)}) {
      auto p = dir.Resolve(who);
      REQUIRE(p.ok());
      CHECK(p->key == new_key.public_key());
      REQUIRE(p->keys.size() == 2);
      CHECK(p->keys[0] == new_key.public_key());
      CHECK(p->keys[1] == old_key.public_key());
      CHECK(p->email == "ed@oak.org");  // the newest profile
      CHECK(p->grants.size() == 2);
    }
  }
  SUBCASE("vouched by an admin") {
    auto rekey = f.Rekey(f.admin, old_key.public_key(), new_key, At(5));
    f.Put({&g_old, &p_old, &g_new, &rekey});
    CHECK(f.node.State(rekey) == RecordState::kValid);
    auto p = f.Load().Resolve("Ed");
    REQUIRE(p.ok());
    CHECK(p->key == new_key.public_key());
  }
  SUBCASE("signed by someone else is denied and ties nothing") {
    SigningKey mal = SigningKey::Generate();
    auto g_mal =
        f.NamedGrant(f.w.root, mal.public_key(), Role::kEducator, "school/pine", "Mal", At(2));
    auto rekey = f.Rekey(mal, old_key.public_key(), new_key, At(5));
    f.Put({&g_old, &p_old, &g_new, &g_mal, &rekey});
    auto row = f.node.Row(rekey);
    CHECK(row.state == RecordState::kDenied);
    CHECK(row.reason.find("admin (or the old key's own)") != std::string::npos);
    // Not tied: two people named Ed now, so the name is refused.
    CHECK_FALSE(f.Load().Resolve("Ed").ok());
  }
  SUBCASE("without the new key's consent is denied") {
    SigningKey other = SigningKey::Generate();
    RekeyBody b = RekeyBody::Make(old_key.public_key(), other, "x");
    b.new_key = new_key.public_key();  // consent signed by another key
    auto rekey = f.w.Make(kRekeyKind, "district/valley", PersonEntity(old_key.public_key()), At(5),
                          b.ToValue(), old_key);
    f.Put({&g_old, &p_old, &g_new, &rekey});
    auto row = f.node.Row(rekey);
    CHECK(row.state == RecordState::kDenied);
    CHECK(row.reason.find("consent is not the new key's signature") != std::string::npos);
  }
}

TEST_CASE("person_directory: bad names and e-mails from a peer are refused with the reason") {
  People f;
  SigningKey ed = SigningKey::Generate();
  auto grant = f.NamedGrant(f.w.root, ed.public_key(), Role::kEducator, "school/pine", "Ed", At(2));
  // NOLINTNEXTLINE(misc-misleading-bidirectional): an escaped override, on purpose
  auto bidi = f.Profile(ed, "school/pine", "Ed\xe2\x80\xae", "ed@pine.org", At(3));
  auto email = f.Profile(ed, "school/pine", "Ed", "ed at pine", At(4));
  auto bad_grant = f.NamedGrant(f.w.root, SigningKey::Generate().public_key(), Role::kEducator,
                                "school/pine", "Sam\x1b[2J", At(5));
  f.Put({&grant, &bidi, &email, &bad_grant});
  auto bidi_row = f.node.Row(bidi);
  CHECK(bidi_row.state == RecordState::kDenied);
  CHECK(bidi_row.reason.find("malformed person.profile") != std::string::npos);
  CHECK(bidi_row.reason.find("bidi override (U+202E)") != std::string::npos);
  auto email_row = f.node.Row(email);
  CHECK(email_row.state == RecordState::kDenied);
  CHECK(email_row.reason.find("e-mail address \"ed at pine\" is not valid") != std::string::npos);
  auto grant_row = f.node.Row(bad_grant);
  CHECK(grant_row.state == RecordState::kDenied);
  CHECK(grant_row.reason.find("malformed grant: name: the name holds a control character") !=
        std::string::npos);
  PersonDirectory dir = f.Load();
  auto p = dir.Resolve("Ed");
  REQUIRE(p.ok());
  CHECK(p->email.empty());          // neither bad profile counts
  CHECK(dir.people().size() == 2);  // Ada and Ed
}

TEST_CASE("person_directory: keys of the local key store count outside any district") {
  auto store = Store::Open(":memory:");
  REQUIRE(store.ok());
  auto tables = TrustIndex::TablesExist((*store)->db());
  REQUIRE(tables.ok());
  CHECK_FALSE(*tables);  // no trust module outside a district
  PersonKeyEntry solo{"Solo Teacher", "solo@school.org", SigningKey::Generate().public_key(), ""};
  auto dir = PersonDirectory::Load((*store)->db(), {solo});
  REQUIRE(dir.ok());
  auto p = dir->Resolve("solo teacher");
  REQUIRE(p.ok());
  CHECK(p->key == solo.key);
  CHECK(p->email == "solo@school.org");
}

}  // namespace
}  // namespace credmesh
