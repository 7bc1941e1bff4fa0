// stack_award_state.h: the state of one issued stack (entity
// "award:stack:<stack>:v<version>:<key>", scope public/<d>) as a pure
// function of its valid award.stack / award.revoke records, the states of the
// part awards it names and the catalog.stack records it cites. The caller
// gathers those (stack_awards.h); rules in docs/merge-rules.md §3b.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "node/credentials/award_state.h"
#include "node/credentials/catalog_model.h"
#include "node/credentials/credential_records.h"
#include "node/credentials/revocation.h"

namespace credmesh {

// A valid catalog.stack record held on this node.
struct HeldStackRecord {
  Stack stack;
  std::string scope;  // district/<d>
};

// What a stack award is judged against.
struct StackAwardInputs {
  // The state of every part award named by any award.stack record of the
  // entity (absent: no valid award.* record of that award is held).
  std::map<std::string, AwardState> parts;
  // The cited catalog.stack records that are held and valid, by record id.
  std::map<RecordId, HeldStackRecord> stacks;
};

// A part named by the winning award.stack that was revoked after it.
struct RevokedPart {
  std::string award;
  uint64_t revoked_hlc = 0;
  std::string reason;
};

struct StackAwardState {
  std::string id;  // the entity
  bool issued = false;
  std::string scope;  // public/<d>
  StackAwardBody issue;
  RecordId issue_record;
  uint64_t issued_hlc = 0;
  PublicKey issuer;
  Stack stack;            // the cited stack version's content
  Revocation revocation;  // by an award.revoke of the stack award itself
  // Parts revoked after the issue, in the parts' order.
  std::vector<RevokedPart> revoked_parts;
  // False once the parts not revoked no longer complete the stack.
  bool parts_complete = true;
  std::vector<IgnoredRecord> ignored;

  // "none", "active", "revoked" (the stack award itself), or "parts_revoked"
  // (parts it rests on were revoked and the rest no longer complete it).
  std::string Status() const {
    return !issued              ? "none"
           : revocation.revoked ? "revoked"
           : !parts_complete    ? "parts_revoked"
                                : "active";
  }
};

// The state of `entity` from its valid records (any kinds; those that do not
// belong to a stack award are ignored with a reason).
StackAwardState ComputeStackAward(const std::string& entity, std::vector<DomainRecord> records,
                                  const StackAwardInputs& inputs);

// Why `body` (issued in `scope` at `hlc`) is not a valid stack award given
// `inputs`; "" if it is. Shared by ComputeStackAward and the CLI's refusals.
std::string CheckStackAward(const StackAwardBody& body, const std::string& entity,
                            const std::string& scope, uint64_t hlc, const StackAwardInputs& inputs);

}  // namespace credmesh
