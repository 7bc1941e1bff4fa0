// migrations.h: per-module schema versions. Each module that owns tables
// lists its migrations in order; ApplyMigrations runs the ones not yet applied
// in one transaction and records the module's new version.
#pragma once

#include <span>
#include <string>

#include "protocol/status.h"
#include "storage/sqlite.h"

namespace credmesh {

struct Migration {
  int version;      // 1, 2, 3... in order
  const char* sql;  // one or more statements
};

// Applies `migrations` of `module` that are newer than its recorded version.
// Fails with FailedPrecondition if the database is newer than this code
// (it was written by a later credmesh).
Status ApplyMigrations(Database& db, const std::string& module,
                       std::span<const Migration> migrations);

// The version recorded for `module`, 0 if none.
Result<int> SchemaVersion(Database& db, const std::string& module);

}  // namespace credmesh
