// cred_cli.h: helpers shared by the micro-credential commands (catalog,
// submission, review, award, portfolio).
#pragma once

#include <string>

#include "tools/cli.h"

namespace credmesh::cli {

// "school/<s>" from --school, else the node's school, else "school/local".
std::string SchoolScope(const NodeConfig& config, const std::string& school_flag);
// Signs a lifecycle record with `key`, refuses it (FailedPrecondition, nothing
// written) with the projection's reason if it would be ignored, else writes it.
Result<VerifiedRecord> WriteCheckedStep(Node& node, const std::string& kind, const std::string& scope,
                                        const std::string& entity, Value body, const SigningKey& key);
// SignerFor(as), WriteCheckedStep, then prints the record id (or JSON); returns the exit code.
int WriteStep(const Context& ctx, Node& node, const std::string& kind, const std::string& scope,
              const std::string& entity, Value body, const std::string& as);
// The document of submission `id` (unique prefix ok), or a NotFound error.
Result<nlohmann::json> LoadSubmission(Node& node, const std::string& id);
// A person's public key: a name or key prefix from this node's person store,
// or a full 64-digit hex key.
Result<PublicKey> ResolvePerson(Node& node, const std::string& who);
// "1.50" from 150.
std::string FormatCeu(int64_t hundredths);

}  // namespace credmesh::cli
