#include "tools/cli.h"

#include <unistd.h>

#include <csignal>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "tools/trust_cli.h"

namespace credmesh::cli {

void AddDirOption(CLI::App* cmd, Context& ctx) {
  // No envname: main() already defaults ctx.dir to $CREDMESH_DIR, and an
  // envname here would override a --dir given before the command.
  cmd->add_option("--dir", ctx.dir,
                  "Node directory (default: $CREDMESH_DIR, else ./credmesh-data)");
}

void AddJsonOption(CLI::App* cmd, Context& ctx) {
  cmd->add_flag("--json", ctx.json, "Print one machine-readable JSON document");
}

void OnRun(CLI::App* cmd, Context& ctx, std::function<int()> fn) {
  cmd->callback([&ctx, fn = std::move(fn)] { ctx.run = fn; });
}

void OnRunHandlingStop(CLI::App* cmd, Context& ctx, std::function<int()> fn) {
  cmd->callback([&ctx, fn = std::move(fn)] {
    ctx.run = fn;
    ctx.handles_stop_signals = true;
  });
}

namespace {
std::atomic<bool> g_stop{false};
extern "C" void OnStopSignal(int) { g_stop.store(true); }

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}
}  // namespace

void BlockStopSignals() {
  const sigset_t set = StopSignals();
  sigprocmask(SIG_BLOCK, &set, nullptr);
}

void UnblockStopSignals() {
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  const sigset_t set = StopSignals();
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
}

const std::atomic<bool>& HandleStopSignals() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  const sigset_t set = StopSignals();
  sigprocmask(SIG_UNBLOCK, &set, nullptr);  // a pending signal is delivered now
  return g_stop;
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

std::optional<std::string> UnverifiedReason(const Node& node) {
  if (!node.config().district.empty() && PublicKey::FromHex(node.config().root_key))
    return std::nullopt;
  return "this node has no district root (not enrolled): signatures are checked, but not "
         "whether their authors may write, so nothing here is verified";
}

std::string ShownState(const Node& node, RecordState state) {
  if (state == RecordState::kValid && UnverifiedReason(node)) return "unverified";
  return std::string(RecordStateName(state));
}

void AddForceOption(CLI::App* cmd, bool& force) {
  cmd->add_flag("--force", force, "Overwrite the output file if it exists");
}

Status CheckOverwrite(const std::string& path, bool force) {
  std::error_code ec;
  if (force || !std::filesystem::exists(std::filesystem::symlink_status(path, ec)))
    return Status::Ok();
  return Status::AlreadyExists(path + " exists; pass --force to overwrite it");
}

void AddAsOption(CLI::App* cmd, std::string& as) {
  cmd->add_option("--as", as, "Sign as this person (name or key prefix) instead of the node");
}

void PrintJson(const nlohmann::json& doc) { std::cout << doc.dump(2) << "\n"; }

bool StderrIsTty() { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace credmesh::cli
