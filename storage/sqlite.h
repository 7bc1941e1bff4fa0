// sqlite.h: RAII wrappers over sqlite3 handles and statements. Errors are
// returned as Status; nothing throws. Not thread-safe: one Database per thread.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/status.h"

namespace credmesh {

class Statement;
class StatementLease;
struct StatementCache;

class Database {
 public:
  struct Options {
    bool create = true;  // create the file if missing
    bool read_only = false;
    int busy_timeout_ms = 5000;
    // A registered SQLite VFS to open through (tests: FaultVfs::name());
    // empty: the default VFS.
    std::string vfs;
  };
  // Opens `path` in WAL mode with foreign keys on, synchronous=NORMAL and a
  // 32 MiB page cache (keeps the record indexes of a large hub in memory).
  // Writable connections checkpoint the WAL into the file when it reaches
  // 64 MiB (16,384 pages) and keep at most 64 MiB of it afterwards.
  static Result<Database> Open(const std::string& path, const Options& options);
  static Result<Database> Open(const std::string& path) { return Open(path, Options()); }

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one or more statements that return no rows.
  Status Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  // Like Prepare, for queries run again and again: the statement is parsed
  // once and kept; the lease hands it back, reset, when it ends. Leases may
  // nest (the same SQL twice at once gets two statements) and must end
  // before the Database does.
  Result<StatementLease> Cached(std::string_view sql);
  int64_t LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }
  sqlite3* handle() const { return db_; }
  // Status describing the last error on this connection, with context.
  Status LastError(std::string_view context) const;

  // Called after each outermost Transaction of this connection commits (not
  // after a savepoint is released into an enclosing one), for work outside
  // the database that must follow the durable commit, such as deleting
  // files a committed record says to delete. Commits the hook itself makes
  // do not call it again. Empty: no hook. Replaces any earlier hook.
  void SetCommitHook(std::function<void()> hook) { commit_hook_ = std::move(hook); }
  // Runs the hook (Transaction::Commit calls it).
  void RunCommitHook();

 private:
  explicit Database(sqlite3* db);
  sqlite3* db_ = nullptr;
  std::unique_ptr<StatementCache> cache_;  // heap-stable: leases point into it
  std::function<void()> commit_hook_;
  bool in_commit_hook_ = false;
};

class Statement {
 public:
  Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& Bind(int index, int64_t v);
  Statement& Bind(int index, std::string_view v);
  Statement& Bind(int index, ByteView v);
  Statement& BindNull(int index);
  // As Bind, without SQLite copying the value. REQUIRES: `v` stays valid
  // until the statement is reset (Run and Reset clear all bindings).
  Statement& BindStatic(int index, std::string_view v);
  Statement& BindStatic(int index, ByteView v);

  // Advances: true if a row is available, false when done.
  Result<bool> Step();
  // Runs to completion, expecting no rows.
  Status Run();
  Status Reset();  // also clears bindings

  int64_t ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string ColumnText(int col) const;
  Bytes ColumnBlob(int col) const;
  bool ColumnIsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  sqlite3_stmt* handle() const { return stmt_; }

 private:
  friend class Database;
  explicit Statement(sqlite3_stmt* s) : stmt_(s) {}
  // `destructor` is SQLITE_TRANSIENT (copy) or SQLITE_STATIC.
  Statement& BindText(int index, std::string_view v, sqlite3_destructor_type destructor);
  Statement& BindBlob(int index, ByteView v, sqlite3_destructor_type destructor);
  sqlite3_stmt* stmt_ = nullptr;
};

// A statement borrowed from Database::Cached.
class StatementLease {
 public:
  StatementLease(StatementLease&& other) noexcept
      : idle_(std::exchange(other.idle_, nullptr)), stmt_(std::move(other.stmt_)) {}
  StatementLease& operator=(StatementLease&&) = delete;
  StatementLease(const StatementLease&) = delete;
  StatementLease& operator=(const StatementLease&) = delete;
  ~StatementLease();
  Statement& operator*() { return *stmt_; }
  Statement* operator->() { return &*stmt_; }

 private:
  friend class Database;
  StatementLease(std::vector<Statement>* idle, Statement stmt);
  std::vector<Statement>* idle_;  // where the statement goes back to
  std::optional<Statement> stmt_;
};

// BEGIN IMMEDIATE on construction; rolls back in the destructor unless
// Commit() succeeded. Inside another transaction it is a SAVEPOINT instead:
// Commit() releases it into the enclosing transaction, and the destructor
// undoes only its own changes. So code that needs atomicity can always
// begin one, and a caller can group several such units into one commit.
class Transaction {
 public:
  static Result<Transaction> Begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_), nested_(other.nested_) {
    other.db_ = nullptr;
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status Commit();

 private:
  Transaction(Database* db, bool nested) : db_(db), nested_(nested) {}
  Database* db_;
  bool nested_;  // a SAVEPOINT inside an enclosing transaction
};

// Runs `sql` with args[i] bound to parameter i + 1 and returns the first
// column of every row as text, in row order.
Result<std::vector<std::string>> QueryTextColumn(Database& db, std::string_view sql,
                                                 const std::vector<std::string>& args = {});

}  // namespace credmesh
