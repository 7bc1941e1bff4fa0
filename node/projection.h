// projection.h: the interface of derived state kept in SQLite tables
// (catalog, submissions...), which the ledger updates inside each ingest.
#pragma once

#include <string>
#include <vector>

#include "protocol/record.h"
#include "protocol/status.h"
#include "storage/store.h"

namespace credmesh {

// A record that became valid or stopped being valid, with what projections
// route on, so they need not read it back.
struct ChangedRecord {
  RecordId id;
  std::string kind;
  std::string entity;
};

// Derived state kept in SQLite tables (catalog, submissions...).
class Projection {
 public:
  virtual ~Projection() = default;
  virtual Status Migrate(Database& db) = 0;
  // Runs inside the ingest transaction: `changed` records became valid or
  // stopped being valid. Must leave the tables equal to a full recompute.
  virtual Status Apply(Store& store, const std::vector<ChangedRecord>& changed) = 0;
  // Drops all derived rows (rebuild then re-applies every valid record).
  virtual Status Clear(Database& db) = 0;
  // Work outside the database that must follow durable records, such as
  // deleting the files a committed purge names: the ledger calls it after
  // every commit of its database (by any writer on this connection: ingest,
  // sync, rebuild) and once when it opens, to finish what a crash cut
  // short. It must therefore be idempotent and cheap when there is nothing
  // to do. On an error the work must stay queued for the next call.
  virtual Status AfterCommit(Store& store) {
    (void)store;
    return Status::Ok();
  }
};

}  // namespace credmesh
