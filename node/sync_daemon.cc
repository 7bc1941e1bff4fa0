#include "node/sync_daemon.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "node/sync/log_text.h"
#include "node/trust/trust_index.h"
#include "node/trust/trust_records.h"

namespace credmesh {

Result<std::vector<std::string>> WantedScopes(Node& node) {
  const NodeConfig& c = node.config();
  if (c.district.empty())
    return Status::FailedPrecondition("this node is not enrolled in a district");
  std::vector<std::string> scopes{"district/" + c.district};
  if (c.role == "school" && !c.school.empty()) scopes.push_back("school/" + c.school);
  if (c.role == "hub") {
    CREDMESH_ASSIGN_OR_RETURN(auto facts, TrustIndex(node.store().db()).LoadAll());
    std::set<std::string> schools;
    for (const TrustFact& f : facts) {
      if (f.role == Role::kSchoolNode && f.revoked_hlc == TrustFact::kNever)
        schools.insert(f.scope);
    }
    for (const std::string& s : schools) {
      if (scopes.size() + 1 >= wire::kMaxScopes) break;
      scopes.push_back(s);
    }
  }
  scopes.push_back("public/" + c.district);
  return scopes;
}

std::string LogLine(Clock& clock, const std::string& event,
                    const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string line = "ts=" + FormatMillisUtc(clock.NowMillis()) + " event=" + event;
  for (const auto& [k, raw] : fields) {
    // Values may carry peer text (outcomes, names): one line, no escapes.
    const std::string v = EscapeForLog(raw);
    const bool quote = v.empty() || v.find_first_of(" \"=") != std::string::npos;
    line += " " + k + "=";
    if (!quote) {
      line += v;
      continue;
    }
    line += '"';
    for (char ch : v) {
      if (ch == '"' || ch == '\\') line += '\\';
      line += ch;
    }
    line += '"';
  }
  return line;
}

SyncDaemon::SyncDaemon(Node& node, Clock& clock, zmq::context_t& context, SyncBackend& backend,
                       PeerPolicy& policy, Options options)
    : node_(node),
      clock_(clock),
      options_(std::move(options)),
      ctx_(context),
      backend_(backend),
      policy_(policy),
      schedule_({options_.interval_ms, options_.change_delay_ms, options_.max_backoff_ms,
                 options_.uniform01}) {}

SyncDaemon::~SyncDaemon() {
  active_.clear();
  server_.reset();
}

Result<std::unique_ptr<SyncDaemon>> SyncDaemon::Create(Node& node, Clock& clock,
                                                       zmq::context_t& context,
                                                       SyncBackend& backend, PeerPolicy& policy,
                                                       Options options) {
  CREDMESH_RETURN_IF_ERROR(PeerStore::Migrate(node.store().db()));
  if (!options.uniform01) {
    options.uniform01 = [] {
      uint32_t r;
      RandomBytes(reinterpret_cast<uint8_t*>(&r), sizeof r);
      return r / 4294967295.0;
    };
  }
  std::unique_ptr<SyncDaemon> d(
      new SyncDaemon(node, clock, context, backend, policy, std::move(options)));
  CREDMESH_ASSIGN_OR_RETURN(d->scopes_, WantedScopes(node));
  if (!d->options_.listen.empty()) {
    CREDMESH_ASSIGN_OR_RETURN(d->server_,
                              SyncServer::Start(context, node.identity(), backend, policy, clock,
                                                d->options_.listen, d->options_.session));
    SyncDaemon* self = d.get();
    d->server_->set_on_session_end(
        [self](const PublicKey& k, const std::string& outcome, const SyncStats& s) {
          self->Log("serve_session_end", {{"peer_key", ShortKey(k)},
                                          {"outcome", outcome},
                                          {"sent", std::to_string(s.records_sent)},
                                          {"received", std::to_string(s.records_received)},
                                          {"bytes_out", std::to_string(s.bytes_sent)},
                                          {"bytes_in", std::to_string(s.bytes_received)}});
          if (outcome == "ok") self->OnInboundSession(k);
        });
  }
  return d;
}

std::string SyncDaemon::endpoint() const { return server_ ? server_->endpoint() : ""; }

std::vector<std::string> SyncDaemon::Running() const {
  std::vector<std::string> names;
  for (const auto& a : active_) names.push_back(a.peer.name);
  return names;
}

void SyncDaemon::OnInboundSession(const PublicKey& peer_key) {
  auto peers = PeerStore(node_.store().db()).List();
  if (!peers.ok()) return;
  for (const PeerInfo& p : *peers) {
    if (p.node_key != peer_key || schedule_.Failures(p.name) == 0) continue;
    schedule_.PeerSeen(p.name, clock_.MonotonicMillis());
    Log("peer_back", {{"peer", p.name}, {"why", "it opened a session to us"}});
  }
}

void SyncDaemon::Log(const std::string& event,
                     const std::vector<std::pair<std::string, std::string>>& fields) {
  if (options_.log) options_.log(LogLine(clock_, event, fields));
}

NodeSyncParts::NodeSyncParts(Node& node) : backend(node.store(), node.ledger()), policy(node) {
  auto store = ChunkStore::Open(node.Path(Node::kChunkDir));
  if (store.ok()) {
    // Temporary files of chunks a crashed sync process was writing: absent
    // chunks are simply fetched again, so only the disk space is at stake.
    (void)ChunkWriteBatch::RemoveAbandoned(*store);
    chunks = std::make_unique<NodeChunkExchange>(node.store(), std::move(*store));
  } else {
    chunks_status = store.status();
  }
}

Status SyncDaemon::StartClient(const PeerInfo& peer) {
  ClientOptions o;
  static_cast<SessionOptions&>(o) = options_.session;
  if (peer.max_rate_bytes > 0) o.max_rate_bytes = peer.max_rate_bytes;
  o.scopes = scopes_;
  o.server_key = peer.node_key;
  auto c = SyncClient::Connect(ctx_, node_.identity(), backend_, policy_, clock_, peer.endpoint, o);
  if (!c.ok()) return c.status();
  active_.push_back({peer, std::move(*c), clock_.MonotonicMillis()});
  Log("sync_start", {{"peer", peer.name}, {"endpoint", peer.endpoint}});
  return Status::Ok();
}

PeerSyncResult SyncDaemon::Finish(Active& a) {
  PeerSyncResult r;
  r.peer = a.peer.name;
  r.ok = a.client->ok();
  r.outcome = r.ok ? "ok" : a.client->Outcome();
  r.error_code = a.client->error_code();
  r.failure = a.client->failure();
  r.stats = a.client->stats();
  r.millis = clock_.MonotonicMillis() - a.started_ms;
  PeerStore peers(node_.store().db());
  const int64_t now = clock_.NowMillis();
  Status s = r.ok ? peers.RecordSuccess(r.peer, now, static_cast<int64_t>(r.stats.records_sent),
                                        static_cast<int64_t>(r.stats.records_received))
                  : peers.RecordFailure(r.peer, now, r.outcome);
  if (!s.ok()) Log("peers_table_error", {{"peer", r.peer}, {"error", s.ToString()}});
  Log(r.ok ? "sync_ok" : "sync_failed",
      {{"peer", r.peer},
       {"outcome", r.outcome},
       {"sent", std::to_string(r.stats.records_sent)},
       {"received", std::to_string(r.stats.records_received)},
       {"inserted", std::to_string(r.stats.records_inserted)},
       {"bytes_out", std::to_string(r.stats.bytes_sent)},
       {"bytes_in", std::to_string(r.stats.bytes_received)},
       {"round_trips", std::to_string(r.stats.round_trips)},
       {"chunks_in", std::to_string(r.stats.chunks_received)},
       {"chunks_out", std::to_string(r.stats.chunks_sent)},
       {"chunks_rejected", std::to_string(r.stats.chunks_rejected)},
       {"ms", std::to_string(r.millis)}});
  return r;
}

void SyncDaemon::Step(int timeout_ms, std::vector<PeerSyncResult>* finished) {
  std::vector<zmq::pollitem_t> items;
  if (server_) items.push_back({server_->socket().handle(), 0, ZMQ_POLLIN, 0});
  for (auto& a : active_) {
    items.push_back({a.client->socket().handle(), 0, ZMQ_POLLIN, 0});
    items.push_back({a.client->monitor().handle(), 0, ZMQ_POLLIN, 0});
  }
  try {
    if (!items.empty()) {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(timeout_ms));
    }
  } catch (const zmq::error_t&) {
    // EINTR (a signal): fall through and let the caller look at its flag.
  }
  if (server_) server_->Process();
  for (auto& a : active_) a.client->Process();
  for (auto it = active_.begin(); it != active_.end();) {
    if (!it->client->done()) {
      ++it;
      continue;
    }
    PeerSyncResult r = Finish(*it);
    const int64_t now = clock_.MonotonicMillis();
    if (r.ok) {
      schedule_.Succeeded(r.peer, now);
    } else {
      const bool progressed = r.stats.records_inserted > 0 || r.stats.chunks_received > 0;
      const int64_t delay = schedule_.Failed(r.peer, r.failure, now, progressed);
      Log("backoff", {{"peer", r.peer},
                      {"kind", std::string(FailureKindName(r.failure))},
                      {"failures", std::to_string(schedule_.Failures(r.peer))},
                      {"retry_in_ms", std::to_string(delay)}});
    }
    if (finished) finished->push_back(std::move(r));
    it = active_.erase(it);
  }
}

Result<std::vector<PeerSyncResult>> SyncDaemon::SyncOnce(
    const std::vector<std::string>& names, const std::function<void(const SyncStats&)>& progress,
    const std::atomic<bool>* stop) {
  PeerStore peers(node_.store().db());
  CREDMESH_ASSIGN_OR_RETURN(auto all, peers.List());
  std::vector<PeerSyncResult> results;
  for (const std::string& n : names) {
    if (std::none_of(all.begin(), all.end(), [&](const PeerInfo& p) { return p.name == n; })) {
      return Status::NotFound("no peer named " + n + " (see: credmesh peer list)");
    }
  }
  for (const PeerInfo& p : all) {
    if (!names.empty() && std::find(names.begin(), names.end(), p.name) == names.end()) continue;
    if (Status s = StartClient(p); !s.ok()) {
      PeerSyncResult r;
      r.peer = p.name;
      r.outcome = s.ToString();
      (void)peers.RecordFailure(p.name, clock_.NowMillis(), r.outcome);
      results.push_back(std::move(r));
    }
  }
  int64_t last_progress = clock_.MonotonicMillis();
  while (!active_.empty()) {
    if (stop && stop->load()) {
      for (auto& a : active_) a.client->Abort("interrupted");
    }
    Step(50, &results);
    if (progress && clock_.MonotonicMillis() - last_progress >= 200) {
      SyncStats total;
      for (const auto& a : active_) total += a.client->stats();
      for (const auto& r : results) total += r.stats;
      progress(total);
      last_progress = clock_.MonotonicMillis();
    }
  }
  return results;
}

void SyncDaemon::CheckLocalChanges(int64_t now) {
  auto st = node_.store().db().Prepare("SELECT coalesce(max(rowid), 0) FROM records");
  if (!st.ok() || !st->Step().ok()) return;
  const int64_t rowid = st->ColumnInt(0);
  const bool changed = last_rowid_ >= 0 && rowid != last_rowid_;
  last_rowid_ = rowid;
  if (!changed) return;
  // Records written by other processes (the CLI) or received: refresh the
  // item sets, the scopes (a hub asks for each newly certified school) and
  // sync soon.
  if (Status s = backend_.Refresh(); !s.ok()) Log("refresh_error", {{"error", s.ToString()}});
  if (auto scopes = WantedScopes(node_); scopes.ok()) scopes_ = std::move(*scopes);
  schedule_.LocalChange(now);
  Log("local_change", {{"max_rowid", std::to_string(rowid)}});
}

void SyncDaemon::Turn(int timeout_ms) {
  const int64_t now = clock_.MonotonicMillis();
  if (last_check_ms_ < 0 || now - last_check_ms_ >= 500) {
    last_check_ms_ = now;
    CheckLocalChanges(now);
    PeerStore peers(node_.store().db());
    if (auto list = peers.List(); list.ok()) {
      for (const PeerInfo& p : *list) {
        const bool running = std::any_of(active_.begin(), active_.end(),
                                         [&](const Active& a) { return a.peer.name == p.name; });
        if (running || !schedule_.Due(p.name, now)) continue;
        if (Status s = StartClient(p); !s.ok()) {
          (void)peers.RecordFailure(p.name, clock_.NowMillis(), s.ToString());
          schedule_.Failed(p.name, FailureKind::kError, now);
          Log("sync_failed", {{"peer", p.name}, {"outcome", s.ToString()}});
        }
      }
    }
  }
  Step(timeout_ms, nullptr);
}

Status SyncDaemon::Run(const std::atomic<bool>& stop) {
  Log("serve_start", {{"listen", endpoint()},
                      {"node", node_.config().name},
                      {"interval_s", std::to_string(options_.interval_ms / 1000)}});
  while (!stop.load()) Turn(100);
  Log("serve_stopping", {{"sessions", std::to_string(server_ ? server_->sessions() : 0)},
                         {"clients", std::to_string(active_.size())}});
  for (auto& a : active_) a.client->Abort("node shutting down");
  if (server_) server_->Shutdown();
  active_.clear();
  Log("serve_stopped", {});
  return Status::Ok();
}

}  // namespace credmesh
