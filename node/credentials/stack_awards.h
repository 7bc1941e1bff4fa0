// stack_awards.h: issued stacks on a node — gathering what a stack award is
// judged against (its part awards and the catalog.stack record it cites),
// its current state, the stack awards of an educator, and the body of the
// next stack award an issuer may write. Rules: docs/merge-rules.md §3b; the
// pure state function is stack_award_state.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "node/credentials/stack_award_state.h"
#include "storage/store.h"

namespace credmesh {

// The part awards and cited stack records named by the award.stack records
// among `records` (parts and records not held are simply absent).
Result<StackAwardInputs> LoadStackAwardInputs(Store& store,
                                              const std::vector<DomainRecord>& records);

// The state of stack award `entity` from its valid records; nullopt when no
// valid award.* record of it is held.
Result<std::optional<StackAwardState>> ComputeStackAwardOf(Store& store, const std::string& entity);

// An issued stack award by id (a unique prefix of "award:stack:..." is ok);
// nullopt if none. InvalidArgument when ambiguous.
Result<std::optional<StackAwardState>> ShowStackAward(Store& store, const std::string& id);

// The issued stack awards of any of `keys`, by (issued hlc, id).
Result<std::vector<StackAwardState>> StackAwardsOf(Store& store,
                                                   const std::vector<PublicKey>& keys);

// The award.stack body completing stack `stack_id` (its current version) for
// `educator`: every active award of that key matching an entry of the stack
// (the earliest issued first), and the snapshot (the catalog.stack record
// holding that version here, its title and description, `district_name`).
// NotFound when the stack is not held; FailedPrecondition, naming the
// missing entries and any revoked award that would have counted, when the
// active awards do not complete it, or when the stack is retired.
Result<StackAwardBody> NextStackAward(Store& store, const std::string& stack_id,
                                      const PublicKey& educator, const std::string& district_name);

}  // namespace credmesh
