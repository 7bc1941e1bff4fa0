#include "storage/sqlite.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "protocol/crypto.h"
#include "tests/temp_dir.h"

namespace credmesh {
namespace {

namespace fs = std::filesystem;

// A fresh directory under the system temp dir, removed on destruction.
int OpenStatements(const Database& db) {
  int n = 0;
  for (sqlite3_stmt* s = sqlite3_next_stmt(db.handle(), nullptr); s;
       s = sqlite3_next_stmt(db.handle(), s)) {
    ++n;
  }
  return n;
}

int64_t CountRows(Database& db, const std::string& table) {
  auto st = db.Prepare("SELECT count(*) FROM " + table);
  REQUIRE(st.ok());
  auto row = st->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return st->ColumnInt(0);
}

TEST_CASE("storage/sqlite: Open creates the file in WAL mode") {
  TempDir dir("credmesh-sqlite-test");
  auto db = Database::Open(dir.File("a.db"));
  REQUIRE(db.ok());
  CHECK(fs::exists(dir.File("a.db")));
  auto st = db->Prepare("PRAGMA journal_mode");
  REQUIRE(st.ok());
  auto row = st->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  CHECK(st->ColumnText(0) == "wal");
  // Checkpoints wait for 64 MiB of WAL; the file is kept to 64 MiB after one.
  auto ckpt = db->Prepare("PRAGMA wal_autocheckpoint");
  REQUIRE(ckpt.ok());
  REQUIRE(*ckpt->Step());
  CHECK(ckpt->ColumnInt(0) == 16384);
  auto limit = db->Prepare("PRAGMA journal_size_limit");
  REQUIRE(limit.ok());
  REQUIRE(*limit->Step());
  CHECK(limit->ColumnInt(0) == 64 * 1024 * 1024);
}

TEST_CASE("storage/sqlite: Open without create fails on a missing file") {
  TempDir dir("credmesh-sqlite-test");
  Database::Options o;
  o.create = false;
  auto db = Database::Open(dir.File("missing.db"), o);
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().code() == Status::Code::kIoError);
  CHECK(db.status().message().find("missing.db") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.File("missing.db")));
}

TEST_CASE("storage/sqlite: a statement is finalized when it goes out of scope") {
  TempDir dir("credmesh-sqlite-test");
  auto db = Database::Open(dir.File("a.db"));
  REQUIRE(db.ok());
  CHECK(OpenStatements(*db) == 0);
  {
    auto st = db->Prepare("SELECT 1");
    REQUIRE(st.ok());
    CHECK(OpenStatements(*db) == 1);
    // Moving transfers ownership: still exactly one live statement.
    Statement moved = std::move(*st);
    CHECK(moved.handle() != nullptr);
    CHECK(st->handle() == nullptr);
    CHECK(OpenStatements(*db) == 1);
    // Move-assigning over a live statement finalizes the old one.
    auto other = db->Prepare("SELECT 2");
    REQUIRE(other.ok());
    CHECK(OpenStatements(*db) == 2);
    moved = std::move(*other);
    CHECK(OpenStatements(*db) == 1);
    auto row = moved.Step();
    REQUIRE(row.ok());
    REQUIRE(*row);
    CHECK(moved.ColumnInt(0) == 2);
  }
  CHECK(OpenStatements(*db) == 0);
}

TEST_CASE("storage/sqlite: Exec and Prepare report errors as values") {
  TempDir dir("credmesh-sqlite-test");
  auto db = Database::Open(dir.File("a.db"));
  REQUIRE(db.ok());
  Status s = db->Exec("CREATE TABLEX nonsense");
  CHECK_FALSE(s.ok());
  CHECK(s.code() == Status::Code::kIoError);
  auto st = db->Prepare("SELECT * FROM no_such_table");
  REQUIRE_FALSE(st.ok());
  CHECK(st.status().message().find("no_such_table") != std::string::npos);
}

TEST_CASE("storage/sqlite: QueryTextColumn binds its arguments in order and returns the rows") {
  TempDir dir("credmesh-sqlite-test");
  auto db = Database::Open(dir.File("a.db"));
  REQUIRE(db.ok());
  REQUIRE(db->Exec("CREATE TABLE t(k TEXT, g TEXT, n INTEGER);"
                   "INSERT INTO t VALUES('b', 'x', 2), ('a', 'x', 1), ('c', 'y', 3)")
              .ok());
  auto all = QueryTextColumn(*db, "SELECT k FROM t ORDER BY n");
  REQUIRE(all.ok());
  CHECK(*all == std::vector<std::string>{"a", "b", "c"});
  auto some = QueryTextColumn(*db, "SELECT k FROM t WHERE g = ? AND k <> ? ORDER BY k", {"x", "a"});
  REQUIRE(some.ok());
  CHECK(*some == std::vector<std::string>{"b"});
  auto none = QueryTextColumn(*db, "SELECT k FROM t WHERE g = ?", {"z"});
  REQUIRE(none.ok());
  CHECK(none->empty());
  CHECK(!QueryTextColumn(*db, "SELECT k FROM missing_table").ok());
}

TEST_CASE("storage/sqlite: binding, stepping and constraint errors") {
  TempDir dir("credmesh-sqlite-test");
  auto db = Database::Open(dir.File("a.db"));
  REQUIRE(db.ok());
  REQUIRE(db->Exec("CREATE TABLE t(k TEXT PRIMARY KEY, n INTEGER, b BLOB)").ok());
  auto ins = db->Prepare("INSERT INTO t(k, n, b) VALUES(?, ?, ?)");
  REQUIRE(ins.ok());
  const Bytes blob = {0, 1, 2, 255};
  CHECK(
      ins->Bind(1, std::string_view("a")).Bind(2, int64_t{-7}).Bind(3, ByteView(blob)).Run().ok());
  CHECK(db->Changes() == 1);
  // Run resets and clears bindings: the statement is reusable.
  CHECK(ins->Bind(1, std::string_view("empty")).Bind(2, int64_t{0}).Bind(3, ByteView()).Run().ok());
  CHECK(ins->Bind(1, std::string_view("null")).BindNull(2).BindNull(3).Run().ok());
  // A duplicate key is a constraint violation, reported as FailedPrecondition.
  Status dup = ins->Bind(1, std::string_view("a")).Bind(2, int64_t{1}).Run();
  CHECK(dup.code() == Status::Code::kFailedPrecondition);
  // ...and the statement still works afterwards.
  CHECK(ins->Bind(1, std::string_view("b")).Bind(2, int64_t{1}).Run().ok());
  CHECK(CountRows(*db, "t") == 4);

  auto sel = db->Prepare("SELECT n, b, typeof(b) FROM t WHERE k = ?");
  REQUIRE(sel.ok());
  sel->Bind(1, std::string_view("a"));
  auto row = sel->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  CHECK(sel->ColumnInt(0) == -7);
  CHECK(sel->ColumnBlob(1) == blob);
  auto done = sel->Step();
  REQUIRE(done.ok());
  CHECK_FALSE(*done);
  CHECK(sel->Reset().ok());

  // A zero-length blob binds as a blob, not as NULL.
  sel->Bind(1, std::string_view("empty"));
  row = sel->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  CHECK(sel->ColumnText(2) == "blob");
  CHECK(sel->ColumnBlob(1).empty());
  CHECK(sel->Reset().ok());

  sel->Bind(1, std::string_view("null"));
  row = sel->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  CHECK(sel->ColumnIsNull(0));
  CHECK(sel->ColumnIsNull(1));
}

TEST_CASE("storage/sqlite: BindStatic binds without copying, Run clears it even on failure") {
  TempDir dir("credmesh-sqlite-test");
  auto db = Database::Open(dir.File("a.db"));
  REQUIRE(db.ok());
  REQUIRE(db->Exec("CREATE TABLE t(k TEXT PRIMARY KEY, b BLOB NOT NULL)").ok());
  auto ins = db->Prepare("INSERT INTO t(k, b) VALUES(?, ?)");
  REQUIRE(ins.ok());
  {
    const std::string key = "a";
    const Bytes blob = {7, 0, 9};
    CHECK(ins->BindStatic(1, key).BindStatic(2, ByteView(blob)).Run().ok());
    // A zero-length blob binds as a blob, not as NULL (b is NOT NULL).
    CHECK(ins->BindStatic(1, std::string_view("empty")).BindStatic(2, ByteView()).Run().ok());
    // A failing run (duplicate key) must not leave the bindings in place.
    CHECK_FALSE(ins->BindStatic(1, key).BindStatic(2, ByteView(blob)).Run().ok());
  }
  // The buffers above are gone; the statement no longer points at them.
  char* expanded = sqlite3_expanded_sql(ins->handle());
  REQUIRE(expanded != nullptr);
  CHECK(std::string(expanded) == "INSERT INTO t(k, b) VALUES(NULL, NULL)");
  sqlite3_free(expanded);
  auto sel = db->Prepare("SELECT b FROM t WHERE k = 'a'");
  REQUIRE(sel.ok());
  REQUIRE(*sel->Step());
  CHECK(sel->ColumnBlob(0) == Bytes{7, 0, 9});
  CHECK(CountRows(*db, "t") == 2);
}

TEST_CASE("storage/sqlite: a default (null-pointer) string_view binds as '' either way") {
  TempDir dir("credmesh-sqlite-test");
  auto db = Database::Open(dir.File("a.db"));
  REQUIRE(db.ok());
  REQUIRE(db->Exec("CREATE TABLE t(k TEXT NOT NULL, v TEXT NOT NULL)").ok());
  auto ins = db->Prepare("INSERT INTO t(k, v) VALUES(?, ?)");
  REQUIRE(ins.ok());
  CHECK(ins->Bind(1, std::string_view("copy")).Bind(2, std::string_view()).Run().ok());
  CHECK(ins->Bind(1, std::string_view("static")).BindStatic(2, std::string_view()).Run().ok());
  auto sel = db->Prepare("SELECT count(*) FROM t WHERE v = '' AND typeof(v) = 'text'");
  REQUIRE(sel.ok());
  REQUIRE(*sel->Step());
  CHECK(sel->ColumnInt(0) == 2);
}

TEST_CASE("storage/sqlite: a transaction rolls back when it leaves scope uncommitted") {
  TempDir dir("credmesh-sqlite-test");
  auto db = Database::Open(dir.File("a.db"));
  REQUIRE(db.ok());
  REQUIRE(db->Exec("CREATE TABLE t(n INTEGER)").ok());
  {
    auto tx = Transaction::Begin(*db);
    REQUIRE(tx.ok());
    REQUIRE(db->Exec("INSERT INTO t VALUES(1), (2), (3)").ok());
    CHECK(CountRows(*db, "t") == 3);
  }
  CHECK(CountRows(*db, "t") == 0);
  CHECK(sqlite3_get_autocommit(db->handle()) != 0);  // no transaction left open
}

TEST_CASE("storage/sqlite: a committed transaction persists across reopen") {
  TempDir dir("credmesh-sqlite-test");
  {
    auto db = Database::Open(dir.File("a.db"));
    REQUIRE(db.ok());
    REQUIRE(db->Exec("CREATE TABLE t(n INTEGER)").ok());
    auto tx = Transaction::Begin(*db);
    REQUIRE(tx.ok());
    REQUIRE(db->Exec("INSERT INTO t VALUES(1), (2)").ok());
    CHECK(tx->Commit().ok());
    // Destroying a committed transaction does not roll anything back.
  }
  auto db = Database::Open(dir.File("a.db"));
  REQUIRE(db.ok());
  CHECK(CountRows(*db, "t") == 2);
}

TEST_CASE("storage/sqlite: a moved transaction rolls back exactly once") {
  TempDir dir("credmesh-sqlite-test");
  auto db = Database::Open(dir.File("a.db"));
  REQUIRE(db.ok());
  REQUIRE(db->Exec("CREATE TABLE t(n INTEGER)").ok());
  {
    auto tx = Transaction::Begin(*db);
    REQUIRE(tx.ok());
    Transaction moved = std::move(*tx);
    REQUIRE(db->Exec("INSERT INTO t VALUES(1)").ok());
  }
  CHECK(CountRows(*db, "t") == 0);
  // Nothing is left open, so a new transaction can begin and commit.
  auto tx = Transaction::Begin(*db);
  REQUIRE(tx.ok());
  REQUIRE(db->Exec("INSERT INTO t VALUES(5)").ok());
  REQUIRE(tx->Commit().ok());
  CHECK(CountRows(*db, "t") == 1);
}

TEST_CASE("storage/sqlite: a second writer is refused while a transaction is open") {
  TempDir dir("credmesh-sqlite-test");
  auto a = Database::Open(dir.File("a.db"));
  REQUIRE(a.ok());
  REQUIRE(a->Exec("CREATE TABLE t(n INTEGER)").ok());
  Database::Options o;
  o.busy_timeout_ms = 0;
  auto b = Database::Open(dir.File("a.db"), o);
  REQUIRE(b.ok());
  auto tx = Transaction::Begin(*a);
  REQUIRE(tx.ok());
  auto tx2 = Transaction::Begin(*b);
  REQUIRE_FALSE(tx2.ok());
  CHECK(tx2.status().code() == Status::Code::kUnavailable);
}

TEST_CASE("storage/sqlite: a transaction inside another is a savepoint of it") {
  TempDir dir("credmesh-sqlite-test");
  {
    auto db = Database::Open(dir.File("a.db"));
    REQUIRE(db.ok());
    REQUIRE(db->Exec("CREATE TABLE t(n INTEGER)").ok());
    auto outer = Transaction::Begin(*db);
    REQUIRE(outer.ok());
    REQUIRE(db->Exec("INSERT INTO t VALUES(1)").ok());
    {
      // Left uncommitted: undoes its own insert only, not the outer one's.
      auto inner = Transaction::Begin(*db);
      REQUIRE(inner.ok());
      REQUIRE(db->Exec("INSERT INTO t VALUES(2)").ok());
      auto innermost = Transaction::Begin(*db);
      REQUIRE(innermost.ok());
      REQUIRE(db->Exec("INSERT INTO t VALUES(3)").ok());
      REQUIRE(innermost->Commit().ok());
      CHECK(CountRows(*db, "t") == 3);
    }
    CHECK(CountRows(*db, "t") == 1);
    {
      auto inner = Transaction::Begin(*db);
      REQUIRE(inner.ok());
      REQUIRE(db->Exec("INSERT INTO t VALUES(4)").ok());
      REQUIRE(inner->Commit().ok());
    }
    // Committing the inner one did not end the outer transaction.
    CHECK(sqlite3_get_autocommit(db->handle()) == 0);
    REQUIRE(outer->Commit().ok());
    CHECK(sqlite3_get_autocommit(db->handle()) != 0);
    // An outer rollback takes committed inner units with it.
    auto again = Transaction::Begin(*db);
    REQUIRE(again.ok());
    {
      auto inner = Transaction::Begin(*db);
      REQUIRE(inner.ok());
      REQUIRE(db->Exec("INSERT INTO t VALUES(5)").ok());
      REQUIRE(inner->Commit().ok());
    }
  }
  auto db = Database::Open(dir.File("a.db"));
  REQUIRE(db.ok());
  auto st = db->Prepare("SELECT group_concat(n) FROM (SELECT n FROM t ORDER BY n)");
  REQUIRE(st.ok());
  REQUIRE(*st->Step());
  CHECK(st->ColumnText(0) == "1,4");
}

TEST_CASE("storage/sqlite: the commit hook runs after each outermost commit only") {
  TempDir dir("credmesh-sqlite-test");
  auto db = Database::Open(dir.File("a.db"));
  REQUIRE(db.ok());
  REQUIRE(db->Exec("CREATE TABLE t(n INTEGER)").ok());
  int calls = 0;
  int64_t rows_seen = -1;
  db->SetCommitHook([&] {
    ++calls;
    // The commit is done: the hook sees it and may write (its own commit
    // does not call it again).
    rows_seen = CountRows(*db, "t");
    auto tx = Transaction::Begin(*db);
    REQUIRE(tx.ok());
    REQUIRE(tx->Commit().ok());
  });
  {
    auto outer = Transaction::Begin(*db);
    REQUIRE(outer.ok());
    REQUIRE(db->Exec("INSERT INTO t VALUES(1)").ok());
    auto inner = Transaction::Begin(*db);
    REQUIRE(inner.ok());
    REQUIRE(inner->Commit().ok());
    CHECK(calls == 0);  // a released savepoint is not a commit
    REQUIRE(outer->Commit().ok());
  }
  CHECK(calls == 1);
  CHECK(rows_seen == 1);
  {
    auto rolled_back = Transaction::Begin(*db);
    REQUIRE(rolled_back.ok());
  }
  CHECK(calls == 1);
  db->SetCommitHook({});
  auto tx = Transaction::Begin(*db);
  REQUIRE(tx.ok());
  REQUIRE(tx->Commit().ok());
  CHECK(calls == 1);
}

}  // namespace
}  // namespace credmesh
