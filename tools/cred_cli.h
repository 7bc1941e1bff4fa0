// cred_cli.h: helpers shared by the micro-credential commands (catalog,
// submission, review, award, portfolio).
#pragma once

#include <istream>
#include <map>
#include <ostream>
#include <string>

#include "node/credentials/catalog_model.h"
#include "node/credentials/lifecycle_views.h"
#include "node/evidence_purge.h"
#include "tools/cli.h"
#include "tools/key_labels.h"

namespace credmesh::cli {

// "school/<s>" from --school, else the node's school, else "school/local".
std::string SchoolScope(const NodeConfig& config, const std::string& school_flag);
// Signs a lifecycle record with `key`, refuses it (FailedPrecondition, nothing
// written) with the projection's reason if it would be ignored, else writes it.
Result<VerifiedRecord> WriteCheckedStep(Node& node, const std::string& kind,
                                        const std::string& scope, const std::string& entity,
                                        Value body, const SigningKey& key);
// SignerFor(as), WriteCheckedStep, then prints the record id (or JSON); returns the exit code.
int WriteStep(const Context& ctx, Node& node, const std::string& kind, const std::string& scope,
              const std::string& entity, Value body, const std::string& as);
// Submission `id` (unique prefix ok) with its award, or a NotFound error.
Result<SubmissionView> LoadSubmission(Node& node, const std::string& id);
// The award of an award or submission id (prefixes ok), or a NotFound error.
Result<AwardState> LoadAward(Node& node, const std::string& id);
// A person's current public key: a name or key prefix resolved from the
// people records this node holds (FindPerson, tools/trust_cli.h), or a full
// 64-digit hex key. Ambiguous names are refused, listing the candidates.
Result<PublicKey> ResolvePerson(Node& node, const std::string& who);
// "1.50" from 150.
std::string FormatCeu(int64_t hundredths);
// KeyLabels::Label of one key (tools/key_labels.h); loads the labels each
// call, so a command printing many keys loads KeyLabels once instead. The
// bare key prefix if they cannot be read.
std::string PersonLabel(Node& node, const PublicKey& key);
// A purge tombstone: "purged by NAME (KEY) at TIME: REASON" and its JSON
// {by, by_key, at, reason, record}. The reason travels only in the
// evidence's own scope, so only nodes that may read that scope hold it.
std::string PurgeText(Node& node, const PurgeInfo& purge);
nlohmann::json PurgeJson(Node& node, const PurgeInfo& purge);
// One line about a superseded outcome: what lost (and whose it was), to
// which record, why.
std::string DescribeSuperseded(const SupersededOutcome& s, const KeyLabels& labels);

// cmd_review.cc: `review queue`, added under `review` by cmd_submission.cc.
void RegisterReviewQueueCommand(CLI::App* review, Context& ctx);
// True when standard input is a terminal.
bool StdinIsTty();
// Walks the rubric of `d` criterion by criterion: prints each criterion with
// its level descriptors on `out` and reads a level (number, id or title) from
// `in`, asking again after an answer that names no level. Ends with the
// judgement (total, passing rule). FailedPrecondition if `in` ends first.
Result<std::map<std::string, std::string>> AskLevels(const CredentialDefinition& d,
                                                     std::istream& in, std::ostream& out);

}  // namespace credmesh::cli
