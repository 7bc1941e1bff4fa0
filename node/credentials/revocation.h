// revocation.h: whether an issued award (a credential's award.issue or a
// stack's award.stack) is revoked, and the one rule by which award.revoke
// records revoke it (docs/merge-rules.md §3 and §3b): the first valid revoke
// by (hlc, record id), in the award's scope and naming its winning issue
// record, revokes it; revocation is final, later revokes are ignored
// ("already revoked").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "node/credentials/submission_state.h"
#include "protocol/bytes.h"

namespace credmesh {

struct Revocation {
  bool revoked = false;
  RecordId record;  // the award.revoke that revoked it
  uint64_t hlc = 0;
  std::string reason;
};

// The revocation of the award issued by `issue_record` in `scope`, from its
// award.revoke records `revokes`, given in any order (the result does not
// depend on it). REQUIRES: the award is issued. Appends to `ignored` each
// revoke that does not count, with the reason: a malformed body, another
// scope, another issue record (lost with that issue when `lost_issues` says
// what it lost to), or a revoke ordered before it already holding.
Revocation ReplayRevokes(std::vector<const DomainRecord*> revokes, const std::string& scope,
                         const RecordId& issue_record,
                         const std::map<RecordId, LostTo>& lost_issues,
                         std::vector<IgnoredRecord>& ignored);

}  // namespace credmesh
