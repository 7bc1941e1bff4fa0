// person_keys.h: the node's store of people's Ed25519 keys, each sealed under
// its owner's passphrase (Argon2id via crypto_pwhash, then
// crypto_secretbox). One file per person: DIR/people/<public key hex>.json,
// mode 0600. The passphrase never touches disk.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/crypto.h"

namespace credmesh {

// Argon2id cost. Moderate for real use; Interactive for scripts; Minimum
// (libsodium's floor: one pass over 8 KiB) only for automated tests, where
// every CLI call unlocking a key would otherwise hash 64 MiB.
struct KdfLimits {
  uint64_t opslimit = 0;
  uint64_t memlimit = 0;
  static KdfLimits Moderate();
  static KdfLimits Interactive();
  static KdfLimits Minimum();
  // "moderate" | "interactive" | "minimum"; InvalidArgument otherwise.
  static Result<KdfLimits> Named(const std::string& name);
  // True below Interactive: the passphrase then protects the key hardly at all.
  bool TooWeakForRealUse() const;
};

struct PersonKeyEntry {
  std::string name;
  std::string email;
  PublicKey key;
  std::string path;
};

class PersonKeyStore {
 public:
  explicit PersonKeyStore(std::string node_dir) : dir_(std::move(node_dir) + "/people") {}

  // Seals `key` under `passphrase` and writes it; AlreadyExists if present.
  Status Save(const std::string& name, const std::string& email, const SigningKey& key,
              std::string_view passphrase, const KdfLimits& limits);
  // Every stored key, ordered by name.
  Result<std::vector<PersonKeyEntry>> List();
  // The one key whose name matches exactly (case-insensitive) or whose public
  // key starts with `who` (hex); NotFound or InvalidArgument (ambiguous).
  Result<PersonKeyEntry> Find(const std::string& who);
  // Opens the sealed key; Unauthorized on a wrong passphrase.
  Result<SigningKey> Unlock(const PersonKeyEntry& entry, std::string_view passphrase);

 private:
  std::string dir_;
};

}  // namespace credmesh
