#include "node/trust/person_directory.h"

#include <algorithm>
#include <map>
#include <set>

#include "node/trust/person_names.h"
#include "node/trust/person_records.h"
#include "node/trust/trust_index.h"
#include "storage/record_store.h"

namespace credmesh {
namespace {

bool IsPersonRole(Role r) {
  return r == Role::kEducator || r == Role::kReviewer || r == Role::kIssuer || r == Role::kAdmin;
}

// Keys tied into one person by rekey records: a union-find over keys.
class KeyGroups {
 public:
  void Add(const PublicKey& k) { parent_.emplace(k, k); }
  void Join(const PublicKey& a, const PublicKey& b) {
    Add(a);
    Add(b);
    PublicKey ra = Root(a), rb = Root(b);
    if (ra != rb) parent_[std::max(ra, rb)] = std::min(ra, rb);
  }
  PublicKey Root(const PublicKey& k) {
    PublicKey r = k;
    while (parent_.at(r) != r) r = parent_.at(r);
    return r;
  }
  std::vector<PublicKey> Keys() const {
    std::vector<PublicKey> out;
    for (const auto& [k, p] : parent_) out.push_back(k);
    return out;
  }

 private:
  std::map<PublicKey, PublicKey> parent_;
};

// A valid record's place in the (timestamp, id) order and what it says.
struct ProfileSeen {
  uint64_t hlc = 0;
  RecordId id;
  ProfileBody body;
};
struct RekeySeen {
  uint64_t hlc = 0;
  RecordId id;
  PublicKey old_key, new_key;
};

template <typename Body>
Status ForEachValid(Database& db, const char* kind,
                    const std::function<void(const RecordRow&, Body)>& fn) {
  RecordQuery q;
  q.kind = kind;
  q.state = RecordState::kValid;
  return RecordStore(db).ForEach(q, [&](const RecordRow& row, ByteView bytes) {
    auto rec = DecodeRecord(bytes);
    if (!rec.ok()) return rec.status().WithContext("stored record " + row.id.hex());
    auto body = Body::Parse(rec->body);
    if (body.ok()) fn(row, std::move(*body));  // valid records always parse
    return Status::Ok();
  });
}

}  // namespace

Result<PersonDirectory> PersonDirectory::Load(Database& db,
                                              const std::vector<PersonKeyEntry>& local) {
  std::vector<TrustFact> facts;
  CREDMESH_ASSIGN_OR_RETURN(bool trust, TrustIndex::TablesExist(db));
  if (trust) {
    CREDMESH_ASSIGN_OR_RETURN(auto all, TrustIndex(db).LoadAll());
    for (auto& f : all) {
      if (IsPersonRole(f.role)) facts.push_back(std::move(f));
    }
  }
  std::map<PublicKey, ProfileSeen> profiles;  // the newest per key
  CREDMESH_RETURN_IF_ERROR(
      ForEachValid<ProfileBody>(db, kProfileKind, [&](const RecordRow& row, ProfileBody b) {
        const PublicKey key = b.key;
        profiles[key] = {row.hlc, row.id, std::move(b)};  // ascending: the last is the newest
      }));
  std::vector<RekeySeen> rekeys;  // ascending (timestamp, id)
  CREDMESH_RETURN_IF_ERROR(
      ForEachValid<RekeyBody>(db, kRekeyKind, [&](const RecordRow& row, const RekeyBody& b) {
        rekeys.push_back({row.hlc, row.id, b.old_key, b.new_key});
      }));

  KeyGroups groups;
  for (const auto& f : facts) groups.Add(f.subject);
  for (const auto& [k, p] : profiles) groups.Add(k);
  for (const auto& e : local) groups.Add(e.key);
  for (const auto& r : rekeys) groups.Join(r.old_key, r.new_key);

  std::map<PublicKey, Person> by_root;
  for (const PublicKey& k : groups.Keys()) by_root[groups.Root(k)].keys.push_back(k);
  std::sort(facts.begin(), facts.end(), [](const TrustFact& a, const TrustFact& b) {
    return a.issued_hlc != b.issued_hlc ? a.issued_hlc < b.issued_hlc : a.id < b.id;
  });
  for (const auto& f : facts) by_root[groups.Root(f.subject)].grants.push_back(f);

  // The current key: the new key of the group's newest rekey whose new key
  // was not moved on from (rekeys made apart in a partition may fork); with
  // no such rekey, the newest rekey's new key; with no rekey, the only key.
  std::map<PublicKey, std::optional<PublicKey>> current, newest;
  std::set<PublicKey> moved_from;
  for (const auto& r : rekeys) moved_from.insert(r.old_key);
  for (const auto& r : rekeys) {
    const PublicKey root = groups.Root(r.old_key);
    newest[root] = r.new_key;
    if (!moved_from.count(r.new_key)) current[root] = r.new_key;
  }

  std::map<PublicKey, const PersonKeyEntry*> local_by_key;
  for (const auto& e : local) local_by_key[e.key] = &e;

  PersonDirectory dir;
  for (auto& [root, p] : by_root) {
    if (auto c = current[root]) {
      p.key = *c;
    } else if (auto n = newest[root]) {
      p.key = *n;
    } else {
      p.key = p.keys.front();
    }
    const PublicKey& current_key = p.key;  // clang 14 cannot capture a structured binding
    std::stable_partition(p.keys.begin(), p.keys.end(),
                          [&current_key](const PublicKey& k) { return k == current_key; });
    const ProfileSeen* best = nullptr;
    for (const PublicKey& k : p.keys) {
      auto it = profiles.find(k);
      if (it == profiles.end()) continue;
      const ProfileSeen& s = it->second;
      if (!best || std::tie(s.hlc, s.id) > std::tie(best->hlc, best->id)) best = &s;
    }
    if (best) {
      p.name = best->body.name;
      p.email = best->body.email;
    }
    for (auto g = p.grants.rbegin(); p.name.empty() && g != p.grants.rend(); ++g) p.name = g->name;
    for (const PublicKey& k : p.keys) {
      auto it = local_by_key.find(k);
      if (it == local_by_key.end()) continue;
      if (p.name.empty()) p.name = it->second->name;
      if (p.email.empty()) p.email = it->second->email;
    }
    dir.people_.push_back(std::move(p));
  }
  std::sort(dir.people_.begin(), dir.people_.end(), [](const Person& a, const Person& b) {
    return std::tie(a.name, a.key) < std::tie(b.name, b.key);
  });
  return dir;
}

std::vector<const Person*> PersonDirectory::Named(const std::string& name) const {
  std::vector<const Person*> out;
  const std::string want = PersonNameKey(name);
  for (const Person& p : people_) {
    if (!p.name.empty() && PersonNameKey(p.name) == want) out.push_back(&p);
  }
  return out;
}

const Person* PersonDirectory::WithKey(const PublicKey& key) const {
  for (const Person& p : people_) {
    if (std::find(p.keys.begin(), p.keys.end(), key) != p.keys.end()) return &p;
  }
  return nullptr;
}

std::string PersonDirectory::Describe(const Person& p) {
  std::string out = (p.name.empty() ? std::string("(no name)") : p.name) + " " + ShortKey(p.key);
  std::string roles;
  for (const TrustFact& g : p.grants) {
    roles += (roles.empty() ? "" : ", ") + RoleName(g.role) + " " + g.scope;
  }
  if (!roles.empty()) out += " (" + roles + ")";
  return out;
}

Result<Person> PersonDirectory::Resolve(const std::string& who) const {
  if (who.size() == 64) {
    if (auto key = PublicKey::FromHex(who)) {
      if (const Person* p = WithKey(*key)) return *p;
      Person bare;
      bare.key = *key;
      bare.keys = {*key};
      return bare;
    }
  }
  auto ambiguous = [&](const std::vector<const Person*>& hits, const std::string& what) {
    std::string msg = what + " " + std::to_string(hits.size()) +
                      " people in this district; name one by key prefix instead:";
    for (const Person* p : hits) msg += "\n  " + Describe(*p);
    return Status::InvalidArgument(msg);
  };
  std::vector<const Person*> hits = Named(who);
  if (hits.size() == 1) return *hits.front();
  if (hits.size() > 1) return ambiguous(hits, "\"" + who + "\" names");
  std::string prefix;
  for (char c : who) prefix += (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
  const bool hex =
      prefix.size() >= 4 && prefix.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (hex) {
    for (const Person& p : people_) {
      for (const PublicKey& k : p.keys) {
        if (k.hex().rfind(prefix, 0) == 0) {
          hits.push_back(&p);
          break;
        }
      }
    }
    if (hits.size() == 1) return *hits.front();
    if (hits.size() > 1) return ambiguous(hits, "key prefix " + who + " matches");
  }
  return Status::NotFound("no person \"" + who +
                          "\" in this node's records (see: credmesh person list)");
}

}  // namespace credmesh
