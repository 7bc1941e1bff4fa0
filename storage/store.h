// store.h: a node's database: one SQLite file holding the records table and
// the tables of every module built on it. Start here for storage.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "storage/record_store.h"
#include "storage/sqlite.h"

namespace credmesh {

class Store {
 public:
  struct Options {
    bool create = true;
    bool read_only = false;
    std::string vfs;  // as Database::Options::vfs
  };
  // Opens (creating if allowed) the database at `path` and migrates the
  // records schema. Other modules migrate their own tables on first use.
  static Result<std::unique_ptr<Store>> Open(const std::string& path, const Options& options);
  static Result<std::unique_ptr<Store>> Open(const std::string& path) { return Open(path, {}); }

  Database& db() { return db_; }
  RecordStore& records() { return records_; }

  // Runs SQLite's integrity check; returns the problems found (empty if none).
  Result<std::vector<std::string>> CheckIntegrity();

 private:
  explicit Store(Database db) : db_(std::move(db)), records_(db_) {}
  Database db_;
  RecordStore records_;
};

}  // namespace credmesh
