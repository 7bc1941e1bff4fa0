// credmesh peer add|list|remove, credmesh sync, credmesh serve, and the
// sync part of credmesh status.
#include <algorithm>
#include <csignal>
#include <iostream>

#include "node/sync/peers.h"
#include "node/sync_daemon.h"
#include "node/trust/trust_records.h"
#include "tools/cli.h"

namespace credmesh::cli {
namespace {

std::string When(int64_t ms) { return ms == 0 ? "never" : FormatMillisUtc(ms); }

struct PeerArgs {
  std::string name, endpoint, key;
  int64_t max_rate = 0;  // bytes/s, 0: no cap
};

int RunPeerAdd(const Context& ctx, const PeerArgs& a) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  auto key = PublicKey::FromHex(a.key);
  if (!key)
    return Fail("KEY must be the peer's node key: 64 hex digits (credmesh status shows it)");
  Database& db = (*node)->store().db();
  if (Status s = PeerStore::Migrate(db); !s.ok()) return Fail(s);
  if (Status s = PeerStore(db).Add(a.name, a.endpoint, *key, (*node)->clock().NowMillis());
      !s.ok()) {
    return Fail(s);
  }
  if (a.max_rate > 0) {
    if (Status s = PeerStore(db).SetMaxRate(a.name, a.max_rate); !s.ok()) return Fail(s);
  }
  std::cout << "peer " << a.name << " added: " << a.endpoint << " key " << ShortKey(*key)
            << (a.max_rate > 0 ? ", files at most " + std::to_string(a.max_rate) + " bytes/s" : "")
            << "\n";
  return kExitOk;
}

int RunPeerRemove(const Context& ctx, const std::string& name) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Database& db = (*node)->store().db();
  if (Status s = PeerStore::Migrate(db); !s.ok()) return Fail(s);
  if (Status s = PeerStore(db).Remove(name); !s.ok()) return Fail(s);
  std::cout << "peer " << name << " removed\n";
  return kExitOk;
}

nlohmann::json PeerJson(const PeerInfo& p) {
  return {{"name", p.name},
          {"endpoint", p.endpoint},
          {"node_key", p.node_key.hex()},
          {"last_success", p.last_success_ms ? When(p.last_success_ms) : ""},
          {"last_failure", p.last_failure_ms ? When(p.last_failure_ms) : ""},
          {"last_error", p.last_error},
          {"successes", p.successes},
          {"failures", p.failures},
          {"records_sent", p.records_sent},
          {"records_received", p.records_received},
          {"max_rate", p.max_rate_bytes}};
}

void PrintPeer(const PeerInfo& p) {
  const bool failing = p.last_failure_ms > p.last_success_ms;
  std::cout << "  " << p.name << "  " << p.endpoint << "  key " << ShortKey(p.node_key) << "\n"
            << "    last success: " << When(p.last_success_ms) << "  (" << p.successes << " ok, "
            << p.failures << " failed; records sent " << p.records_sent << ", received "
            << p.records_received << ")\n";
  if (p.max_rate_bytes > 0) {
    std::cout << "    files pulled at most " << p.max_rate_bytes << " bytes/s\n";
  }
  if (p.last_failure_ms != 0) {
    std::cout << "    last failure: " << When(p.last_failure_ms) << (failing ? " [FAILING] " : " ")
              << p.last_error << "\n";
  }
}

int RunPeerList(const Context& ctx) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  Database& db = (*node)->store().db();
  if (Status s = PeerStore::Migrate(db); !s.ok()) return Fail(s);
  auto peers = PeerStore(db).List();
  if (!peers.ok()) return Fail(peers.status());
  if (ctx.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& p : *peers) arr.push_back(PeerJson(p));
    PrintJson({{"peers", arr}});
    return kExitOk;
  }
  if (peers->empty())
    std::cout << "no peers (add one: credmesh peer add NAME tcp://HOST:PORT KEY)\n";
  for (const auto& p : *peers) PrintPeer(p);
  return kExitOk;
}

SyncDaemon::Options DaemonOptions(Node& node, int timeout_s) {
  SyncDaemon::Options o;
  o.interval_ms = int64_t{node.config().sync_interval_s} * 1000;
  o.session.verify_threads = node.config().verify_threads;
  if (timeout_s > 0) o.session.idle_timeout_ms = int64_t{timeout_s} * 1000;
  return o;
}

nlohmann::json StatsJson(const SyncStats& s) {
  return {{"records_sent", s.records_sent},
          {"records_received", s.records_received},
          {"records_inserted", s.records_inserted},
          {"records_refused", s.records_refused},
          {"bytes_sent", s.bytes_sent},
          {"bytes_received", s.bytes_received},
          {"round_trips", s.round_trips},
          {"chunks_received", s.chunks_received},
          {"chunk_bytes_received", s.chunk_bytes_received},
          {"chunks_sent", s.chunks_sent},
          {"chunks_rejected", s.chunks_rejected}};
}

// `sync --json`: {"peers": [{peer, ok, outcome, seconds, <stats>}], "ok", "seconds", <total
// stats>}.
void PrintSyncJson(const std::vector<PeerSyncResult>& results, double secs) {
  SyncStats total;
  bool all_ok = true;
  nlohmann::json peers = nlohmann::json::array();
  for (const auto& r : results) {
    total += r.stats;
    all_ok &= r.ok;
    nlohmann::json p = StatsJson(r.stats);
    p["peer"] = r.peer;
    p["ok"] = r.ok;
    p["outcome"] = r.outcome;
    p["seconds"] = r.millis / 1000.0;
    peers.push_back(std::move(p));
  }
  nlohmann::json doc = StatsJson(total);
  doc["peers"] = std::move(peers);
  doc["ok"] = all_ok;
  doc["seconds"] = secs;
  PrintJson(doc);
}

int RunSync(const Context& ctx, const std::string& peer, int timeout_s, bool verbose) {
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  SyncDaemon::Options o = DaemonOptions(**node, timeout_s);
  if (verbose) o.log = [](const std::string& line) { std::cerr << line << "\n"; };
  NodeSyncParts parts(**node);
  o.session.chunks = parts.chunks.get();  // null: records only (version 1)
  auto daemon =
      SyncDaemon::Create(**node, (*node)->clock(), parts.context, parts.backend, parts.policy, o);
  if (!daemon.ok()) return Fail(daemon.status());
  const std::atomic<bool>& stop = HandleStopSignals();
  const bool tty = StderrIsTty();
  const int64_t t0 = (*node)->clock().MonotonicMillis();
  auto results = (*daemon)->SyncOnce(
      peer.empty() ? std::vector<std::string>{} : std::vector<std::string>{peer},
      [tty](const SyncStats& s) {
        if (!tty) return;
        std::cerr << "\r  syncing: sent " << s.records_sent << ", received " << s.records_received
                  << " records, " << (s.bytes_sent + s.bytes_received) / 1024 << " KiB   "
                  << std::flush;
      },
      &stop);
  if (tty) std::cerr << "\r" << std::string(70, ' ') << "\r";
  if (!results.ok()) return Fail(results.status());
  if (ctx.json) {
    PrintSyncJson(*results, ((*node)->clock().MonotonicMillis() - t0) / 1000.0);
    bool all_ok = std::all_of(results->begin(), results->end(), [](const auto& r) { return r.ok; });
    return all_ok ? kExitOk : kExitFailure;
  }
  if (results->empty()) {
    std::cout << "no peers to sync with (add one: credmesh peer add NAME tcp://HOST:PORT KEY)\n";
    return kExitOk;
  }
  SyncStats total;
  bool all_ok = true;
  for (const auto& r : *results) {
    total += r.stats;
    all_ok &= r.ok;
    std::cout << (r.ok ? "ok     " : "FAILED ") << r.peer << ": sent " << r.stats.records_sent
              << ", received " << r.stats.records_received << " (" << r.stats.records_inserted
              << " new) records, " << r.stats.bytes_sent + r.stats.bytes_received << " bytes, "
              << r.stats.round_trips << " round trips, "
              << (r.stats.chunks_received > 0
                      ? std::to_string(r.stats.chunks_received) + " file chunks (" +
                            std::to_string(r.stats.chunk_bytes_received) + " bytes) in, "
                      : std::string())
              << r.millis / 1000.0 << " s" << (r.ok ? "" : " — " + r.outcome) << "\n";
  }
  const double secs = ((*node)->clock().MonotonicMillis() - t0) / 1000.0;
  std::cout << "sync: " << results->size() << " peer(s), records sent " << total.records_sent
            << ", received " << total.records_received << ", bytes " << total.bytes_sent
            << " out / " << total.bytes_received << " in, round trips " << total.round_trips << ", "
            << secs << " s\n";
  return all_ok ? kExitOk : kExitFailure;
}

int RunServe(const Context& ctx, const std::string& listen) {
  // SIGTERM/SIGINT have been blocked since main began: whatever arrives
  // while the node opens is seen here, once the node is in a known state.
  const std::atomic<bool>& stop = HandleStopSignals();
  auto log = [](const std::string& line) { std::cerr << line << std::endl; };
  auto node = OpenNode(ctx);
  if (!node.ok()) return Fail(node.status());
  if (stop.load()) {
    log(LogLine((*node)->clock(), "serve_stopped", {{"before", "listening"}}));
    return kExitOk;
  }
  SyncDaemon::Options o = DaemonOptions(**node, 0);
  o.listen = listen.empty() ? (*node)->config().listen : listen;
  o.log = log;
  NodeSyncParts parts(**node);
  o.session.chunks = parts.chunks.get();  // null: records only (version 1)
  auto daemon =
      SyncDaemon::Create(**node, (*node)->clock(), parts.context, parts.backend, parts.policy, o);
  if (!daemon.ok()) return Fail(daemon.status());
  // One parseable line on stdout: where we listen (port 0 resolves here).
  std::cout << "listening " << (*daemon)->endpoint() << std::endl;
  Status s = (*daemon)->Run(stop);
  return s.ok() ? kExitOk : Fail(s);
}

}  // namespace

Status AddSyncStatus(Node& node, nlohmann::json& j) {
  Database& db = node.store().db();
  CREDMESH_RETURN_IF_ERROR(PeerStore::Migrate(db));
  CREDMESH_ASSIGN_OR_RETURN(auto peers, PeerStore(db).List());
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& p : peers) arr.push_back(PeerJson(p));
  j["peers"] = arr;
  CREDMESH_ASSIGN_OR_RETURN(Statement st,
                            db.Prepare("SELECT scope, sum(state = 0), sum(state != 0) FROM records "
                                       "GROUP BY scope ORDER BY scope"));
  // A node with no district root verifies nobody's authority: what it
  // stores as valid is counted as "unverified".
  const auto unverified = UnverifiedReason(node);
  const char* valid_key = unverified ? "unverified" : "valid";
  nlohmann::json scopes = nlohmann::json::object();
  for (;;) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    scopes[st.ColumnText(0)] = {{valid_key, st.ColumnInt(1)}, {"not_valid", st.ColumnInt(2)}};
  }
  j["scopes"] = scopes;
  if (unverified) j["unverified"] = *unverified;
  return Status::Ok();
}

void PrintSyncStatus(const nlohmann::json& j) {
  const bool unverified = j.contains("unverified");
  const char* valid_key = unverified ? "unverified" : "valid";
  if (unverified) std::cout << "  UNVERIFIED: " << j["unverified"].get<std::string>() << "\n";
  std::cout << "  records per scope (" << valid_key << " / quarantined or denied):\n";
  for (const auto& [scope, v] : j["scopes"].items()) {
    std::cout << "    " << scope << ": " << v[valid_key].get<int64_t>() << " / "
              << v["not_valid"].get<int64_t>() << "\n";
  }
  std::cout << "  peers:" << (j["peers"].empty() ? " none" : "") << "\n";
  for (const auto& p : j["peers"]) {
    std::cout << "    " << p["name"].get<std::string>() << "  " << p["endpoint"].get<std::string>()
              << "\n"
              << "      last success: "
              << (p["last_success"].get<std::string>().empty()
                      ? "never"
                      : p["last_success"].get<std::string>())
              << "\n";
    if (!p["last_failure"].get<std::string>().empty()) {
      std::cout << "      last failure: " << p["last_failure"].get<std::string>() << "  "
                << p["last_error"].get<std::string>() << "\n";
    }
  }
}

void RegisterSyncCommands(CLI::App& app, Context& ctx) {
  CLI::App* peer = app.add_subcommand("peer", "Nodes this node syncs with");
  peer->require_subcommand(1);
  auto pa = std::make_shared<PeerArgs>();
  CLI::App* add =
      peer->add_subcommand("add", "Add a peer: NAME ENDPOINT KEY (the peer's node key)");
  AddDirOption(add, ctx);
  add->add_option("NAME", pa->name, "Local name of the peer, e.g. hub")->required();
  add->add_option("ENDPOINT", pa->endpoint, "Its sync endpoint, e.g. tcp://10.0.0.5:7600")
      ->required();
  add->add_option("KEY", pa->key, "Its node key (64 hex digits)")->required();
  add->add_option("--max-rate", pa->max_rate,
                  "Pull evidence files from it at most this fast, bytes/s (e.g. 500k, 4M)")
      ->transform(CLI::AsSizeValue(false));
  OnRun(add, ctx, [&ctx, pa] { return RunPeerAdd(ctx, *pa); });
  CLI::App* list = peer->add_subcommand("list", "List peers and how their last syncs went");
  AddDirOption(list, ctx);
  AddJsonOption(list, ctx);
  OnRun(list, ctx, [&ctx] { return RunPeerList(ctx); });
  auto rm_name = std::make_shared<std::string>();
  CLI::App* rm = peer->add_subcommand("remove", "Remove a peer");
  AddDirOption(rm, ctx);
  rm->add_option("NAME", *rm_name)->required();
  OnRun(rm, ctx, [&ctx, rm_name] { return RunPeerRemove(ctx, *rm_name); });

  struct SyncArgs {
    std::string peer;
    int timeout_s = 10;
    bool verbose = false;
  };
  auto sa = std::make_shared<SyncArgs>();
  CLI::App* sync = app.add_subcommand(
      "sync", "Sync once with every peer (or --peer NAME); exit 1 if one failed");
  AddDirOption(sync, ctx);
  AddJsonOption(sync, ctx);
  sync->add_option("--peer", sa->peer, "Only this peer");
  sync->add_option("--timeout", sa->timeout_s,
                   "Give up on a silent peer after this many seconds (default 10)");
  sync->add_flag("-v,--verbose", sa->verbose, "Log each event on stderr");
  OnRunHandlingStop(sync, ctx,
                    [&ctx, sa] { return RunSync(ctx, sa->peer, sa->timeout_s, sa->verbose); });

  auto listen = std::make_shared<std::string>();
  CLI::App* serve = app.add_subcommand(
      "serve", "Run the node: listen, sync with peers on schedule; SIGTERM stops");
  AddDirOption(serve, ctx);
  serve->add_option("--listen", *listen,
                    "Endpoint to bind (default: config listen; tcp://127.0.0.1:0 picks a port)");
  OnRunHandlingStop(serve, ctx, [&ctx, listen] { return RunServe(ctx, *listen); });
}

}  // namespace credmesh::cli
