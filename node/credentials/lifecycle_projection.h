// lifecycle_projection.h: submissions, reviews and awards as SQLite tables
// (module "lifecycle"), derived from submission.*, review.* and award.*
// records. The read models over these tables are lifecycle_views.h. Apply() recomputes only the
// submissions touched by the changed records (and those whose catalog
// definition changed) from all their valid records, and the issued stacks
// (award.stack, stack_awards.h) whose records, part awards or stack changed,
// so incremental state always equals a full recompute. Must run after
// CatalogProjection.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "node/credentials/award_state.h"
#include "node/credentials/submission_state.h"
#include "node/projection.h"

namespace credmesh {

class LifecycleProjection final : public Projection {
 public:
  Status Migrate(Database& db) override;
  Status Apply(Store& store, const std::vector<ChangedRecord>& changed) override;
  Status Clear(Database& db) override;
};

// The state of one submission and of its award, computed from their valid
// records (and the catalog), exactly as the projection derives its rows.
struct LifecycleState {
  std::optional<SubmissionState> submission;  // when any submission.* / review.* record is valid
  std::optional<AwardState> award;            // when any award.* record is valid
};
Result<LifecycleState> ComputeLifecycle(Store& store, const std::string& submission_id);

// Every row of every lifecycle and catalog table, in a fixed order, as text
// (for tests comparing states).
Result<std::string> DumpDomainTables(Database& db);

}  // namespace credmesh
