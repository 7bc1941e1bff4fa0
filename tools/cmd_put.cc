// credmesh put: sign and store one record of any kind — the low-level write
// used by scripts and tests (and to exercise authorization from the shell).
// Goes through Ledger::Write, so a refused record leaves no trace.
#include <iostream>

#include "tools/cli.h"

namespace credmesh::cli {
namespace {

struct PutArgs {
  std::string kind, scope, entity, body = "{}", as;
};

int RunPut(const Context& ctx, const PutArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  auto json = nlohmann::json::parse(a.body, nullptr, false);
  if (json.is_discarded()) return Fail(Status::InvalidArgument("--body is not JSON"));
  auto body = ValueFromJson(json);
  if (!body.ok()) return Fail(body.status().WithContext("--body"));
  if (!body->is_map()) return Fail(Status::InvalidArgument("--body must be a JSON object"));
  auto signer = SignerFor(**node, a.as);
  if (!signer.ok()) return Fail(signer.status());
  auto rec = (*node)->ledger().Write(a.kind, a.scope, a.entity, std::move(*body), **signer);
  if (!rec.ok()) return Fail(rec.status());
  std::cout << rec->id().hex() << "\n";
  return kExitOk;
}

}  // namespace

void RegisterPutCommand(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<PutArgs>();
  CLI::App* put = app.add_subcommand("put", "Sign and store one record of any kind (low-level)");
  AddDirOption(put, ctx);
  put->add_option("--kind", a->kind, "Record kind, e.g. review.score")->required();
  put->add_option("--scope", a->scope, "Scope, e.g. school/pine")->required();
  put->add_option("--entity", a->entity, "Entity id")->required();
  put->add_option("--body", a->body, "Body as a JSON object (default {})");
  AddAsOption(put, a->as);
  OnRun(put, ctx, [&ctx, a] { return RunPut(ctx, *a); });
}

}  // namespace credmesh::cli
