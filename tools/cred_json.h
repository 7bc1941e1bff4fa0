// cred_json.h: the --json documents of the micro-credential read commands
// (`submission list|show`, `award show`, `portfolio`), rendered from the read
// models of node/credentials/lifecycle_views.h. Object keys are sorted.
#pragma once

#include <nlohmann/json.hpp>

#include "node/credentials/award_state.h"
#include "node/credentials/lifecycle_views.h"
#include "node/credentials/submission_state.h"

namespace credmesh::cli {

nlohmann::json SubmissionJson(const SubmissionState& s);
// SubmissionJson with "award": AwardJson, or null.
nlohmann::json SubmissionViewJson(const SubmissionView& v);
nlohmann::json AwardJson(const AwardState& a);
nlohmann::json SubmissionSummaryJson(const SubmissionSummary& s);
nlohmann::json PortfolioJson(const PortfolioView& p);

}  // namespace credmesh::cli
