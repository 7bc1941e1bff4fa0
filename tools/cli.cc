#include "tools/cli.h"

#include <unistd.h>

#include <iostream>

#include "tools/trust_cli.h"

namespace credmesh::cli {

void AddDirOption(CLI::App* cmd, Context& ctx) {
  cmd->add_option("--dir", ctx.dir, "Node directory (default: $CREDMESH_DIR, else ./credmesh-data)")
      ->envname("CREDMESH_DIR");
}

void AddJsonOption(CLI::App* cmd, Context& ctx) {
  cmd->add_flag("--json", ctx.json, "Print one machine-readable JSON document");
}

void OnRun(CLI::App* cmd, Context& ctx, std::function<int()> fn) {
  cmd->callback([&ctx, fn = std::move(fn)] { ctx.run = fn; });
}

int Fail(const Status& status) { return Fail(status.ToString()); }

int Fail(const std::string& message) {
  std::cerr << "credmesh: error: " << message << "\n";
  return kExitFailure;
}

Result<std::unique_ptr<Node>> OpenNode(const Context& ctx) {
  return Node::Open(ctx.dir, SystemClock::Instance());
}

Result<const SigningKey*> SignerFor(Node& node, const std::string& as) {
  if (as.empty()) return &node.identity();
  auto key = UnlockPerson(node, as);
  if (!key.ok()) return key.status().WithContext("--as " + as);
  return key;
}

void AddAsOption(CLI::App* cmd, std::string& as) {
  cmd->add_option("--as", as, "Sign as this person (name or key prefix) instead of the node");
}

void PrintJson(const nlohmann::json& doc) { std::cout << doc.dump(2) << "\n"; }

bool StderrIsTty() { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace credmesh::cli
