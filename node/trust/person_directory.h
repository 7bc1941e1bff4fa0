// person_directory.h: the people of a district as this node knows them, from
// the records it holds whichever node wrote them: valid trust.grant facts
// (with the name they were granted under), valid person.profile records
// (name, e-mail) and valid person.rekey records, which tie a person's keys
// together. Keys in this node's key store count too, so a node outside any
// district still knows its own people. Commands resolve every PERSON
// argument here; `--as` then needs the resolved person's private key in the
// local key store. docs/trust.md "People".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "node/trust/person_keys.h"
#include "node/trust/trust_records.h"
#include "storage/sqlite.h"

namespace credmesh {

struct Person {
  std::string name;   // newest valid profile's, else newest named grant's, else the key file's
  std::string email;  // newest valid profile's (or the key file's); may be empty
  PublicKey key;      // the current key: what the person signs with from now on
  // Every key of the person, the current one first. More than one only when
  // person.rekey records tie them together; the others are "earlier keys".
  std::vector<PublicKey> keys;
  std::vector<TrustFact> grants;  // person grants of any of its keys, by timestamp
};

class PersonDirectory {
 public:
  // Reads the people from `db` (the trust tables may be absent: a node
  // outside any district) and the key store entries `local`.
  static Result<PersonDirectory> Load(Database& db, const std::vector<PersonKeyEntry>& local);

  // Every person, ordered by name, then current key.
  const std::vector<Person>& people() const { return people_; }

  // The one person `who` names: a full 64-digit key, a name (compared as
  // PersonNameKey: ASCII case and repeated spaces do not matter), or a key
  // prefix of at least 4 hex digits matching any of a person's keys.
  // NotFound when nobody matches; InvalidArgument when several people do,
  // listing each with its key prefix and grants so the caller can pick one by
  // key. A full key nobody has recorded resolves to a person of that key only.
  Result<Person> Resolve(const std::string& who) const;

  // People whose name equals `name` (as PersonNameKey).
  std::vector<const Person*> Named(const std::string& name) const;
  // The person holding `key` as current or earlier key; null if none.
  const Person* WithKey(const PublicKey& key) const;

  // "Ed Educator 1a2b3c4d5e6f7a8b (educator school/pine)", for lists of
  // candidates in messages.
  static std::string Describe(const Person& p);

 private:
  std::vector<Person> people_;
};

}  // namespace credmesh
