#include "storage/record_store.h"

#include "storage/migrations.h"

namespace credmesh {
namespace {

constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE records("
     "  id BLOB NOT NULL UNIQUE,"  // BLAKE2b-256 of bytes
     "  scope TEXT NOT NULL,"
     "  kind TEXT NOT NULL,"
     "  entity TEXT NOT NULL,"
     "  hlc INTEGER NOT NULL,"
     "  author BLOB NOT NULL,"
     "  bytes BLOB NOT NULL,"     // canonical encoding, as signed
     "  state INTEGER NOT NULL,"  // RecordState
     "  reason TEXT NOT NULL DEFAULT '',"
     "  received_ms INTEGER NOT NULL);"
     "CREATE INDEX records_by_scope ON records(scope, hlc, id);"
     "CREATE INDEX records_by_entity ON records(entity, hlc, id);"
     "CREATE INDEX records_by_kind ON records(kind, hlc, id);"
     "CREATE INDEX records_by_author ON records(author, hlc);"
     "CREATE INDEX records_not_valid ON records(state) WHERE state != 0;"},
};

// The validity log (RecordStore::Migrate), a module of its own so the
// records table's versions stay apart. 65536 = RecordStore::kStateLogKeep.
constexpr Migration kChangeMigrations[] = {
    {1,
     "CREATE TABLE record_state_log("
     "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
     "  row INTEGER NOT NULL,"  // rowid of the record in records
     "  scope TEXT NOT NULL);"
     "CREATE TRIGGER records_validity_changed AFTER UPDATE OF state ON records"
     "  WHEN (old.state = 0) != (new.state = 0) BEGIN"
     "  INSERT INTO record_state_log(row, scope) VALUES (new.rowid, new.scope);"
     "  DELETE FROM record_state_log WHERE seq <= last_insert_rowid() - 65536;"
     "END;"
     "CREATE TRIGGER records_valid_deleted AFTER DELETE ON records"
     "  WHEN old.state = 0 BEGIN"
     "  INSERT INTO record_state_log(row, scope) VALUES (old.rowid, old.scope);"
     "  DELETE FROM record_state_log WHERE seq <= last_insert_rowid() - 65536;"
     "END;"},
};

constexpr char kColumns[] =
    "id, kind, scope, entity, hlc, author, state, reason, received_ms, length(bytes)";

RecordRow ReadRow(const Statement& st) {
  RecordRow r;
  r.id = *RecordId::FromView(st.ColumnBlob(0));
  r.kind = st.ColumnText(1);
  r.scope = st.ColumnText(2);
  r.entity = st.ColumnText(3);
  r.hlc = static_cast<uint64_t>(st.ColumnInt(4));
  r.author = PublicKey::FromView(st.ColumnBlob(5)).value_or(PublicKey{});
  r.state = static_cast<RecordState>(st.ColumnInt(6));
  r.reason = st.ColumnText(7);
  r.received_ms = st.ColumnInt(8);
  r.size = static_cast<size_t>(st.ColumnInt(9));
  return r;
}

// Builds "WHERE ..." for a query and binds its parameters afterwards.
struct Where {
  std::string sql;
  std::vector<std::function<void(Statement&, int)>> binds;
  void Add(const std::string& clause, std::function<void(Statement&, int)> bind) {
    sql += sql.empty() ? " WHERE " : " AND ";
    sql += clause;
    binds.push_back(std::move(bind));
  }
  void BindAll(Statement& st) const {
    for (size_t i = 0; i < binds.size(); ++i) binds[i](st, static_cast<int>(i + 1));
  }
};

Where BuildWhere(const RecordQuery& q) {
  Where w;
  if (q.kind) w.Add("kind = ?", [v = *q.kind](Statement& s, int i) { s.Bind(i, v); });
  if (q.kind_prefix) {
    w.Add("instr(kind, ?) = 1", [v = *q.kind_prefix](Statement& s, int i) { s.Bind(i, v); });
  }
  if (q.scope) w.Add("scope = ?", [v = *q.scope](Statement& s, int i) { s.Bind(i, v); });
  if (q.entity) w.Add("entity = ?", [v = *q.entity](Statement& s, int i) { s.Bind(i, v); });
  if (q.author) {
    w.Add("author = ?", [v = *q.author](Statement& s, int i) { s.Bind(i, v.view()); });
  }
  if (q.state) {
    w.Add("state = ?",
          [v = *q.state](Statement& s, int i) { s.Bind(i, int64_t{static_cast<int>(v)}); });
  }
  if (q.min_hlc) {
    w.Add("hlc >= ?",
          [v = *q.min_hlc](Statement& s, int i) { s.Bind(i, static_cast<int64_t>(v)); });
  }
  return w;
}

}  // namespace

std::string_view RecordStateName(RecordState s) {
  switch (s) {
    case RecordState::kValid:
      return "valid";
    case RecordState::kPending:
      return "pending";
    case RecordState::kDenied:
      return "denied";
  }
  return "unknown";
}

Status RecordStore::Migrate(Database& db) {
  CREDMESH_RETURN_IF_ERROR(ApplyMigrations(db, "records", kMigrations));
  return ApplyMigrations(db, "record_changes", kChangeMigrations);
}

Result<bool> RecordStore::Insert(const VerifiedRecord& rec, RecordState state,
                                 std::string_view reason, int64_t received_ms) {
  CREDMESH_ASSIGN_OR_RETURN(
      StatementLease st,
      db_.Cached("INSERT INTO records(id, scope, kind, entity, hlc, author, bytes, state, "
                 "reason, received_ms) VALUES(?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO NOTHING"));
  // `rec` and `reason` outlive the statement run below, which clears the
  // bindings, so SQLite need not copy the record's bytes and fields.
  const Record& r = rec.record();
  st->BindStatic(1, rec.id().view())
      .BindStatic(2, r.scope)
      .BindStatic(3, r.kind)
      .BindStatic(4, r.entity)
      .Bind(5, static_cast<int64_t>(r.hlc))
      .BindStatic(6, r.author.view())
      .BindStatic(7, ByteView(rec.bytes()))
      .Bind(8, int64_t{static_cast<int>(state)})
      .BindStatic(9, reason)
      .Bind(10, received_ms);
  CREDMESH_RETURN_IF_ERROR(st->Run());
  return db_.Changes() > 0;
}

Status RecordStore::SetState(const RecordId& id, RecordState state, std::string_view reason) {
  CREDMESH_ASSIGN_OR_RETURN(StatementLease st,
                            db_.Cached("UPDATE records SET state = ?, reason = ? WHERE id = ?"));
  st->Bind(1, int64_t{static_cast<int>(state)}).Bind(2, reason).Bind(3, id.view());
  return st->Run();
}

Status RecordStore::Delete(const RecordId& id) {
  CREDMESH_ASSIGN_OR_RETURN(StatementLease st, db_.Cached("DELETE FROM records WHERE id = ?"));
  st->Bind(1, id.view());
  return st->Run();
}

Result<bool> RecordStore::Contains(const RecordId& id) {
  CREDMESH_ASSIGN_OR_RETURN(StatementLease st, db_.Cached("SELECT 1 FROM records WHERE id = ?"));
  st->Bind(1, id.view());
  return st->Step();
}

Result<std::optional<RecordRow>> RecordStore::GetRow(const RecordId& id) {
  static const std::string kSql = std::string("SELECT ") + kColumns + " FROM records WHERE id = ?";
  CREDMESH_ASSIGN_OR_RETURN(StatementLease st, db_.Cached(kSql));
  st->Bind(1, id.view());
  CREDMESH_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<RecordRow>();
  return std::optional<RecordRow>(ReadRow(*st));
}

Result<std::optional<Bytes>> RecordStore::GetBytes(const RecordId& id) {
  CREDMESH_ASSIGN_OR_RETURN(StatementLease st,
                            db_.Cached("SELECT bytes FROM records WHERE id = ?"));
  st->Bind(1, id.view());
  CREDMESH_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<Bytes>();
  return std::optional<Bytes>(st->ColumnBlob(0));
}

Result<VerifiedRecord> RecordStore::Load(const RecordId& id) {
  CREDMESH_ASSIGN_OR_RETURN(auto bytes, GetBytes(id));
  if (!bytes) return Status::NotFound("record " + id.hex());
  auto v = VerifiedRecord::VerifyWithId(std::move(*bytes), id);
  if (!v.ok()) return v.status().WithContext("stored record " + id.hex());
  return v;
}

Result<std::vector<RecordId>> RecordStore::FindByIdPrefix(const std::string& hex_prefix,
                                                          size_t limit) {
  std::string p = hex_prefix;
  for (char& c : p) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (p.empty() || p.size() > 64 || p.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Status::InvalidArgument("record id must be 1..64 hex digits: \"" + hex_prefix + "\"");
  }
  // Compare on the stored blob's hex; ids are short so this stays cheap.
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st,
      db_.Prepare("SELECT id FROM records WHERE substr(lower(hex(id)), 1, ?) = ? LIMIT ?"));
  st.Bind(1, static_cast<int64_t>(p.size())).Bind(2, p).Bind(3, static_cast<int64_t>(limit));
  std::vector<RecordId> out;
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(*RecordId::FromView(st.ColumnBlob(0)));
  }
  return out;
}

Status RecordStore::ForEach(const RecordQuery& q,
                            const std::function<Status(const RecordRow&, ByteView)>& fn) {
  Where w = BuildWhere(q);
  std::string sql = std::string("SELECT ") + kColumns + ", bytes FROM records" + w.sql +
                    (q.newest_first ? " ORDER BY hlc DESC, id DESC" : " ORDER BY hlc, id");
  if (q.limit) sql += " LIMIT " + std::to_string(q.limit);
  CREDMESH_ASSIGN_OR_RETURN(Statement st, db_.Prepare(sql));
  w.BindAll(st);
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return Status::Ok();
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(st.handle(), 10));
    size_t n = static_cast<size_t>(sqlite3_column_bytes(st.handle(), 10));
    CREDMESH_RETURN_IF_ERROR(fn(ReadRow(st), ByteView(p, n)));
  }
}

Result<std::vector<RecordRow>> RecordStore::List(const RecordQuery& q) {
  std::vector<RecordRow> out;
  CREDMESH_RETURN_IF_ERROR(ForEach(q, [&](const RecordRow& r, ByteView) {
    out.push_back(r);
    return Status::Ok();
  }));
  return out;
}

Result<int64_t> RecordStore::Count(const RecordQuery& q) {
  Where w = BuildWhere(q);
  CREDMESH_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT count(*) FROM records" + w.sql));
  w.BindAll(st);
  CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.ColumnInt(0) : 0;
}

Result<uint64_t> RecordStore::MaxHlc() {
  CREDMESH_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT coalesce(max(hlc), 0) FROM records"));
  CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? static_cast<uint64_t>(st.ColumnInt(0)) : 0;
}

}  // namespace credmesh
