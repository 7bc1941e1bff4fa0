#include "storage/fault_vfs.h"

#include <doctest/doctest.h>

#include "storage/sqlite.h"
#include "storage/store.h"
#include "tests/temp_dir.h"

namespace credmesh {
namespace {

using Op = FaultVfs::Op;
using Fault = FaultVfs::Fault;

std::unique_ptr<FaultVfs> InstallVfs(bool make_default = false) {
  auto v = FaultVfs::Install("credmesh-fault-test", make_default);
  REQUIRE(v.ok());
  return std::move(*v);
}

Database OpenVia(const FaultVfs& vfs, const std::string& path) {
  Database::Options o;
  o.vfs = vfs.name();
  auto db = Database::Open(path, o);
  REQUIRE(db.ok());
  return std::move(*db);
}

int64_t Count(Database& db) {
  auto st = db.Prepare("SELECT count(*) FROM t");
  REQUIRE(st.ok());
  REQUIRE(*st->Step());
  return st->ColumnInt(0);
}

// Inserts `rows` rows of 1 KiB in one transaction: enough pages that the
// commit writes several WAL frames.
Status InsertBatch(Database& db, int first, int rows) {
  CREDMESH_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
  CREDMESH_ASSIGN_OR_RETURN(Statement st, db.Prepare("INSERT INTO t VALUES(?, zeroblob(1024))"));
  for (int i = 0; i < rows; ++i) {
    st.Bind(1, int64_t{first + i});
    CREDMESH_RETURN_IF_ERROR(st.Run());
  }
  return tx.Commit();
}

TEST_CASE("fault vfs: passes everything through until armed, and counts the calls") {
  TempDir dir("credmesh-fault-vfs");
  auto vfs = InstallVfs();
  Database db = OpenVia(*vfs, dir.File("a.db"));
  REQUIRE(db.Exec("CREATE TABLE t(n INTEGER PRIMARY KEY, b BLOB)").ok());
  vfs->Disarm();
  REQUIRE(InsertBatch(db, 0, 20).ok());
  CHECK(vfs->Calls(Op::kWrite) > 0);  // the WAL frames of the commit
  CHECK(vfs->Failures() == 0);
  CHECK(Count(db) == 20);
}

TEST_CASE("fault vfs: a failed write is a kIoError and the transaction leaves nothing") {
  TempDir dir("credmesh-fault-vfs");
  auto vfs = InstallVfs();
  Database db = OpenVia(*vfs, dir.File("a.db"));
  REQUIRE(db.Exec("CREATE TABLE t(n INTEGER PRIMARY KEY, b BLOB)").ok());
  REQUIRE(InsertBatch(db, 0, 10).ok());

  vfs->Arm({Op::kWrite, 1, Fault::kIoError, false});
  Status s = InsertBatch(db, 100, 50);
  CHECK(vfs->Failures() == 1);
  CHECK(s.code() == Status::Code::kIoError);
  CHECK(s.message().find("disk I/O error") != std::string::npos);
  CHECK(Count(db) == 10);
  CHECK(sqlite3_get_autocommit(db.handle()) != 0);  // nothing left open

  // The connection stays usable: the same batch goes in once the fault is gone.
  vfs->Disarm();
  REQUIRE(InsertBatch(db, 100, 50).ok());
  CHECK(Count(db) == 60);
}

TEST_CASE("fault vfs: disk full says so, as an I/O error") {
  TempDir dir("credmesh-fault-vfs");
  auto vfs = InstallVfs();
  Database db = OpenVia(*vfs, dir.File("a.db"));
  REQUIRE(db.Exec("CREATE TABLE t(n INTEGER PRIMARY KEY, b BLOB)").ok());
  // A disk that stays full: every write from the second on fails.
  vfs->Arm({Op::kWrite, 2, Fault::kDiskFull, true});
  Status s = InsertBatch(db, 0, 50);
  CHECK(s.code() == Status::Code::kIoError);
  CHECK(s.message().find("disk full") != std::string::npos);
  CHECK(vfs->Failures() >= 1);
  Status again = InsertBatch(db, 0, 50);
  CHECK(again.code() == Status::Code::kIoError);
  CHECK(Count(db) == 0);
  vfs->Disarm();
  CHECK(InsertBatch(db, 0, 50).ok());
  CHECK(Count(db) == 50);
}

TEST_CASE("fault vfs: a failed fsync fails the commit with synchronous=FULL") {
  TempDir dir("credmesh-fault-vfs");
  auto vfs = InstallVfs();
  Database db = OpenVia(*vfs, dir.File("a.db"));
  REQUIRE(db.Exec("CREATE TABLE t(n INTEGER PRIMARY KEY, b BLOB); PRAGMA synchronous=FULL").ok());
  vfs->Arm({Op::kSync, 1, Fault::kIoError, false});
  Status s = InsertBatch(db, 0, 5);
  CHECK(vfs->Failures() == 1);
  CHECK(s.code() == Status::Code::kIoError);
  vfs->Disarm();
  // What the failed commit wrote before its sync is not committed: a fresh
  // connection (as after a restart) sees a consistent store of either 0 or
  // 5 rows, and the integrity check passes.
  db = OpenVia(*vfs, dir.File("a.db"));
  const int64_t n = Count(db);
  CHECK((n == 0 || n == 5));
  auto st = db.Prepare("PRAGMA integrity_check");
  REQUIRE(st.ok());
  REQUIRE(*st->Step());
  CHECK(st->ColumnText(0) == "ok");
}

TEST_CASE("fault vfs: failing the nth write, for every n, leaves all or none of a batch") {
  TempDir dir("credmesh-fault-vfs");
  auto vfs = InstallVfs();
  const std::string path = dir.File("a.db");
  {
    Database db = OpenVia(*vfs, path);
    REQUIRE(db.Exec("CREATE TABLE t(n INTEGER PRIMARY KEY, b BLOB)").ok());
    REQUIRE(InsertBatch(db, 0, 30).ok());
  }
  int64_t held = 30;
  int failures = 0;
  for (int64_t nth = 1; nth < 1000; ++nth) {
    Database db = OpenVia(*vfs, path);
    vfs->Arm({Op::kWrite, nth, Fault::kIoError, false});
    Status s = InsertBatch(db, static_cast<int>(held), 40);
    const bool failed = vfs->Failures() > 0;
    vfs->Disarm();
    const int64_t n = Count(db);
    if (!failed) {
      REQUIRE(s.ok());
      CHECK(n == held + 40);
      break;
    }
    ++failures;
    CHECK(s.code() == Status::Code::kIoError);
    CHECK((n == held || n == held + 40));
    held = n;
  }
  CHECK(failures >= 2);  // the loop ran through several failing writes
  Database db = OpenVia(*vfs, path);
  CHECK(Count(db) == held + 40);
}

TEST_CASE("fault vfs: installed as the default it serves connections that name no VFS") {
  TempDir dir("credmesh-fault-vfs");
  auto vfs = InstallVfs(/*make_default=*/true);
  {
    auto store = Store::Open(dir.File("s.db"));
    REQUIRE(store.ok());
    vfs->Arm({Op::kWrite, 1, Fault::kIoError, true});
    Status s = (*store)->db().Exec("CREATE TABLE t(n INTEGER)");
    CHECK(s.code() == Status::Code::kIoError);
    vfs->Disarm();
  }
  vfs.reset();
  // Unregistered: the previous default serves again.
  CHECK(sqlite3_vfs_find(nullptr) != nullptr);
  CHECK(sqlite3_vfs_find("credmesh-fault-test") == nullptr);
  auto db = Database::Open(dir.File("s.db"));
  CHECK(db.ok());
}

TEST_CASE("fault vfs: a second VFS of the same name is refused") {
  auto vfs = InstallVfs();
  auto again = FaultVfs::Install(vfs->name());
  CHECK(again.status().code() == Status::Code::kAlreadyExists);
}

}  // namespace
}  // namespace credmesh
