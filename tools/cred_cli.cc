#include "tools/cred_cli.h"

#include <iostream>

#include "node/credentials/credential_checks.h"
#include "node/trust/person_keys.h"
#include "tools/cred_json.h"
#include "tools/trust_cli.h"

namespace credmesh::cli {

std::string SchoolScope(const NodeConfig& config, const std::string& school_flag) {
  if (!school_flag.empty()) return "school/" + school_flag;
  return "school/" + (config.school.empty() ? std::string("local") : config.school);
}

Result<VerifiedRecord> WriteCheckedStep(Node& node, const std::string& kind,
                                        const std::string& scope, const std::string& entity,
                                        Value body, const SigningKey& key) {
  CREDMESH_ASSIGN_OR_RETURN(
      VerifiedRecord candidate,
      VerifiedRecord::Create(kind, scope, entity, node.ledger().hlc().Now(), body, key));
  CREDMESH_ASSIGN_OR_RETURN(std::string why, WhyStepIgnored(node.store(), candidate));
  if (!why.empty()) return Status::FailedPrecondition(kind + " refused: " + why);
  return node.ledger().Write(kind, scope, entity, std::move(body), key);
}

int WriteStep(const Context& ctx, Node& node, const std::string& kind, const std::string& scope,
              const std::string& entity, Value body, const std::string& as) {
  auto key = SignerFor(node, as);
  if (!key.ok()) return Fail(key.status());
  auto rec = WriteCheckedStep(node, kind, scope, entity, std::move(body), **key);
  if (!rec.ok()) return Fail(rec.status());
  if (ctx.json) {
    PrintJson({{"id", rec->id().hex()}, {"kind", kind}, {"scope", scope}, {"entity", entity}});
  } else {
    std::cout << rec->id().hex() << "\n";
  }
  return kExitOk;
}

Result<SubmissionView> LoadSubmission(Node& node, const std::string& id) {
  CREDMESH_ASSIGN_OR_RETURN(auto view, ShowSubmission(node.store(), id));
  if (!view) return Status::NotFound("no submission " + id + " (see: credmesh submission list)");
  return std::move(*view);
}

Result<AwardState> LoadAward(Node& node, const std::string& id) {
  CREDMESH_ASSIGN_OR_RETURN(auto award, ShowAward(node.store(), id));
  if (!award) return Status::NotFound("no award " + id + " (see: credmesh submission list)");
  return std::move(*award);
}

Result<PublicKey> ResolvePerson(Node& node, const std::string& who) {
  CREDMESH_ASSIGN_OR_RETURN(Person p, FindPerson(node, who));
  return p.key;
}

std::string DescribeSuperseded(const SupersededOutcome& s, const KeyLabels& labels) {
  return s.kind + " " + s.record.hex().substr(0, 16) + " (by " + labels.Label(s.author) + ", " +
         FormatHlc(s.hlc) + ") lost to " + s.by.kind + " " + s.by.record.hex().substr(0, 16) +
         ": " + s.why;
}

Status AddSupersededStatus(Node& node, nlohmann::json& j) {
  CREDMESH_ASSIGN_OR_RETURN(auto all, ListSuperseded(node.store()));
  auto list = nlohmann::json::array();
  for (const auto& s : all) list.push_back(SupersededJson(s));
  j["superseded"] = list;
  return Status::Ok();
}

void PrintSupersededStatus(const nlohmann::json& j) {
  const auto& list = j["superseded"];
  std::cout << "  superseded: " << list.size() << " outcome(s) lost to a concurrent record";
  if (list.empty()) {
    std::cout << "\n";
    return;
  }
  std::cout << " (credmesh submission show ID explains each)\n";
  constexpr size_t kShown = 10;
  for (size_t i = 0; i < list.size() && i < kShown; ++i) {
    const auto& s = list[i];
    std::cout << "    " << s["submission"].get<std::string>() << ": "
              << s["kind"].get<std::string>() << " " << s["record"].get<std::string>().substr(0, 16)
              << " lost to " << s["by"]["kind"].get<std::string>() << " "
              << s["by"]["record"].get<std::string>().substr(0, 16) << ": "
              << s["why"].get<std::string>() << "\n";
  }
  if (list.size() > kShown) std::cout << "    ... and " << list.size() - kShown << " more\n";
}

std::string FormatCeu(int64_t hundredths) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(hundredths / 100),
                static_cast<long long>(hundredths % 100));
  return buf;
}

std::string PersonLabel(Node& node, const PublicKey& key) {
  auto labels = KeyLabels::Load(node);
  return labels.ok() ? labels->Label(key) : ShortKey(key);
}

std::string PurgeText(Node& node, const PurgeInfo& purge) {
  return "purged by " + PersonLabel(node, purge.author) + " at " + FormatHlc(purge.hlc) + ": " +
         purge.reason;
}

nlohmann::json PurgeJson(Node& node, const PurgeInfo& purge) {
  return {{"by", PersonLabel(node, purge.author)},
          {"by_key", purge.author.hex()},
          {"at", FormatHlc(purge.hlc)},
          {"reason", purge.reason},
          {"record", purge.record.hex()}};
}

}  // namespace credmesh::cli
