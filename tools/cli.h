// cli.h: shared plumbing of the credmesh command line. Each command group
// lives in its own cmd_*.cc and registers itself through a Register* call in
// credmesh.cc. Commands only parse arguments, call the libraries and print.
//
// Exit codes: 0 success, 1 failure (the operation ran and failed, or found
// problems), 2 usage error (bad arguments).
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "node/node.h"
#include "protocol/status.h"
#include "protocol/time_format.h"  // FormatHlc, for command output

namespace credmesh::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Options shared by commands; filled by CLI11 before the command runs.
struct Context {
  std::string dir;           // --dir, or $CREDMESH_DIR, or ./credmesh-data
  bool json = false;         // --json on read commands
  std::function<int()> run;  // the selected command's action
  // The command handles SIGTERM/SIGINT itself (HandleStopSignals); others
  // keep the default action.
  bool handles_stop_signals = false;
};

// Adds --dir to `cmd`.
void AddDirOption(CLI::App* cmd, Context& ctx);
// Adds --json to `cmd`.
void AddJsonOption(CLI::App* cmd, Context& ctx);
// Sets the action run after parsing succeeds.
void OnRun(CLI::App* cmd, Context& ctx, std::function<int()> fn);

// As OnRun, for a command that stops cleanly on SIGTERM/SIGINT: they stay
// blocked from the start of main until it calls HandleStopSignals.
void OnRunHandlingStop(CLI::App* cmd, Context& ctx, std::function<int()> fn);

// SIGTERM and SIGINT: main blocks them first thing, so a signal that
// arrives while the command starts up (parsing, opening the node) waits
// instead of killing the process half-way. UnblockStopSignals restores the
// default action (a pending signal then ends the process, as before);
// HandleStopSignals makes them set the returned flag, then unblocks them.
void BlockStopSignals();
void UnblockStopSignals();
const std::atomic<bool>& HandleStopSignals();

// Prints "credmesh: error: ..." to stderr and returns kExitFailure.
int Fail(const Status& status);
int Fail(const std::string& message);
// Opens the node in ctx.dir with the system clock.
Result<std::unique_ptr<Node>> OpenNode(const Context& ctx);
// The key that signs a write: the node's own key when `as` is empty, else the
// person named by --as, unlocked with their passphrase (trust layer).
Result<const SigningKey*> SignerFor(Node& node, const std::string& as);
// A node with no district root (standalone, or not enrolled yet) stores
// what it receives after checking signatures only: it cannot tell whether
// an author may write, so nothing it holds is "valid" or "verified". Views
// say "unverified" and give this reason instead. nullopt on a district node.
std::optional<std::string> UnverifiedReason(const Node& node);
// The state a view shows for a stored record: RecordStateName, except
// "unverified" for what a node without a district root stores as valid.
std::string ShownState(const Node& node, RecordState state);
// Adds --force to a command that writes an output file.
void AddForceOption(CLI::App* cmd, bool& force);
// Ok when nothing exists at `path` or `force` is set; else AlreadyExists
// naming --force (output files are never silently overwritten).
Status CheckOverwrite(const std::string& path, bool force);
// Adds --as PERSON to a command that writes.
void AddAsOption(CLI::App* cmd, std::string& as);
// Prints a JSON document on stdout.
void PrintJson(const nlohmann::json& doc);
// True when stderr is a terminal (progress output goes there).
bool StderrIsTty();

// Command groups.
void RegisterNodeCommands(CLI::App& app, Context& ctx);      // init, status
void RegisterRecordCommands(CLI::App& app, Context& ctx);    // log, show, verify, rebuild
void RegisterNoteCommands(CLI::App& app, Context& ctx);      // note add
void RegisterTrustCommands(CLI::App& app, Context& ctx);     // enrol, root, revoke
void RegisterPersonCommands(CLI::App& app, Context& ctx);    // person add|grant|list
void RegisterTransferCommands(CLI::App& app, Context& ctx);  // export, import
void RegisterBundleCommands(CLI::App& app, Context& ctx);    // bundle export|import|state
void RegisterPutCommand(CLI::App& app, Context& ctx);        // put (any kind, low-level)
void RegisterSyncCommands(CLI::App& app, Context& ctx);      // peer, sync, serve
void RegisterCatalogCommands(CLI::App& app,
                             Context& ctx);  // catalog import|export|list|show|retire
void RegisterSubmissionCommands(CLI::App& app, Context& ctx);  // submission ..., review add
void RegisterAwardCommands(CLI::App& app, Context& ctx);       // award ..., portfolio
void RegisterEvidenceCommands(CLI::App& app, Context& ctx);    // evidence list|get
void RegisterBadgeCommands(CLI::App& app, Context& ctx);       // badge export|verify|status-list
void RegisterInboxCommand(CLI::App& app, Context& ctx);        // inbox --as PERSON
// `portfolio export` (cmd_badge.cc), added to the `portfolio` command.
void RegisterPortfolioExport(CLI::App* portfolio, Context& ctx);
// The sync part of `status` (cmd_sync.cc): peers and records per scope.
Status AddSyncStatus(Node& node, nlohmann::json& j);
void PrintSyncStatus(const nlohmann::json& j);
// The superseded part of `status` (cred_cli.cc): outcomes that lost to a
// concurrent record.
Status AddSupersededStatus(Node& node, nlohmann::json& j);
void PrintSupersededStatus(const nlohmann::json& j);

}  // namespace credmesh::cli
