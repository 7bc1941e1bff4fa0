// trust_cli.h: command-line plumbing of the trust layer shared by the trust
// commands and cli.cc: passphrases, the root key, people's keys, and the trust
// part of `status`. (`init --hub` / `init --school` is node/district_init.h.)
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "node/node.h"
#include "node/trust/person_directory.h"

namespace credmesh::cli {

// The passphrase for `who`: $CREDMESH_PASSPHRASE, else a no-echo prompt on the
// terminal (asked twice when `confirm`). `env` names a more specific variable
// tried first (e.g. CREDMESH_NEW_PASSPHRASE); may be null.
Result<std::string> GetPassphrase(const std::string& who, bool confirm, const char* env);

// The district root key: `file` if given, else DIR/root.key. NotFound (with
// advice) when the root is kept offline and no file was given.
Result<SigningKey> LoadRootKey(const Node& node, const std::string& file);
// True if a root key is available without asking (file given or DIR/root.key).
bool RootKeyAvailable(const Node& node, const std::string& file);

// The people this node knows: its people records and its key store.
Result<PersonDirectory> LoadPeople(Node& node);
// The one person `who` names (PersonDirectory::Resolve): refuses ambiguous
// names, listing the candidates.
Result<Person> FindPerson(Node& node, const std::string& who);

// Unlocks the person `who` (resolved by FindPerson) with the passphrase of
// their key in this node's key store: their current key if it is here, else
// an earlier one. NotFound when none of their keys is here. The key lives
// until the process exits.
Result<const SigningKey*> UnlockPerson(Node& node, const std::string& who);
// Unlocks `key` from this node's key store (NotFound when it is not there).
Result<const SigningKey*> UnlockPersonKey(const Node& node, const PublicKey& key);

// Adds enrolment and quarantine (pending grouped by reason) to `status`.
Status AddTrustStatus(Node& node, nlohmann::json& j);
void PrintTrustStatus(const nlohmann::json& j);

}  // namespace credmesh::cli
