// credmesh init, credmesh status.
#include <iostream>

#include "node/district_init.h"
#include "node/evidence_files.h"
#include "tools/cli.h"
#include "tools/trust_cli.h"

namespace credmesh::cli {
namespace {

struct InitArgs {
  std::string name;
  bool hub = false, school = false;  // trust: docs/trust.md
  std::string district;
  std::string listen;       // empty: the default endpoint
  std::string advertise;    // hub: address in certificates; empty: listen
  int sync_interval_s = 0;  // 0: the default
};

int RunInit(const Context& ctx, const InitArgs& args) {
  InitOptions o;
  o.kind = args.hub      ? InitOptions::Kind::kHub
           : args.school ? InitOptions::Kind::kSchool
                         : InitOptions::Kind::kStandalone;
  o.name = args.name;
  o.district_name = args.district;
  o.listen = args.listen;
  o.advertise = args.advertise;
  o.sync_interval_s = args.sync_interval_s;
  auto r = InitNodeDirectory(ctx.dir, o, SystemClock::Instance());
  if (!r.ok()) {
    // Missing or bad arguments read as plain advice.
    return r.status().code() == Status::Code::kInvalidArgument ? Fail(r.status().message())
                                                               : Fail(r.status());
  }
  switch (o.kind) {
    case InitOptions::Kind::kStandalone:
      std::cout << "Initialized credmesh node in " << ctx.dir << "\n"
                << "  node key: " << r->node_key.hex() << "\n"
                << "  config:   " << ctx.dir << "/" << Node::kConfigFile << "\n";
      break;
    case InitOptions::Kind::kHub:
      std::cout << "Initialized hub of district " << r->district << " (" << args.district << ") in "
                << ctx.dir << "\n"
                << "  node key: " << r->node_key.hex() << "\n"
                << "  root key: " << r->root_key.hex() << "\n"
                << "  root key file: " << r->root_key_file
                << " (keep it offline: credmesh root export, see docs/trust.md)\n";
      if (!r->warning.empty()) std::cerr << r->warning << "\n";
      break;
    case InitOptions::Kind::kSchool:
      std::cout << "Initialized school node \"" << args.name << "\" in " << ctx.dir << "\n"
                << "  node key: " << r->node_key.hex() << "\n"
                << "  enrolment request: " << r->request_file << "\n"
                << "  next: take it to the hub: credmesh enrol issue --dir HUB " << r->request_file
                << " --school-id ID -o CERT\n";
      break;
  }
  return kExitOk;
}

int RunStatus(const Context& ctx) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  RecordStore& rs = (*node)->store().records();
  auto total = rs.Count({});
  if (!total.ok()) return Fail(total.status());
  RecordQuery pending_q;
  pending_q.state = RecordState::kPending;
  auto pending = rs.List(pending_q);
  if (!pending.ok()) return Fail(pending.status());
  const NodeConfig& c = (*node)->config();
  auto chunks = ChunkStore::Open((*node)->Path(Node::kChunkDir));
  if (!chunks.ok()) return Fail(chunks.status());
  auto files = CountEvidenceFiles((*node)->store(), *chunks);
  if (!files.ok()) return Fail(files.status());
  const nlohmann::json files_json = {{"files", files->files},
                                     {"incomplete", files->files_incomplete},
                                     {"in_transit", files->files_in_transit},
                                     {"bytes_missing", files->bytes_missing},
                                     {"not_recorded", files->files_not_recorded},
                                     {"purged", files->files_purged}};
  if (ctx.json) {
    nlohmann::json j = {{"dir", ctx.dir},
                        {"role", c.role},
                        {"name", c.name},
                        {"district", c.district},
                        {"node_key", (*node)->identity().public_key().hex()},
                        {"records", *total},
                        {"pending", pending->size()},
                        {"evidence_files", files_json}};
    if (Status s = AddTrustStatus(**node, j); !s.ok()) return Fail(s);
    if (Status s = AddSyncStatus(**node, j); !s.ok()) return Fail(s);
    if (Status s = AddSupersededStatus(**node, j); !s.ok()) return Fail(s);
    PrintJson(j);
    return kExitOk;
  }
  std::cout << "node " << c.name << " (" << c.role << ") in " << ctx.dir << "\n"
            << "  key:      " << (*node)->identity().public_key().hex() << "\n"
            << "  records:  " << *total << "\n"
            << "  pending:  " << pending->size() << "\n"
            << "  files:    " << files->files << " evidence files";
  if (files->files_incomplete > 0) {
    std::cout << ", " << files->files_incomplete << " incomplete ("
              << (files->files_in_transit > 0
                      ? std::to_string(files->files_in_transit) + " in transit, "
                      : std::string())
              << files->bytes_missing << " bytes missing)";
  }
  if (files->files_not_recorded > 0)
    std::cout << ", " << files->files_not_recorded << " described only";
  if (files->files_purged > 0) std::cout << ", " << files->files_purged << " purged";
  std::cout << "\n";
  nlohmann::json trust;
  if (Status s = AddTrustStatus(**node, trust); !s.ok()) return Fail(s);
  PrintTrustStatus(trust);
  nlohmann::json sync;
  if (Status s = AddSyncStatus(**node, sync); !s.ok()) return Fail(s);
  PrintSyncStatus(sync);
  nlohmann::json superseded;
  if (Status s = AddSupersededStatus(**node, superseded); !s.ok()) return Fail(s);
  PrintSupersededStatus(superseded);
  return kExitOk;
}

}  // namespace

void RegisterNodeCommands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<InitArgs>();
  CLI::App* init = app.add_subcommand("init", "Create a new node: identity key, database, config");
  AddDirOption(init, ctx);
  init->add_option("--name", args->name, "Human name of this node (school or hub)");
  CLI::Option* hub =
      init->add_flag("--hub", args->hub, "Create a district hub with a new root key");
  CLI::Option* school =
      init->add_flag("--school", args->school, "Create a school node and an enrolment request");
  hub->excludes(school);
  init->add_option(
      "--listen", args->listen,
      "Sync endpoint `serve` binds, e.g. tcp://0.0.0.0:7600 (default tcp://127.0.0.1:7600; "
      "a school: tcp://127.0.0.1:7601)");
  init->add_option("--advertise", args->advertise,
                   "Hub: address schools reach it at, written into certificates, e.g. "
                   "tcp://10.0.0.5:7600 (default: --listen)")
      ->needs(hub);
  init->add_option("--sync-interval", args->sync_interval_s,
                   "Seconds between periodic syncs with each peer (default 60)")
      ->check(CLI::Range(1, 86400));
  init->add_option("--district", args->district, "District name (with --hub), e.g. \"Valley USD\"")
      ->needs(hub);
  OnRun(init, ctx, [&ctx, args] { return RunInit(ctx, *args); });

  CLI::App* status =
      app.add_subcommand("status", "Show this node's identity, records and quarantine");
  AddDirOption(status, ctx);
  AddJsonOption(status, ctx);
  OnRun(status, ctx, [&ctx] { return RunStatus(ctx); });
}

}  // namespace credmesh::cli
