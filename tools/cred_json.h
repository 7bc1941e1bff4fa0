// cred_json.h: the --json documents of the micro-credential read commands
// (`submission list|show`, `award show`, `portfolio`), rendered from the read
// models of node/credentials/lifecycle_views.h. Object keys are sorted.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "node/credentials/award_state.h"
#include "node/credentials/lifecycle_views.h"
#include "node/credentials/submission_state.h"

namespace credmesh::cli {

// `unverified`: UnverifiedReason of the node (cli.h). When set, an award
// says "verified": false with "unverified": the reason (and
// "verified_locally": false); on a district node "verified": true.
using Unverified = std::optional<std::string>;

nlohmann::json SubmissionJson(const SubmissionState& s);
// SubmissionJson with "award": AwardJson, or null.
nlohmann::json SubmissionViewJson(const SubmissionView& v, const Unverified& unverified);
nlohmann::json AwardJson(const AwardState& a, const Unverified& unverified);
nlohmann::json SubmissionSummaryJson(const SubmissionSummary& s);
nlohmann::json PortfolioJson(const PortfolioView& p, const Unverified& unverified);

}  // namespace credmesh::cli
