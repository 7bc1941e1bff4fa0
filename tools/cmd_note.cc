// credmesh note add: a minimal signed record kind that exercises the whole
// write path (sign, store, list, show, verify, sync).
#include <iostream>

#include "tools/cli.h"
#include "tools/free_text.h"

namespace credmesh::cli {
namespace {

struct NoteArgs {
  std::string text;
  std::string scope;
  std::string as;
};

std::string DefaultScope(const NodeConfig& c) {
  if (c.role == "hub" && !c.district.empty()) return "district/" + c.district;
  if (c.role == "school" && !c.school.empty()) return "school/" + c.school;
  return "school/local";
}

int RunNoteAdd(const Context& ctx, const NoteArgs& args) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Node& n = **node;
  std::string scope = args.scope.empty() ? DefaultScope(n.config()) : args.scope;
  uint8_t rnd[16];
  RandomBytes(rnd, sizeof rnd);
  std::string entity = "note-" + ToHex(ByteView(rnd, sizeof rnd));
  auto signer = SignerFor(n, args.as);
  if (!signer.ok()) return Fail(signer.status());
  auto rec = n.ledger().Write("note", scope, entity, Value::Map{{"text", args.text}}, **signer);
  if (!rec.ok()) return Fail(rec.status());
  if (ctx.json) {
    PrintJson({{"id", rec->id().hex()}, {"scope", scope}, {"entity", entity}});
  } else {
    std::cout << rec->id().hex() << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterNoteCommands(CLI::App& app, Context& ctx) {
  CLI::App* note = app.add_subcommand("note", "Signed free-text notes");
  note->require_subcommand(1);
  auto args = std::make_shared<NoteArgs>();
  CLI::App* add = note->add_subcommand("add", "Sign and store a note; prints its record id");
  AddDirOption(add, ctx);
  AddJsonOption(add, ctx);
  AddFreeText(add, "TEXT", args->text, "The note's text", TextNeed::kRequired);
  add->add_option("--scope", args->scope,
                  "Scope (default: school/local, or district/<d> on a hub)");
  AddAsOption(add, args->as);
  OnRun(add, ctx, [&ctx, args] { return RunNoteAdd(ctx, *args); });
}

}  // namespace credmesh::cli
