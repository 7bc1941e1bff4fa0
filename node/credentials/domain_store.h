// domain_store.h: reading the valid records of one entity as DomainRecord
// values, and writing the records a merge ignored, for the projections of the
// micro-credential domain.
#pragma once

#include <string>
#include <vector>

#include "node/credentials/submission_state.h"
#include "storage/store.h"

namespace credmesh {

// Every valid record about `entity` (any kind), decoded from the stored bytes
// (signatures were checked at ingest).
Result<std::vector<DomainRecord>> LoadValidRecords(Store& store, const std::string& entity);

// Upserts `ignored` as rows (record_id, entity, kind, hlc, reason) of
// `table`, one of the projections' *_ignored tables (a constant, never input).
Status WriteIgnoredRows(Database& db, const std::string& table, const std::string& entity,
                        const std::vector<IgnoredRecord>& ignored);

}  // namespace credmesh
