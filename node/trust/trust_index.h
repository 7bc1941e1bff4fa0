// trust_index.h: the "trust" module's SQLite table of facts — valid grants
// and node certificates with their validity periods and revocation times.
// Derived from the trust records by the trust engine; rebuilt from them at
// any time. Also what `person list` and `status` read.
#pragma once

#include <optional>
#include <vector>

#include "node/trust/trust_records.h"
#include "storage/sqlite.h"

namespace credmesh {

class TrustIndex {
 public:
  // Creates or upgrades the module's tables (module name "trust").
  static Status Migrate(Database& db);
  // REQUIRES: Migrate(db) succeeded. `db` must outlive the index.
  explicit TrustIndex(Database& db) : db_(db) {}

  // Every fact, ordered by record id.
  Result<std::vector<TrustFact>> LoadAll();
  // Facts empowering `subject`.
  Result<std::vector<TrustFact>> FactsOf(const PublicKey& subject);
  // Replaces the whole table with `facts`.
  Status ReplaceAll(const std::vector<TrustFact>& facts);

 private:
  Result<std::vector<TrustFact>> Query(const std::optional<PublicKey>& subject);
  Database& db_;
};

}  // namespace credmesh
