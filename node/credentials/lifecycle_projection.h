// lifecycle_projection.h: submissions, reviews and awards as SQLite tables
// (module "lifecycle"), derived from submission.*, review.* and award.*
// records, and the read views of the CLI. Apply() recomputes only the
// submissions touched by the changed records (and those whose catalog
// definition changed) from all their valid records, so incremental state
// always equals a full recompute. Must run after CatalogProjection.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "node/projection.h"

namespace credmesh {

class LifecycleProjection final : public Projection {
 public:
  Status Migrate(Database& db) override;
  Status Apply(Store& store, const std::vector<ChangedRecord>& changed) override;
  Status Clear(Database& db) override;
};

struct SubmissionFilter {
  std::string status;      // "" = any
  std::string educator;    // key hex prefix; "" = any
  std::string definition;  // "" = any
};
// Summaries ({id, status, definition, version, educator, attempt, scope,
// updated_hlc, award}), ordered by id.
Result<nlohmann::json> ListSubmissions(Database& db, const SubmissionFilter& filter);
// The full document of a submission (submission_state.h) with "award"
// (award_state.h) when one exists; nullopt if unknown. `id` may be a unique
// prefix; InvalidArgument when ambiguous.
Result<std::optional<nlohmann::json>> ShowSubmission(Database& db, const std::string& id);
// Award document by award id ("award:<sub>") or submission id (prefixes ok).
Result<std::optional<nlohmann::json>> ShowAward(Database& db, const std::string& id);
// Everything one educator has: awards (active and revoked) with recognitions,
// totals, and submissions in progress.
Result<nlohmann::json> Portfolio(Database& db, const PublicKey& educator);
// Every row of every lifecycle and catalog table, in a fixed order, as text
// (for tests comparing states).
Result<std::string> DumpDomainTables(Database& db);

}  // namespace credmesh
