#include "tools/key_labels.h"

#include "node/trust/person_names.h"
#include "node/trust/trust_index.h"
#include "tools/trust_cli.h"

namespace credmesh::cli {
namespace {

// Node names are not checked where certificates are decoded; one that could
// not be a person's name (a control character, a bidi override...) could
// forge or reorder output lines, so it is not shown.
bool ShowableNodeName(const std::string& name) { return ValidatePersonName(name).ok(); }

}  // namespace

Result<KeyLabels> KeyLabels::Load(Node& node) {
  KeyLabels labels;
  CREDMESH_ASSIGN_OR_RETURN(labels.people_, LoadPeople(node));
  Database& db = node.store().db();
  CREDMESH_ASSIGN_OR_RETURN(bool trust, TrustIndex::TablesExist(db));
  if (trust) {
    CREDMESH_ASSIGN_OR_RETURN(auto facts, TrustIndex(db).LoadAll());
    std::map<PublicKey, uint64_t> newest;  // a renewed certificate's name wins
    for (const TrustFact& f : facts) {
      if (f.role != Role::kSchoolNode && f.role != Role::kHubNode) continue;
      if (!ShowableNodeName(f.name)) continue;
      auto [it, fresh] = newest.emplace(f.subject, f.issued_hlc);
      if (!fresh && it->second > f.issued_hlc) continue;
      it->second = f.issued_hlc;
      labels.others_[f.subject] = f.name;
    }
  }
  const NodeConfig& c = node.config();
  if (ShowableNodeName(c.name)) labels.others_.emplace(node.identity().public_key(), c.name);
  if (auto root = PublicKey::FromHex(c.root_key)) labels.others_.emplace(*root, "district root");
  return labels;
}

std::string KeyLabels::Name(const PublicKey& key) const {
  if (const Person* p = people_.WithKey(key); p && !p->name.empty()) return p->name;
  auto it = others_.find(key);
  return it == others_.end() ? std::string() : it->second;
}

std::string KeyLabels::Label(const PublicKey& key) const {
  const std::string name = Name(key);
  return name.empty() ? ShortKey(key) : name + " (" + ShortKey(key) + ")";
}

std::string KeyLabels::NameSuffix(const PublicKey& key) const {
  const std::string name = Name(key);
  return name.empty() ? std::string() : "  (" + name + ")";
}

nlohmann::json KeyLabels::NameJson(const PublicKey& key) const {
  const std::string name = Name(key);
  return name.empty() ? nlohmann::json(nullptr) : nlohmann::json(name);
}

}  // namespace credmesh::cli
