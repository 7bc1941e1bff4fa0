#include "node/trust/person_keys.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace credmesh {
namespace {

TEST_CASE("node/person_keys: seal, find, unlock, wrong passphrase refused") {
  auto dir = std::filesystem::temp_directory_path() / ("cm-pk-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  PersonKeyStore store(dir.string());
  SigningKey key = SigningKey::Generate();
  REQUIRE(
      store.Save("Ada Lovelace", "ada@example.org", key, "correct horse", KdfLimits::Interactive())
          .ok());
  CHECK(store.Save("Ada Lovelace", "ada@example.org", key, "x", KdfLimits::Interactive()).code() ==
        Status::Code::kAlreadyExists);
  auto entry = store.Find("ada lovelace");
  REQUIRE(entry.ok());
  CHECK(entry->key == key.public_key());
  CHECK(store.Find(key.public_key().hex().substr(0, 8)).ok());
  CHECK(store.Find("nobody").status().code() == Status::Code::kNotFound);
  struct stat st {};
  REQUIRE(::stat(entry->path.c_str(), &st) == 0);
  CHECK((st.st_mode & 077) == 0);
  auto opened = store.Unlock(*entry, "correct horse");
  REQUIRE(opened.ok());
  CHECK(opened->public_key() == key.public_key());
  auto wrong = store.Unlock(*entry, "wrong");
  CHECK(wrong.status().code() == Status::Code::kUnauthorized);
  std::filesystem::remove_all(dir);
}

TEST_CASE("node/person_keys: named costs, and the test-only minimum still seals") {
  auto moderate = KdfLimits::Named("");
  REQUIRE(moderate.ok());
  CHECK(moderate->memlimit == KdfLimits::Moderate().memlimit);
  auto interactive = KdfLimits::Named("interactive");
  REQUIRE(interactive.ok());
  CHECK(interactive->opslimit == KdfLimits::Interactive().opslimit);
  auto minimum = KdfLimits::Named("minimum");
  REQUIRE(minimum.ok());
  CHECK(minimum->memlimit < KdfLimits::Interactive().memlimit);
  CHECK(KdfLimits::Named("fast").status().code() == Status::Code::kInvalidArgument);
  CHECK_FALSE(KdfLimits::Moderate().TooWeakForRealUse());
  CHECK_FALSE(KdfLimits::Interactive().TooWeakForRealUse());
  CHECK(KdfLimits::Minimum().TooWeakForRealUse());

  auto dir = std::filesystem::temp_directory_path() / ("cm-pk-min-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  PersonKeyStore store(dir.string());
  SigningKey key = SigningKey::Generate();
  REQUIRE(store.Save("Grace Hopper", "grace@example.org", key, "cobol", KdfLimits::Minimum()).ok());
  auto entry = store.Find("grace hopper");
  REQUIRE(entry.ok());
  CHECK(store.Unlock(*entry, "fortran").status().code() == Status::Code::kUnauthorized);
  auto opened = store.Unlock(*entry, "cobol");
  REQUIRE(opened.ok());
  CHECK(opened->public_key() == key.public_key());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace credmesh
