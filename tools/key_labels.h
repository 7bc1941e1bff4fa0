// key_labels.h: who holds a public key, for what the CLI prints. Commands
// that print keys load the labels once and ask them for each key.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "node/node.h"
#include "node/trust/person_directory.h"

namespace credmesh::cli {

class KeyLabels {
 public:
  // Reads the people this node knows (LoadPeople, tools/trust_cli.h), the
  // node certificates it holds, its own name and the district root key.
  static Result<KeyLabels> Load(Node& node);

  // The name of who holds `key`, first match of: a person, by any of their
  // keys (earlier ones after a rekey too: the person's current name); an
  // enrolled node, by its certificate's name; this node, by its configured
  // name; the district root, "district root". Empty when none of them does.
  // Node names that would be refused as a person's name are not used.
  std::string Name(const PublicKey& key) const;
  // "Name (key prefix)", or the bare key prefix (ShortKey) when Name is
  // empty: a key nobody on record holds is shown as it is.
  std::string Label(const PublicKey& key) const;
  // "  (Name)" to follow a key printed in full, or "" when Name is empty.
  std::string NameSuffix(const PublicKey& key) const;
  // Name for JSON documents: the name, or null when it is empty.
  nlohmann::json NameJson(const PublicKey& key) const;

 private:
  PersonDirectory people_;
  std::map<PublicKey, std::string> others_;  // node certificates, this node, the root
};

}  // namespace credmesh::cli
