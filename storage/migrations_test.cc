#include "storage/migrations.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "protocol/crypto.h"
#include "tests/temp_dir.h"

namespace credmesh {
namespace {

bool TableExists(Database& db, const std::string& name) {
  auto st = db.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  REQUIRE(st.ok());
  st->Bind(1, name);
  auto row = st->Step();
  REQUIRE(row.ok());
  return *row;
}

int Version(Database& db, const std::string& module) {
  auto v = SchemaVersion(db, module);
  REQUIRE(v.ok());
  return *v;
}

// Plain CREATE TABLE (no IF NOT EXISTS): running a migration twice would fail.
constexpr Migration kV1[] = {{1, "CREATE TABLE widgets(id INTEGER PRIMARY KEY, name TEXT)"}};
constexpr Migration kV2[] = {
    {1, "CREATE TABLE widgets(id INTEGER PRIMARY KEY, name TEXT)"},
    {2, "ALTER TABLE widgets ADD COLUMN color TEXT; CREATE TABLE gadgets(id INTEGER)"},
};

TEST_CASE("storage/migrations: a fresh database is at version 0") {
  TempDir dir("credmesh-migrations-test");
  auto db = Database::Open(dir.File("m.db"));
  REQUIRE(db.ok());
  CHECK(Version(*db, "widgets") == 0);
}

TEST_CASE("storage/migrations: migrations apply once and re-applying is a no-op") {
  TempDir dir("credmesh-migrations-test");
  auto db = Database::Open(dir.File("m.db"));
  REQUIRE(db.ok());
  REQUIRE(ApplyMigrations(*db, "widgets", kV2).ok());
  CHECK(Version(*db, "widgets") == 2);
  CHECK(TableExists(*db, "widgets"));
  CHECK(TableExists(*db, "gadgets"));
  REQUIRE(db->Exec("INSERT INTO widgets(name, color) VALUES('w', 'red')").ok());
  // Idempotent: nothing runs again (the plain CREATE TABLE would fail).
  CHECK(ApplyMigrations(*db, "widgets", kV2).ok());
  CHECK(ApplyMigrations(*db, "widgets", kV2).ok());
  CHECK(Version(*db, "widgets") == 2);
  auto st = db->Prepare("SELECT count(*) FROM widgets");
  REQUIRE(st.ok());
  REQUIRE(*st->Step());
  CHECK(st->ColumnInt(0) == 1);
}

TEST_CASE("storage/migrations: only the newer migrations run on upgrade, across reopen") {
  TempDir dir("credmesh-migrations-test");
  {
    auto db = Database::Open(dir.File("m.db"));
    REQUIRE(db.ok());
    REQUIRE(ApplyMigrations(*db, "widgets", kV1).ok());
    CHECK(Version(*db, "widgets") == 1);
    CHECK_FALSE(TableExists(*db, "gadgets"));
    REQUIRE(db->Exec("INSERT INTO widgets(name) VALUES('kept')").ok());
  }
  auto db = Database::Open(dir.File("m.db"));
  REQUIRE(db.ok());
  REQUIRE(ApplyMigrations(*db, "widgets", kV2).ok());
  CHECK(Version(*db, "widgets") == 2);
  CHECK(TableExists(*db, "gadgets"));
  auto st = db->Prepare("SELECT name, color FROM widgets");
  REQUIRE(st.ok());
  REQUIRE(*st->Step());
  CHECK(st->ColumnText(0) == "kept");
  CHECK(st->ColumnIsNull(1));
}

TEST_CASE("storage/migrations: refuses a database newer than the code") {
  TempDir dir("credmesh-migrations-test");
  auto db = Database::Open(dir.File("m.db"));
  REQUIRE(db.ok());
  REQUIRE(ApplyMigrations(*db, "widgets", kV2).ok());
  Status s = ApplyMigrations(*db, "widgets", kV1);
  CHECK(s.code() == Status::Code::kFailedPrecondition);
  CHECK(s.message().find("newer") != std::string::npos);
  CHECK(s.message().find("widgets") != std::string::npos);
  CHECK(Version(*db, "widgets") == 2);  // untouched
}

TEST_CASE("storage/migrations: a failing migration leaves nothing behind") {
  TempDir dir("credmesh-migrations-test");
  auto db = Database::Open(dir.File("m.db"));
  REQUIRE(db.ok());
  REQUIRE(ApplyMigrations(*db, "widgets", kV1).ok());
  constexpr Migration kBroken[] = {
      {1, "CREATE TABLE widgets(id INTEGER PRIMARY KEY, name TEXT)"},
      {2, "CREATE TABLE gadgets(id INTEGER)"},
      {3, "THIS IS NOT SQL"},
  };
  Status s = ApplyMigrations(*db, "widgets", kBroken);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("migration widgets v3") != std::string::npos);
  // v2 ran in the same transaction and was rolled back with it.
  CHECK(Version(*db, "widgets") == 1);
  CHECK_FALSE(TableExists(*db, "gadgets"));
  CHECK(sqlite3_get_autocommit(db->handle()) != 0);
}

TEST_CASE("storage/migrations: modules are versioned independently") {
  TempDir dir("credmesh-migrations-test");
  auto db = Database::Open(dir.File("m.db"));
  REQUIRE(db.ok());
  constexpr Migration kOther[] = {{1, "CREATE TABLE other(x)"}};
  REQUIRE(ApplyMigrations(*db, "widgets", kV2).ok());
  REQUIRE(ApplyMigrations(*db, "other", kOther).ok());
  CHECK(Version(*db, "widgets") == 2);
  CHECK(Version(*db, "other") == 1);
  CHECK(Version(*db, "nobody") == 0);
  // An empty list applies nothing and records nothing.
  CHECK(ApplyMigrations(*db, "empty", {}).ok());
  CHECK(Version(*db, "empty") == 0);
}

}  // namespace
}  // namespace credmesh
