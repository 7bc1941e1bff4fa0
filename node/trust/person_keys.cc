#include "node/trust/person_keys.h"

#include <sodium.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "storage/key_file.h"

namespace fs = std::filesystem;

namespace credmesh {
namespace {

constexpr char kFormat[] = "credmesh-person-key/1";

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Status DeriveKey(std::string_view passphrase, ByteView salt, uint64_t ops, uint64_t mem,
                 uint8_t out[crypto_secretbox_KEYBYTES]) {
  if (salt.size() != crypto_pwhash_SALTBYTES) return Status::Corruption("bad salt size");
  if (crypto_pwhash(out, crypto_secretbox_KEYBYTES, passphrase.data(), passphrase.size(),
                    salt.data(), ops, static_cast<size_t>(mem),
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::ResourceExhausted("crypto_pwhash ran out of memory");
  }
  return Status::Ok();
}

Result<PersonKeyEntry> ParseEntry(const std::string& path) {
  CREDMESH_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("format", "") != kFormat) {
    return Status::Corruption(path + " is not a credmesh person key file");
  }
  auto key = PublicKey::FromHex(j.value("public_key", ""));
  if (!key) return Status::Corruption(path + ": bad public_key");
  return PersonKeyEntry{j.value("name", ""), j.value("email", ""), *key, path};
}

}  // namespace

KdfLimits KdfLimits::Moderate() {
  return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
}
KdfLimits KdfLimits::Interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}
KdfLimits KdfLimits::Minimum() { return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN}; }
Result<KdfLimits> KdfLimits::Named(const std::string& name) {
  if (name.empty() || name == "moderate") return Moderate();
  if (name == "interactive") return Interactive();
  if (name == "minimum") return Minimum();
  return Status::InvalidArgument(
      "key derivation cost must be moderate, interactive or minimum (tests only)");
}
bool KdfLimits::TooWeakForRealUse() const {
  return opslimit < crypto_pwhash_OPSLIMIT_INTERACTIVE ||
         memlimit < crypto_pwhash_MEMLIMIT_INTERACTIVE;
}

Status PersonKeyStore::Save(const std::string& name, const std::string& email,
                            const SigningKey& key, std::string_view passphrase,
                            const KdfLimits& limits) {
  EnsureSodium();
  if (passphrase.empty()) return Status::InvalidArgument("the passphrase must not be empty");
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Status::IoError("create " + dir_ + ": " + ec.message());
  fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::replace, ec);
  std::string path = dir_ + "/" + key.public_key().hex() + ".json";
  if (fs::exists(path)) return Status::AlreadyExists(path + " exists");

  uint8_t salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES];
  RandomBytes(salt, sizeof salt);
  RandomBytes(nonce, sizeof nonce);
  uint8_t box_key[crypto_secretbox_KEYBYTES];
  CREDMESH_RETURN_IF_ERROR(DeriveKey(passphrase, ByteView(salt, sizeof salt), limits.opslimit,
                                     limits.memlimit, box_key));
  Bytes seed = key.Seed();
  Bytes sealed(seed.size() + crypto_secretbox_MACBYTES);
  crypto_secretbox_easy(sealed.data(), seed.data(), seed.size(), nonce, box_key);
  sodium_memzero(seed.data(), seed.size());
  sodium_memzero(box_key, sizeof box_key);
  nlohmann::json j = {{"format", kFormat},
                      {"name", name},
                      {"email", email},
                      {"public_key", key.public_key().hex()},
                      {"kdf", "argon2id13"},
                      {"opslimit", limits.opslimit},
                      {"memlimit", limits.memlimit},
                      {"salt", ToHex(ByteView(salt, sizeof salt))},
                      {"nonce", ToHex(ByteView(nonce, sizeof nonce))},
                      {"sealed_seed", ToHex(sealed)}};
  return WriteFileAtomic(path, j.dump(2) + "\n", 0600);
}

Result<std::vector<PersonKeyEntry>> PersonKeyStore::List() {
  std::vector<PersonKeyEntry> out;
  std::error_code ec;
  if (!fs::exists(dir_, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    if (e.path().extension() != ".json") continue;
    CREDMESH_ASSIGN_OR_RETURN(PersonKeyEntry entry, ParseEntry(e.path().string()));
    out.push_back(std::move(entry));
  }
  if (ec) return Status::IoError("list " + dir_ + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

Result<PersonKeyEntry> PersonKeyStore::Find(const std::string& who) {
  CREDMESH_ASSIGN_OR_RETURN(auto all, List());
  std::vector<PersonKeyEntry> hits;
  for (auto& e : all) {
    if (Lower(e.name) == Lower(who)) return e;
    if (who.size() >= 4 && e.key.hex().rfind(Lower(who), 0) == 0) hits.push_back(e);
  }
  if (hits.size() == 1) return hits.front();
  if (hits.size() > 1) return Status::InvalidArgument("\"" + who + "\" matches several keys");
  return Status::NotFound("no person \"" + who +
                          "\" in this node's key store (see: credmesh person list)");
}

Result<SigningKey> PersonKeyStore::Unlock(const PersonKeyEntry& entry,
                                          std::string_view passphrase) {
  EnsureSodium();
  CREDMESH_ASSIGN_OR_RETURN(std::string text, ReadFile(entry.path));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption(entry.path + " is not JSON");
  auto salt = FromHex(j.value("salt", ""));
  auto nonce = FromHex(j.value("nonce", ""));
  auto sealed = FromHex(j.value("sealed_seed", ""));
  if (!salt || !nonce || !sealed || nonce->size() != crypto_secretbox_NONCEBYTES ||
      sealed->size() != SigningKey::kSeedSize + crypto_secretbox_MACBYTES) {
    return Status::Corruption(entry.path + ": malformed sealed key");
  }
  uint64_t ops = j.value("opslimit", uint64_t{0}), mem = j.value("memlimit", uint64_t{0});
  if (ops < crypto_pwhash_OPSLIMIT_MIN || mem < crypto_pwhash_MEMLIMIT_MIN ||
      mem > crypto_pwhash_MEMLIMIT_SENSITIVE) {
    return Status::Corruption(entry.path + ": implausible key derivation limits");
  }
  uint8_t box_key[crypto_secretbox_KEYBYTES];
  CREDMESH_RETURN_IF_ERROR(DeriveKey(passphrase, *salt, ops, mem, box_key));
  Bytes seed(SigningKey::kSeedSize);
  int rc = crypto_secretbox_open_easy(seed.data(), sealed->data(), sealed->size(), nonce->data(),
                                      box_key);
  sodium_memzero(box_key, sizeof box_key);
  if (rc != 0) return Status::Unauthorized("wrong passphrase for " + entry.name);
  auto key = SigningKey::FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  if (!key.ok()) return key.status();
  if (key->public_key() != entry.key)
    return Status::Corruption(entry.path + ": key does not match");
  return key;
}

}  // namespace credmesh
