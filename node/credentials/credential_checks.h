// credential_checks.h: "would this step take effect?" — the CLI asks before
// writing, so a refused step names the same rule the projections apply to
// records from peers (docs/merge-rules.md), and nothing is written.
#pragma once

#include <string>

#include "protocol/record.h"
#include "storage/store.h"

namespace credmesh {

// Replays the valid records of the candidate's entity plus `candidate` (a
// submission.*, review.* or award.* record, not stored) and returns why the
// candidate would be ignored, or "" if it would take effect.
Result<std::string> WhyStepIgnored(Store& store, const VerifiedRecord& candidate);

}  // namespace credmesh
