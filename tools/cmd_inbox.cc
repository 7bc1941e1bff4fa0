// credmesh inbox --as PERSON: what changed for a person since they last
// looked — feedback, decisions, awards (of credentials and stacks),
// revocations, recognitions and superseded outcomes. "Last looked" is remembered on this node only
// (node/credentials/inbox.h), not synced.
#include <iostream>

#include "node/credentials/inbox.h"
#include "tools/cred_cli.h"
#include "tools/cred_json.h"

namespace credmesh::cli {
namespace {

struct InboxArgs {
  std::string as;
  bool all = false;
};

std::string InboxLine(const InboxItem& i, const KeyLabels& labels) {
  const bool stack = !i.stack_award.empty();
  std::string s = std::string(InboxKindName(i.kind)) + "  " +
                  (stack ? i.stack_award : i.submission) + "  " + i.definition;
  switch (i.kind) {
    case InboxKind::kFeedback:
      return s + "  attempt " + std::to_string(i.attempt) + ", " + i.decision + ", from " +
             labels.Label(i.by) + ": " + i.text;
    case InboxKind::kDecision:
      return s + "  attempt " + std::to_string(i.attempt) + " decided " + i.decision;
    case InboxKind::kAward:
      return s + (stack ? "  stack awarded by " : "  awarded by ") + labels.Label(i.by);
    case InboxKind::kRevocation:
      return s + (stack ? "  stack award revoked: " : "  award revoked: ") + i.text;
    case InboxKind::kRecognition:
      return s + "  recognized: " + FormatCeu(i.ceu_hundredths) + " CEU" +
             (i.text.empty() ? "" : " (" + i.text + ")");
    case InboxKind::kSuperseded:
      return s + "  " + DescribeSuperseded(*i.superseded, labels);
  }
  return s;
}

int RunInbox(const Context& ctx, const InboxArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  auto who = ResolvePerson(**node, a.as);
  if (!who.ok()) return Fail(who.status().WithContext("--as " + a.as));
  auto labels = KeyLabels::Load(**node);
  if (!labels.ok()) return Fail(labels.status());
  auto view = LookAtInbox((*node)->store(), *who, SystemClock::Instance().NowMillis());
  if (!view.ok()) return Fail(view.status());
  if (ctx.json) {
    auto items = nlohmann::json::array();
    for (const auto& i : view->items) {
      if (!a.all && !i.is_new) continue;
      nlohmann::json j = InboxItemJson(i);
      j["by_name"] = labels->NameJson(i.by);
      if (i.superseded) j["superseded"]["author_name"] = labels->NameJson(i.superseded->author);
      items.push_back(std::move(j));
    }
    PrintJson({{"person", who->hex()},
               {"person_name", labels->NameJson(*who)},
               {"new", view->new_items},
               {"last_looked_ms", view->last_looked_ms ? nlohmann::json(*view->last_looked_ms)
                                                       : nlohmann::json(nullptr)},
               {"items", items}});
    return kExitOk;
  }
  for (const auto& i : view->items) {
    if (!a.all && !i.is_new) continue;
    std::cout << (i.is_new ? "new  " : "     ") << FormatHlc(i.hlc).substr(0, 19) << "  "
              << InboxLine(i, *labels) << "\n";
  }
  std::cerr << view->new_items << " new item(s) for " << a.as
            << (view->last_looked_ms ? " since the last look" : "")
            << (a.all ? "" : "; --all lists everything") << "\n";
  return kExitOk;
}

}  // namespace

void RegisterInboxCommand(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<InboxArgs>();
  CLI::App* inbox = app.add_subcommand(
      "inbox",
      "What changed for a person since they last looked: feedback, decisions, awards, "
      "revocations, recognitions, superseded outcomes (the last look is kept on this node)");
  AddDirOption(inbox, ctx);
  AddJsonOption(inbox, ctx);
  inbox->add_option("--as", a->as, "The person (name or key prefix)")->required();
  inbox->add_flag("--all", a->all, "List every item, not only the new ones");
  OnRun(inbox, ctx, [&ctx, a] { return RunInbox(ctx, *a); });
}

}  // namespace credmesh::cli
