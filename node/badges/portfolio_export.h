// portfolio_export.h: the node side of `credmesh portfolio export`: gathers
// an educator's active awards as signed OB 3.0 credentials and the stacks
// they complete, and assembles the CLR 2.0 ClrCredential (clr.h), unsigned.
// See docs/badges.md, "The portfolio: CLR 2.0".
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "protocol/crypto.h"
#include "storage/store.h"

namespace credmesh {

struct PortfolioExportRequest {
  std::string district;         // the node's district id
  PublicKey educator;           // whose portfolio (their current key)
  std::string status_list_url;  // for the embedded badges' credentialStatus; empty: none
  std::string name;             // the record's name; empty: "<district name> micro-credentials"
  // Every key of the person (person.rekey), the current one first; empty:
  // only `educator`.
  std::vector<PublicKey> keys;
};

struct PortfolioClr {
  nlohmann::json credential;          // the unsigned ClrCredential
  std::vector<std::string> included;  // award ids, then stack award ids, in portfolio order
  std::vector<std::pair<std::string, std::string>> skipped;  // award id, why not included
  std::vector<std::string> stacks;  // stack ids: issued (embedded) or completed
};

// Every active award of the educator becomes an OB 3.0 credential exactly as
// `badge export` would make it (GatherBadgeContent), signed eddsa-jcs-2022 by
// `signer` at `now_ms`; an award that cannot be exported here is skipped with
// the reason. Every active issued stack (award.stack) is embedded too, as
// `badge export` makes its badge, with one isParentOf association from its
// achievement to the achievement of each embedded part it names. Each stack
// completed but not issued adds its achievement (StackAchievement) and one
// isParentOf association to the achievement of every embedded award that
// satisfies one of its entries. REQUIRES: `signer` is one of the
// district's issuing keys (the caller checks). FailedPrecondition when no
// award can be included (a CLR holds at least one credential).
Result<PortfolioClr> BuildPortfolioClr(Store& store, const PortfolioExportRequest& request,
                                       const SigningKey& signer, int64_t now_ms);

}  // namespace credmesh
