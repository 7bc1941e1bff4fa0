// domain_store.h: reading the valid records of one entity as DomainRecord
// values, for the projections of the micro-credential domain.
#pragma once

#include <string>
#include <vector>

#include "node/credentials/submission_state.h"
#include "storage/store.h"

namespace credmesh {

// Every valid record about `entity` (any kind), decoded from the stored bytes
// (signatures were checked at ingest).
Result<std::vector<DomainRecord>> LoadValidRecords(Store& store, const std::string& entity);

}  // namespace credmesh
