// catalog_projection.h: the district catalog as SQLite tables, derived from
// catalog.* records (module "catalog"), and the read functions the CLI and
// the lifecycle projection use. Rules (docs/merge-rules.md §1):
//   - each (definition, version) holds the content of its last writer by
//     (hlc, record id); the current version is the highest version held;
//   - retirement is a register written by catalog.retire records and by the
//     `retired` flag of every catalog.definition record, last writer wins;
//   - records whose body does not parse, or whose entity does not match the
//     body's id, are ignored and listed in catalog_ignored.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node/credentials/catalog_model.h"
#include "node/credentials/submission_state.h"
#include "node/projection.h"

namespace credmesh {

class CatalogProjection final : public Projection {
 public:
  Status Migrate(Database& db) override;
  Status Apply(Store& store, const std::vector<ChangedRecord>& changed) override;
  Status Clear(Database& db) override;
};

struct CatalogItem {
  std::string kind;  // definition | stack
  std::string id;
  std::string scope;    // district/<d>
  int64_t version = 0;  // current (highest) version
  bool retired = false;
  std::string title;
  std::string tags;  // space-separated subject, grade band and topic tags
  RecordId record;   // the record holding the current version's content
};

struct CatalogFilter {
  std::string kind;  // "" = both
  std::string tag;   // exact tag, case-insensitive
  std::string text;  // substring of id, title, competency, key method or tags
  bool include_retired = true;
};
Result<std::vector<CatalogItem>> ListCatalog(Database& db, const CatalogFilter& filter);
// The item for a definition or stack id (definitions first), or nullopt.
Result<std::optional<CatalogItem>> FindCatalogItem(Database& db, const std::string& id);
// version 0 = the current version. nullopt when not held.
Result<std::optional<CredentialDefinition>> LoadDefinition(Database& db, const std::string& id,
                                                           int64_t version = 0);
Result<std::optional<Stack>> LoadStack(Database& db, const std::string& id, int64_t version = 0);
// Versions of a definition or stack held here, ascending.
Result<std::vector<int64_t>> CatalogVersions(Database& db, const std::string& entity);
// The retired register of an entity just before `hlc` (UINT64_MAX: now).
Result<bool> CatalogRetiredBefore(Database& db, const std::string& entity, uint64_t hlc);

// CatalogView over the tables, caching what it loaded.
class SqlCatalogView final : public CatalogView {
 public:
  explicit SqlCatalogView(Database& db) : db_(db) {}
  const CredentialDefinition* Find(const std::string& id, int64_t version) override;
  bool RetiredBefore(const std::string& id, uint64_t hlc) override;
  // The first storage error met, if any (Find/RetiredBefore cannot return one).
  const Status& status() const { return status_; }

 private:
  Database& db_;
  std::map<std::pair<std::string, int64_t>, std::unique_ptr<CredentialDefinition>> cache_;
  Status status_;
};

}  // namespace credmesh
