#include "storage/sqlite.h"

#include <functional>
#include <unordered_map>

namespace credmesh {

// Idle prepared statements by SQL text.
struct StatementCache {
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  static constexpr size_t kMaxIdlePerSql = 4;
  std::unordered_map<std::string, std::vector<Statement>, Hash, std::equal_to<>> idle;
};

Database::Database(sqlite3* db) : db_(db), cache_(std::make_unique<StatementCache>()) {}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      cache_(std::move(other.cache_)),
      commit_hook_(std::move(other.commit_hook_)) {}

Result<Database> Database::Open(const std::string& path, const Options& options) {
  int flags = options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (options.create && !options.read_only) flags |= SQLITE_OPEN_CREATE;
  flags |= SQLITE_OPEN_NOMUTEX;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags,
                           options.vfs.empty() ? nullptr : options.vfs.c_str());
  Database db(raw);  // owns raw even on failure
  if (rc != SQLITE_OK) {
    return Status::IoError("cannot open database " + path + ": " +
                           (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  if (!options.read_only) {
    // Checkpoint once the WAL holds 64 MiB rather than SQLite's 4 MiB: a
    // 10,000-record batch into a store of a million records dirties several
    // thousand pages, most of them in the random-order id index, so the
    // default copied them back (and synced the file) after every batch;
    // waiting lets pages rewritten by consecutive batches be copied once.
    // The file is cut back to 64 MiB when a checkpoint resets it.
    CREDMESH_RETURN_IF_ERROR(
        db.Exec("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=16384; "
                "PRAGMA journal_size_limit=67108864"));
  }
  CREDMESH_RETURN_IF_ERROR(
      db.Exec("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768"));
  return db;
}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    cache_.reset();  // finalize before closing
    if (db_) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    cache_ = std::move(other.cache_);
    commit_hook_ = std::move(other.commit_hook_);
  }
  return *this;
}

Database::~Database() {
  cache_.reset();
  if (db_) sqlite3_close_v2(db_);
}

// The one place SQLite result codes become Status codes.
static Status StatusFromSqlite(int code, std::string msg) {
  switch (code & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(std::move(msg));
    case SQLITE_FULL:
      // An I/O failure like any other (a peer must not read it as a record
      // over a limit), named so an operator knows what to free.
      return Status::IoError("disk full: " + msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(std::move(msg));
    case SQLITE_CONSTRAINT:
      return Status::FailedPrecondition(std::move(msg));
    default:
      return Status::IoError(std::move(msg));
  }
}

Status Database::LastError(std::string_view context) const {
  return StatusFromSqlite(sqlite3_extended_errcode(db_),
                          std::string(context) + ": " + sqlite3_errmsg(db_));
}

Status Database::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    sqlite3_free(err);
    return LastError("sql");
  }
  return Status::Ok();
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return LastError("prepare \"" + std::string(sql.substr(0, 60)) + "\"");
  }
  return Statement(stmt);
}

Result<StatementLease> Database::Cached(std::string_view sql) {
  auto it = cache_->idle.find(sql);
  if (it == cache_->idle.end())
    it = cache_->idle.emplace(std::string(sql), std::vector<Statement>()).first;
  std::vector<Statement>& idle = it->second;
  if (!idle.empty()) {
    Statement st = std::move(idle.back());
    idle.pop_back();
    return StatementLease(&idle, std::move(st));
  }
  CREDMESH_ASSIGN_OR_RETURN(Statement st, Prepare(sql));
  return StatementLease(&idle, std::move(st));
}

StatementLease::StatementLease(std::vector<Statement>* idle, Statement stmt)
    : idle_(idle), stmt_(std::move(stmt)) {}

StatementLease::~StatementLease() {
  if (!idle_ || !stmt_) return;
  (void)stmt_->Reset();  // an error here was already reported by Step
  if (idle_->size() < StatementCache::kMaxIdlePerSql) idle_->push_back(std::move(*stmt_));
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_) sqlite3_finalize(stmt_);
    stmt_ = other.stmt_;
    other.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::Bind(int index, int64_t v) {
  sqlite3_bind_int64(stmt_, index, v);
  return *this;
}

Statement& Statement::BindText(int index, std::string_view v, sqlite3_destructor_type destructor) {
  // A default string_view has no data pointer; it must still bind as '', not NULL.
  sqlite3_bind_text(stmt_, index, v.data() ? v.data() : "", static_cast<int>(v.size()), destructor);
  return *this;
}

Statement& Statement::BindBlob(int index, ByteView v, sqlite3_destructor_type destructor) {
  // A zero-length blob must still bind as a blob, not NULL.
  static const uint8_t kEmpty = 0;
  sqlite3_bind_blob(stmt_, index, v.empty() ? &kEmpty : v.data(), static_cast<int>(v.size()),
                    destructor);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view v) {
  return BindText(index, v, SQLITE_TRANSIENT);
}

Statement& Statement::Bind(int index, ByteView v) { return BindBlob(index, v, SQLITE_TRANSIENT); }

Statement& Statement::BindStatic(int index, std::string_view v) {
  return BindText(index, v, SQLITE_STATIC);
}

Statement& Statement::BindStatic(int index, ByteView v) {
  return BindBlob(index, v, SQLITE_STATIC);
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return StatusFromSqlite(rc, std::string("step: ") + sqlite3_errmsg(sqlite3_db_handle(stmt_)));
}

Status Statement::Run() {
  auto r = Step();
  (void)Reset();  // on failure too: no binding may outlive the run (BindStatic)
  return r.ok() ? Status::Ok() : r.status();
}

Status Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return Status::Ok();
}

std::string Statement::ColumnText(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
}

Bytes Statement::ColumnBlob(int col) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? Bytes(p, p + n) : Bytes();
}

Result<Transaction> Transaction::Begin(Database& db) {
  if (sqlite3_get_autocommit(db.handle()) == 0) {
    CREDMESH_RETURN_IF_ERROR(db.Exec("SAVEPOINT credmesh_unit"));
    return Transaction(&db, true);
  }
  CREDMESH_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  return Transaction(&db, false);
}

Transaction::~Transaction() {
  if (!db_) return;
  // Releasing the savepoint after rolling back to it leaves the enclosing
  // transaction as it was before Begin.
  (void)db_->Exec(nested_ ? "ROLLBACK TO credmesh_unit; RELEASE credmesh_unit" : "ROLLBACK");
}

Status Transaction::Commit() {
  Status s = db_->Exec(nested_ ? "RELEASE credmesh_unit" : "COMMIT");
  if (!s.ok()) return s;
  Database* db = std::exchange(db_, nullptr);
  if (!nested_) db->RunCommitHook();
  return s;
}

void Database::RunCommitHook() {
  if (!commit_hook_ || in_commit_hook_) return;
  in_commit_hook_ = true;
  commit_hook_();
  in_commit_hook_ = false;
}

Result<std::vector<std::string>> QueryTextColumn(Database& db, std::string_view sql,
                                                 const std::vector<std::string>& args) {
  CREDMESH_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
  for (size_t i = 0; i < args.size(); ++i) st.Bind(static_cast<int>(i + 1), args[i]);
  std::vector<std::string> out;
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return out;
    out.push_back(st.ColumnText(0));
  }
}

}  // namespace credmesh
