#include "node/sync/peers.h"

#include "storage/migrations.h"

namespace credmesh {
namespace {

constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE peers("
     "  name TEXT PRIMARY KEY,"
     "  endpoint TEXT NOT NULL,"
     "  node_key TEXT NOT NULL,"  // hex Ed25519
     "  added_ms INTEGER NOT NULL,"
     "  last_success_ms INTEGER NOT NULL DEFAULT 0,"
     "  last_failure_ms INTEGER NOT NULL DEFAULT 0,"
     "  last_error TEXT NOT NULL DEFAULT '',"
     "  successes INTEGER NOT NULL DEFAULT 0,"
     "  failures INTEGER NOT NULL DEFAULT 0,"
     "  records_sent INTEGER NOT NULL DEFAULT 0,"
     "  records_received INTEGER NOT NULL DEFAULT 0);"},
    // Per-peer cap on pulling evidence file chunks, bytes/s; 0: none.
    {2, "ALTER TABLE peers ADD COLUMN max_rate INTEGER NOT NULL DEFAULT 0;"},
};

constexpr char kColumns[] =
    "name, endpoint, node_key, added_ms, last_success_ms, last_failure_ms, last_error, successes, "
    "failures, records_sent, records_received, max_rate";

PeerInfo ReadPeer(const Statement& st) {
  PeerInfo p;
  p.name = st.ColumnText(0);
  p.endpoint = st.ColumnText(1);
  p.node_key = PublicKey::FromHex(st.ColumnText(2)).value_or(PublicKey{});
  p.added_ms = st.ColumnInt(3);
  p.last_success_ms = st.ColumnInt(4);
  p.last_failure_ms = st.ColumnInt(5);
  p.last_error = st.ColumnText(6);
  p.successes = st.ColumnInt(7);
  p.failures = st.ColumnInt(8);
  p.records_sent = st.ColumnInt(9);
  p.records_received = st.ColumnInt(10);
  p.max_rate_bytes = st.ColumnInt(11);
  return p;
}

Status CheckName(const std::string& name) {
  if (name.empty() || name.size() > 64)
    return Status::InvalidArgument("peer name must be 1..64 characters");
  for (char c : name) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) {
      return Status::InvalidArgument("peer name may hold letters, digits, '.', '_' and '-' only");
    }
  }
  return Status::Ok();
}

Status CheckEndpoint(const std::string& endpoint) {
  if (endpoint.rfind("tcp://", 0) != 0 && endpoint.rfind("ipc://", 0) != 0) {
    return Status::InvalidArgument("endpoint must look like tcp://HOST:PORT");
  }
  return Status::Ok();
}

}  // namespace

Status PeerStore::Migrate(Database& db) { return ApplyMigrations(db, "peers", kMigrations); }

Status PeerStore::Add(const std::string& name, const std::string& endpoint, const PublicKey& key,
                      int64_t now_ms) {
  CREDMESH_RETURN_IF_ERROR(CheckName(name));
  CREDMESH_RETURN_IF_ERROR(CheckEndpoint(endpoint));
  CREDMESH_ASSIGN_OR_RETURN(auto existing, Get(name));
  if (existing) return Status::AlreadyExists("peer " + name + " exists (remove it first)");
  return Upsert(name, endpoint, key, now_ms);
}

Status PeerStore::Upsert(const std::string& name, const std::string& endpoint, const PublicKey& key,
                         int64_t now_ms) {
  CREDMESH_RETURN_IF_ERROR(CheckName(name));
  CREDMESH_RETURN_IF_ERROR(CheckEndpoint(endpoint));
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st,
      db_.Prepare("INSERT INTO peers(name, endpoint, node_key, added_ms) VALUES(?, ?, ?, ?) "
                  "ON CONFLICT(name) DO UPDATE SET endpoint = excluded.endpoint, node_key = "
                  "excluded.node_key"));
  st.Bind(1, name).Bind(2, endpoint).Bind(3, key.hex()).Bind(4, now_ms);
  return st.Run();
}

Status PeerStore::SetMaxRate(const std::string& name, int64_t bytes_per_s) {
  if (bytes_per_s < 0) return Status::InvalidArgument("a rate cannot be negative");
  CREDMESH_ASSIGN_OR_RETURN(Statement st,
                            db_.Prepare("UPDATE peers SET max_rate = ? WHERE name = ?"));
  st.Bind(1, bytes_per_s).Bind(2, name);
  CREDMESH_RETURN_IF_ERROR(st.Run());
  if (db_.Changes() == 0) return Status::NotFound("no peer named " + name);
  return Status::Ok();
}

Status PeerStore::Remove(const std::string& name) {
  CREDMESH_ASSIGN_OR_RETURN(Statement st, db_.Prepare("DELETE FROM peers WHERE name = ?"));
  st.Bind(1, name);
  CREDMESH_RETURN_IF_ERROR(st.Run());
  if (db_.Changes() == 0) return Status::NotFound("no peer named " + name);
  return Status::Ok();
}

Result<std::vector<PeerInfo>> PeerStore::List() {
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st, db_.Prepare(std::string("SELECT ") + kColumns + " FROM peers ORDER BY name"));
  std::vector<PeerInfo> out;
  for (;;) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadPeer(st));
  }
  return out;
}

Result<std::optional<PeerInfo>> PeerStore::Get(const std::string& name) {
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st, db_.Prepare(std::string("SELECT ") + kColumns + " FROM peers WHERE name = ?"));
  st.Bind(1, name);
  CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<PeerInfo>();
  return std::optional<PeerInfo>(ReadPeer(st));
}

Status PeerStore::RecordSuccess(const std::string& name, int64_t now_ms, int64_t sent,
                                int64_t received) {
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st, db_.Prepare("UPDATE peers SET last_success_ms = ?, successes = successes + 1, "
                                "records_sent = records_sent + ?, records_received = "
                                "records_received + ? WHERE name = ?"));
  st.Bind(1, now_ms).Bind(2, sent).Bind(3, received).Bind(4, name);
  return st.Run();
}

Status PeerStore::RecordFailure(const std::string& name, int64_t now_ms,
                                const std::string& reason) {
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st, db_.Prepare("UPDATE peers SET last_failure_ms = ?, failures = failures + 1, "
                                "last_error = ? WHERE name = ?"));
  st.Bind(1, now_ms).Bind(2, reason).Bind(3, name);
  return st.Run();
}

}  // namespace credmesh
