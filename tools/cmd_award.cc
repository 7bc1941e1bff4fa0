// credmesh award issue|revoke|recognize|show and credmesh portfolio PERSON.
#include <cmath>
#include <iostream>

#include "node/credentials/credential_records.h"
#include "node/credentials/lifecycle_projection.h"
#include "tools/cred_cli.h"

namespace credmesh::cli {
namespace {

struct AwardArgs {
  std::string id, as, reason, ceu, note, issuer, person;
};

int RunIssue(const Context& ctx, const AwardArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  auto doc = LoadSubmission(**node, a.id);
  if (!doc.ok()) return Fail(doc.status());
  const nlohmann::json& d = *doc;
  const nlohmann::json& cur = d["attempts"].back();
  if (cur["status"] != "awarded" || !cur.contains("deciding_review")) {
    return Fail(Status::FailedPrecondition("submission " + d["id"].get<std::string>() + " has no passing review (attempt " +
                                           std::to_string(cur["number"].get<int64_t>()) + " is " +
                                           cur["status"].get<std::string>() + ")"));
  }
  AwardIssueBody b;
  b.submission = d["id"];
  b.attempt = cur["number"];
  b.review = *RecordId::FromHex(cur["deciding_review"].get<std::string>());
  b.definition = d["definition"];
  b.version = d["version"];
  b.educator = *PublicKey::FromHex(d["educator"].get<std::string>());
  b.school = d["scope"];
  auto key = SignerFor(**node, a.as);
  if (!key.ok()) return Fail(key.status());
  auto rec = WriteCheckedStep(**node, kAwardIssueKind, "public/" + d["district"].get<std::string>(),
                              AwardEntity(b.submission), b.ToValue(), **key);
  if (!rec.ok()) return Fail(rec.status());
  if (ctx.json) PrintJson({{"award", AwardEntity(b.submission)}, {"record", rec->id().hex()}});
  else std::cout << AwardEntity(b.submission) << "\n";
  return kExitOk;
}

// Loads the award document for an award or submission id.
Result<nlohmann::json> LoadAward(Node& node, const std::string& id) {
  CREDMESH_ASSIGN_OR_RETURN(auto doc, ShowAward(node.store().db(), id));
  if (!doc) return Status::NotFound("no award " + id + " (see: credmesh submission list)");
  return std::move(*doc);
}

int RunRevoke(const Context& ctx, const AwardArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  auto doc = LoadAward(**node, a.id);
  if (!doc.ok()) return Fail(doc.status());
  if (a.reason.empty()) return Fail(Status::InvalidArgument("--reason is required"));
  AwardRevokeBody b{*RecordId::FromHex((*doc)["issue_record"].get<std::string>()), a.reason};
  return WriteStep(ctx, **node, kAwardRevokeKind, (*doc)["scope"], (*doc)["id"], b.ToValue(), a.as);
}

int RunRecognize(const Context& ctx, const AwardArgs& a) {
  double ceu = 0;
  try {
    size_t used = 0;
    ceu = std::stod(a.ceu, &used);
    if (used != a.ceu.size() || !(ceu >= 0) || ceu > 1000) throw std::invalid_argument("range");
  } catch (const std::exception&) {
    return Fail(Status::InvalidArgument("--ceu wants a number of units between 0 and 1000, e.g. 1.5"));
  }
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  auto doc = LoadAward(**node, a.id);
  if (!doc.ok()) return Fail(doc.status());
  if ((*doc)["status"] != "active") return Fail(Status::FailedPrecondition("award " + a.id + " is revoked"));
  RecognitionBody b;
  b.issue = *RecordId::FromHex((*doc)["issue_record"].get<std::string>());
  b.ceu_hundredths = std::llround(ceu * 100);
  b.issuer = !a.issuer.empty() ? a.issuer
             : !(*node)->config().name.empty() ? (*node)->config().name
                                               : "district " + (*doc)["scope"].get<std::string>().substr(7);
  b.note = a.note;
  return WriteStep(ctx, **node, kAwardRecognitionKind, (*doc)["scope"], (*doc)["id"], b.ToValue(), a.as);
}

int RunShow(const Context& ctx, const AwardArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  auto doc = LoadAward(**node, a.id);
  if (!doc.ok()) return Fail(doc.status());
  if (ctx.json) {
    PrintJson(*doc);
    return kExitOk;
  }
  const auto& d = *doc;
  std::cout << "award " << d["id"].get<std::string>() << "  [" << d["status"].get<std::string>() << "]\n"
            << "credential " << d["definition"].get<std::string>() << " v" << d["version"] << "  educator "
            << d["educator"].get<std::string>() << "\n"
            << "issued " << FormatHlc(d["issued_hlc"].get<uint64_t>()) << " by "
            << d["issuer"].get<std::string>().substr(0, 16)
            << (d["verified_locally"].get<bool>() ? "" : "  (submission not held here)") << "\n";
  if (d.contains("revocation")) {
    std::cout << "revoked " << FormatHlc(d["revocation"]["hlc"].get<uint64_t>()) << ": "
              << d["revocation"]["reason"].get<std::string>() << "\n";
  }
  for (const auto& r : d["recognitions"]) {
    std::cout << "recognition " << FormatCeu(r["ceu_hundredths"].get<int64_t>()) << " CEU by "
              << r["issuer"].get<std::string>() << (r["void"].get<bool>() ? "  [void: award revoked]" : "")
              << (r["note"].get<std::string>().empty() ? "" : "  " + r["note"].get<std::string>()) << "\n";
  }
  return kExitOk;
}

int RunPortfolio(const Context& ctx, const AwardArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  auto key = ResolvePerson(**node, a.person);
  if (!key.ok()) return Fail(key.status());
  auto p = Portfolio((*node)->store().db(), *key);
  if (!p.ok()) return Fail(p.status());
  if (ctx.json) {
    PrintJson(*p);
    return kExitOk;
  }
  std::cout << "portfolio of " << a.person << " (" << key->hex().substr(0, 16) << ")\n"
            << (*p)["active_awards"] << " active credential(s), "
            << FormatCeu((*p)["ceu_hundredths"].get<int64_t>()) << " CEU\n";
  for (const auto& aw : (*p)["awards"]) {
    std::cout << "  " << (aw["status"] == "active" ? "earned  " : "REVOKED ") << aw["definition"].get<std::string>()
              << " v" << aw["version"] << "  " << aw["title"].get<std::string>() << "  ("
              << FormatHlc(aw["issued_hlc"].get<uint64_t>()).substr(0, 10) << ")\n";
  }
  for (const auto& st : (*p)["completed_stacks"]) {
    std::cout << "  stack   " << st["id"].get<std::string>() << "  " << st["title"].get<std::string>() << "\n";
  }
  for (const auto& s : (*p)["submissions"]) {
    if (s["status"] == "awarded") continue;
    std::cout << "  in progress " << s["id"].get<std::string>() << "  " << s["definition"].get<std::string>()
              << "  [" << s["status"].get<std::string>() << "]\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterAwardCommands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<AwardArgs>();
  CLI::App* award = app.add_subcommand("award", "Awards (public badges), revocations and recognitions");
  award->require_subcommand(1);
  auto sub = [&](const char* name, const char* help, bool writes) {
    CLI::App* c = award->add_subcommand(name, help);
    AddDirOption(c, ctx);
    AddJsonOption(c, ctx);
    if (writes) AddAsOption(c, a->as);
    return c;
  };
  CLI::App* issue = sub("issue", "Award a submission whose attempt has a passing review; prints the award id", true);
  issue->add_option("SUBMISSION", a->id, "Submission id")->required();
  OnRun(issue, ctx, [&ctx, a] { return RunIssue(ctx, *a); });

  CLI::App* revoke = sub("revoke", "Revoke an award", true);
  revoke->add_option("ID", a->id, "Award or submission id")->required();
  revoke->add_option("--reason", a->reason, "Why (recorded publicly)")->required();
  OnRun(revoke, ctx, [&ctx, a] { return RunRevoke(ctx, *a); });

  CLI::App* rec = sub("recognize", "Attach a recognition (continuing-education units) to an award", true);
  rec->add_option("ID", a->id, "Award or submission id")->required();
  rec->add_option("--ceu", a->ceu, "Continuing-education units, e.g. 1.5")->required();
  rec->add_option("--note", a->note, "Free-text note");
  rec->add_option("--issuer", a->issuer, "Who grants the recognition (default: this node's name)");
  OnRun(rec, ctx, [&ctx, a] { return RunRecognize(ctx, *a); });

  CLI::App* show = sub("show", "Show an award", false);
  show->add_option("ID", a->id, "Award or submission id")->required();
  OnRun(show, ctx, [&ctx, a] { return RunShow(ctx, *a); });

  CLI::App* port = app.add_subcommand("portfolio", "Everything one educator has earned");
  AddDirOption(port, ctx);
  AddJsonOption(port, ctx);
  port->add_option("PERSON", a->person, "Person name, key prefix or full key")->required();
  OnRun(port, ctx, [&ctx, a] { return RunPortfolio(ctx, *a); });
}

}  // namespace credmesh::cli
