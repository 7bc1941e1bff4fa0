// cred_json.h: the --json documents of the micro-credential read commands
// (`submission list|show`, `award show`, `portfolio`, `review queue`,
// `inbox`, the superseded part of `status`), rendered from the read models of
// node/credentials/lifecycle_views.h, review_queue.h and inbox.h. Object keys
// are sorted.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "node/credentials/award_state.h"
#include "node/credentials/inbox.h"
#include "node/credentials/lifecycle_views.h"
#include "node/credentials/review_queue.h"
#include "node/credentials/submission_state.h"

namespace credmesh::cli {

// `unverified`: UnverifiedReason of the node (cli.h). When set, an award
// says "verified": false with "unverified": the reason (and
// "verified_locally": false); on a district node "verified": true.
using Unverified = std::optional<std::string>;

nlohmann::json SubmissionJson(const SubmissionState& s);
// SubmissionJson with "award": AwardJson, or null, and "superseded".
nlohmann::json SubmissionViewJson(const SubmissionView& v, const Unverified& unverified);
// An issued stack (award.stack) with its parts and what became of them.
nlohmann::json StackAwardJson(const StackAwardState& s, const Unverified& unverified);
nlohmann::json AwardJson(const AwardState& a, const Unverified& unverified);
// AwardJson (status "none" when no issue is valid) with "superseded".
nlohmann::json AwardViewJson(const AwardView& v, const Unverified& unverified);
// {submission, record, kind, hlc, author, by: {record, kind}, why}.
nlohmann::json SupersededJson(const SupersededOutcome& s);
nlohmann::json QueueEntryJson(const QueueEntry& e);
nlohmann::json InboxItemJson(const InboxItem& i);
nlohmann::json SubmissionSummaryJson(const SubmissionSummary& s);
nlohmann::json PortfolioJson(const PortfolioView& p, const Unverified& unverified);

}  // namespace credmesh::cli
