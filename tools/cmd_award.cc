// credmesh award issue|stack|revoke|recognize|show and credmesh portfolio PERSON.
#include <algorithm>
#include <cmath>
#include <iostream>

#include "node/badges/badge_issuer.h"
#include "node/credentials/award_snapshot.h"
#include "node/credentials/credential_records.h"
#include "node/credentials/lifecycle_steps.h"
#include "node/credentials/lifecycle_views.h"
#include "node/credentials/stack_awards.h"
#include "tools/cred_cli.h"
#include "tools/cred_json.h"
#include "tools/free_text.h"
#include "tools/trust_cli.h"

namespace credmesh::cli {
namespace {

struct AwardArgs {
  std::string id, as, reason, ceu, note, issuer, person, stack;
};

// An issued stack by id (prefix ok), or NotFound.
Result<StackAwardState> LoadStackAward(Node& node, const std::string& id) {
  CREDMESH_ASSIGN_OR_RETURN(auto s, ShowStackAward(node.store(), id));
  if (!s) return Status::NotFound("no stack award " + id + " (see: credmesh portfolio PERSON)");
  return std::move(*s);
}

// Awards the stack STACK to PERSON: every part the stack needs must be an
// active award of theirs (the refusal names what is missing or revoked).
int RunStack(const Context& ctx, const AwardArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Node& n = **node;
  if (n.config().district.empty())
    return Fail(Status::FailedPrecondition(
        "this node belongs to no district (init --hub, or enrol install)"));
  auto person = FindPerson(n, a.person);
  if (!person.ok()) return Fail(person.status());
  auto district_name = DistrictDisplayName(n.store(), n.config().district);
  if (!district_name.ok()) return Fail(district_name.status());
  auto body = NextStackAward(n.store(), a.stack, person->key, *district_name);
  if (!body.ok()) return Fail(body.status());
  auto key = SignerFor(n, a.as);
  if (!key.ok()) return Fail(key.status());
  const std::string entity = StackAwardEntity(body->stack, body->version, body->educator);
  auto rec = WriteCheckedStep(n, kAwardStackKind, "public/" + n.config().district, entity,
                              body->ToValue(), **key);
  if (!rec.ok()) return Fail(rec.status());
  if (ctx.json)
    PrintJson({{"award", entity}, {"record", rec->id().hex()}});
  else
    std::cout << entity << "\n";
  return kExitOk;
}

// The "revoked" line of `award show`, for an award or a stack award.
void PrintRevocation(const Revocation& r) {
  if (r.revoked) std::cout << "revoked " << FormatHlc(r.hlc) << ": " << r.reason << "\n";
}

int ShowStack(const Context& ctx, Node& node, const std::string& id) {
  auto s = LoadStackAward(node, id);
  if (!s.ok()) return Fail(s.status());
  const auto unverified = UnverifiedReason(node);
  if (ctx.json) {
    PrintJson(StackAwardJson(*s, unverified));
    return kExitOk;
  }
  auto labels = KeyLabels::Load(node);
  if (!labels.ok()) return Fail(labels.status());
  std::cout << "stack award " << s->id << "  [" << s->Status() << (unverified ? ", UNVERIFIED" : "")
            << "]\n";
  if (unverified) std::cout << "unverified: " << *unverified << "\n";
  std::cout << "stack " << s->issue.stack << " v" << s->issue.version << "  "
            << s->issue.frozen.title << "  educator " << s->issue.educator.hex()
            << labels->NameSuffix(s->issue.educator) << "\n"
            << "issued " << FormatHlc(s->issued_hlc) << " by " << labels->Label(s->issuer) << "\n";
  for (const StackAwardPart& p : s->issue.parts) {
    auto r = std::find_if(s->revoked_parts.begin(), s->revoked_parts.end(),
                          [&](const RevokedPart& x) { return x.award == p.award; });
    std::cout << "part " << p.award
              << (r == s->revoked_parts.end()
                      ? ""
                      : "  [REVOKED " + FormatHlc(r->revoked_hlc) + ": " + r->reason + "]")
              << "\n";
  }
  if (!s->parts_complete) std::cout << "void: the parts not revoked no longer complete the stack\n";
  PrintRevocation(s->revocation);
  for (const SupersededOutcome& o : SupersededIn(*s)) {
    std::cout << "SUPERSEDED " << DescribeSuperseded(o, *labels) << "\n";
  }
  return kExitOk;
}

int RunIssue(const Context& ctx, const AwardArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  auto view = LoadSubmission(**node, a.id);
  if (!view.ok()) return Fail(view.status());
  const SubmissionState& sub = view->submission;
  auto b = NextAwardIssue(sub);
  if (!b.ok()) return Fail(b.status());
  // Freeze what is awarded, so later catalog edits cannot change it.
  auto district_name = DistrictDisplayName((*node)->store(), sub.open.district);
  if (!district_name.ok()) return Fail(district_name.status());
  auto frozen = FreezeAward((*node)->store().db(), sub, *b, *district_name);
  if (!frozen.ok()) return Fail(frozen.status());
  b->frozen = std::move(*frozen);
  auto key = SignerFor(**node, a.as);
  if (!key.ok()) return Fail(key.status());
  const std::string award = AwardEntity(b->submission);
  auto rec = WriteCheckedStep(**node, kAwardIssueKind, AwardScope(sub), award, b->ToValue(), **key);
  if (!rec.ok()) return Fail(rec.status());
  if (ctx.json)
    PrintJson({{"award", award}, {"record", rec->id().hex()}});
  else
    std::cout << award << "\n";
  return kExitOk;
}

int RunRevoke(const Context& ctx, const AwardArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  if (IsStackAwardEntity(a.id)) {
    auto s = LoadStackAward(**node, a.id);
    if (!s.ok()) return Fail(s.status());
    if (a.reason.empty()) return Fail(Status::InvalidArgument("--reason is required"));
    AwardRevokeBody b{s->issue_record, a.reason};
    return WriteStep(ctx, **node, kAwardRevokeKind, s->scope, s->id, b.ToValue(), a.as);
  }
  auto award = LoadAward(**node, a.id);
  if (!award.ok()) return Fail(award.status());
  if (a.reason.empty()) return Fail(Status::InvalidArgument("--reason is required"));
  AwardRevokeBody b{award->issue_record, a.reason};
  return WriteStep(ctx, **node, kAwardRevokeKind, award->scope, award->id, b.ToValue(), a.as);
}

int RunRecognize(const Context& ctx, const AwardArgs& a) {
  double ceu = 0;
  try {
    size_t used = 0;
    ceu = std::stod(a.ceu, &used);
    if (used != a.ceu.size() || !(ceu >= 0) || ceu > 1000) throw std::invalid_argument("range");
  } catch (const std::exception&) {
    return Fail(
        Status::InvalidArgument("--ceu wants a number of units between 0 and 1000, e.g. 1.5"));
  }
  if (IsStackAwardEntity(a.id)) {
    return Fail(Status::FailedPrecondition(
        "recognitions attach to the awards a stack rests on, not to the stack award " + a.id));
  }
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  auto award = LoadAward(**node, a.id);
  if (!award.ok()) return Fail(award.status());
  if (award->Status() != "active")
    return Fail(Status::FailedPrecondition("award " + a.id + " is revoked"));
  RecognitionBody b;
  b.issue = award->issue_record;
  b.ceu_hundredths = std::llround(ceu * 100);
  b.issuer = !a.issuer.empty()                 ? a.issuer
             : !(*node)->config().name.empty() ? (*node)->config().name
                                               : "district " + award->scope.substr(7);
  b.note = a.note;
  return WriteStep(ctx, **node, kAwardRecognitionKind, award->scope, award->id, b.ToValue(), a.as);
}

// Also finds an award that lost (no valid issue left) and says why.
int RunShow(const Context& ctx, const AwardArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  if (IsStackAwardEntity(a.id)) return ShowStack(ctx, **node, a.id);
  auto view = ShowAwardView((*node)->store(), a.id);
  if (!view.ok()) return Fail(view.status());
  if (!*view)
    return Fail(Status::NotFound("no award " + a.id + " (see: credmesh submission list)"));
  if (ctx.json) {
    PrintJson(AwardViewJson(**view, UnverifiedReason(**node)));
    return kExitOk;
  }
  auto labels = KeyLabels::Load(**node);
  if (!labels.ok()) return Fail(labels.status());
  auto superseded = [&] {
    for (const SupersededOutcome& s : (*view)->superseded) {
      std::cout << "SUPERSEDED " << DescribeSuperseded(s, *labels) << "\n";
    }
  };
  if (!(*view)->award) {
    std::cout << "award " << (*view)->id << "  [not issued: every award.issue was superseded]\n";
    superseded();
    return kExitOk;
  }
  const AwardState& d = *(*view)->award;
  const auto unverified = UnverifiedReason(**node);
  std::cout << "award " << d.id << "  [" << d.Status() << (unverified ? ", UNVERIFIED" : "")
            << "]\n";
  if (unverified) std::cout << "unverified: " << *unverified << "\n";
  std::cout << "credential " << d.issue.definition << " v" << d.issue.version << "  educator "
            << d.issue.educator.hex() << labels->NameSuffix(d.issue.educator) << "\n"
            << "issued " << FormatHlc(d.issued_hlc) << " by " << labels->Label(d.issuer)
            << (d.verified_locally ? "" : "  (submission not held here)") << "\n";
  PrintRevocation(d.revocation);
  for (const RecognitionItem& r : d.recognitions) {
    std::cout << "recognition " << FormatCeu(r.body.ceu_hundredths) << " CEU by " << r.body.issuer
              << (d.revocation.revoked ? "  [void: award revoked]" : "")
              << (r.body.note.empty() ? "" : "  " + r.body.note) << "\n";
  }
  superseded();
  return kExitOk;
}

int RunPortfolio(const Context& ctx, const AwardArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  auto person = FindPerson(**node, a.person);
  if (!person.ok()) return Fail(person.status());
  auto p = Portfolio((*node)->store(), person->keys);
  if (!p.ok()) return Fail(p.status());
  if (ctx.json) {
    nlohmann::json j = PortfolioJson(*p, UnverifiedReason(**node));
    j["educator_name"] =
        person->name.empty() ? nlohmann::json(nullptr) : nlohmann::json(person->name);
    PrintJson(j);
    return kExitOk;
  }
  const auto unverified = UnverifiedReason(**node);
  std::cout << "portfolio of " << (person->name.empty() ? a.person : person->name) << " ("
            << person->key.hex().substr(0, 16) << ")\n";
  for (size_t i = 1; i < person->keys.size(); ++i) {
    std::cout << "  earlier key " << person->keys[i].hex().substr(0, 16) << "\n";
  }
  if (unverified) std::cout << "UNVERIFIED: " << *unverified << "\n";
  std::cout << p->active_awards << " active credential(s), " << FormatCeu(p->ceu_hundredths)
            << " CEU\n";
  for (const PortfolioAward& pa : p->awards) {
    const AwardState& aw = pa.award;
    std::cout << "  "
              << (aw.Status() != "active" ? "REVOKED "
                  : unverified            ? "claimed "
                                          : "earned  ")
              << aw.issue.definition << " v" << aw.issue.version << "  " << pa.title << "  ("
              << FormatHlc(aw.issued_hlc).substr(0, 10) << ")\n";
  }
  // Progress towards each stack: n of the m entries it needs, and which are missing.
  for (const StackProgress& st : p->stacks) {
    std::cout << "  stack   " << st.id << "  " << st.title << "  "
              << std::min<size_t>(st.satisfied.size(), st.required) << " of " << st.required
              << (st.required < st.entries ? " (any " + std::to_string(st.required) + " of " +
                                                 std::to_string(st.entries) + ")"
                                           : "");
    if (st.award) {
      std::cout << "  "
                << (st.award_status != "active" ? st.award_status
                    : unverified                ? "issued (unverified)"
                                                : "ISSUED")
                << " " << *st.award;
    } else if (st.complete()) {
      std::cout << (unverified ? "  complete (unverified)" : "  COMPLETE, not issued");
    }
    if (!st.complete()) {
      std::cout << "  missing";
      for (const auto& m : st.missing) std::cout << " " << m;
    }
    std::cout << "\n";
  }
  for (const SubmissionSummary& s : p->submissions) {
    if (s.status == "awarded") continue;
    std::cout << "  in progress " << s.id << "  " << s.definition << "  [" << s.status << "]\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterAwardCommands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<AwardArgs>();
  CLI::App* award =
      app.add_subcommand("award", "Awards (public badges), revocations and recognitions");
  award->require_subcommand(1);
  auto sub = [&](const char* name, const char* help, bool writes) {
    CLI::App* c = award->add_subcommand(name, help);
    AddDirOption(c, ctx);
    AddJsonOption(c, ctx);
    if (writes) AddAsOption(c, a->as);
    return c;
  };
  CLI::App* issue = sub(
      "issue", "Award a submission whose attempt has a passing review; prints the award id", true);
  issue->add_option("SUBMISSION", a->id, "Submission id")->required();
  OnRun(issue, ctx, [&ctx, a] { return RunIssue(ctx, *a); });

  CLI::App* stack = sub("stack",
                        "Award a stack whose parts PERSON has all earned (active awards); prints "
                        "the stack award id",
                        true);
  stack->add_option("STACK", a->stack, "Stack id (see: credmesh catalog list)")->required();
  stack->add_option("PERSON", a->person, "The educator: name, key prefix or full key")->required();
  OnRun(stack, ctx, [&ctx, a] { return RunStack(ctx, *a); });

  CLI::App* revoke = sub("revoke", "Revoke an award or a stack award", true);
  revoke->add_option("ID", a->id, "Award, submission or stack award (award:stack:...) id")
      ->required();
  AddFreeText(revoke, "--reason", a->reason, "Why (recorded publicly)", TextNeed::kRequired);
  OnRun(revoke, ctx, [&ctx, a] { return RunRevoke(ctx, *a); });

  CLI::App* rec =
      sub("recognize", "Attach a recognition (continuing-education units) to an award", true);
  rec->add_option("ID", a->id, "Award or submission id")->required();
  rec->add_option("--ceu", a->ceu, "Continuing-education units, e.g. 1.5")->required();
  AddFreeText(rec, "--note", a->note, "Free-text note");
  rec->add_option("--issuer", a->issuer, "Who grants the recognition (default: this node's name)");
  OnRun(rec, ctx, [&ctx, a] { return RunRecognize(ctx, *a); });

  CLI::App* show =
      sub("show", "Show an award, and any award record a concurrent one superseded", false);
  show->add_option("ID", a->id, "Award, submission or stack award (award:stack:...) id")
      ->required();
  OnRun(show, ctx, [&ctx, a] { return RunShow(ctx, *a); });

  CLI::App* port = app.add_subcommand(
      "portfolio", "Everything one educator has earned; `portfolio export` writes it as CLR 2.0");
  AddDirOption(port, ctx);
  AddJsonOption(port, ctx);
  port->add_option("PERSON", a->person, "Person name, key prefix or full key");
  RegisterPortfolioExport(port, ctx);
  // The parent's callback runs after its subcommand's: only act alone.
  port->callback([&ctx, a, port] {
    if (!port->get_subcommands().empty()) return;
    if (a->person.empty()) throw CLI::RequiredError("PERSON");
    ctx.run = [&ctx, a] { return RunPortfolio(ctx, *a); };
  });
}

}  // namespace credmesh::cli
