// credmesh: the admin command line. Parses arguments and runs one command.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "node/heap_tuning.h"
#include "tools/cli.h"
#include "tools/command_words.h"

int main(int argc, char** argv) {
  using namespace credmesh::cli;
  // Before anything else: `serve` must see a SIGTERM sent at its first
  // instant (e.g. by a supervisor), not die of it half-way through opening.
  BlockStopSignals();
  // Before any thread starts: chunk buffers freed by a transfer are kept
  // for the next ones instead of faulted in again (node/heap_tuning.h).
  (void)credmesh::KeepFreedChunkBuffers();
  Context ctx;
  if (const char* d = std::getenv("CREDMESH_DIR"); d && *d) ctx.dir = d;
  if (ctx.dir.empty()) ctx.dir = "./credmesh-data";

  CLI::App app{
      "credmesh: offline-first sync of signed micro-credential records for school networks.\n"
      "Exit codes: 0 ok, 1 failure, 2 usage error.",
      "credmesh"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "credmesh 0.1.0");
  // --dir before the command (`credmesh --dir pine log`) or after it.
  app.add_option("--dir", ctx.dir, "Node directory (default: $CREDMESH_DIR, else ./credmesh-data)");
  RegisterNodeCommands(app, ctx);
  RegisterRecordCommands(app, ctx);
  RegisterNoteCommands(app, ctx);
  RegisterTrustCommands(app, ctx);
  RegisterPersonCommands(app, ctx);
  RegisterTransferCommands(app, ctx);
  RegisterBundleCommands(app, ctx);
  RegisterPutCommand(app, ctx);
  RegisterSyncCommands(app, ctx);
  RegisterCatalogCommands(app, ctx);
  RegisterSubmissionCommands(app, ctx);
  RegisterAwardCommands(app, ctx);
  RegisterEvidenceCommands(app, ctx);
  RegisterBadgeCommands(app, ctx);
  RegisterInboxCommand(app, ctx);

  if (auto unknown = FindUnknownCommand(app, std::vector<std::string>(argv + 1, argv + argc))) {
    std::cerr << "credmesh: error: " << *unknown << "\n";
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help or the error
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (!ctx.run) return kExitUsage;
  if (!ctx.handles_stop_signals) UnblockStopSignals();
  try {
    return ctx.run();
  } catch (const std::exception& e) {
    // A bug if reached: libraries return Status. Still fail cleanly.
    return Fail(std::string("internal error: ") + e.what());
  }
}
