#include "node/credentials/revocation.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "node/credentials/credential_records.h"

namespace credmesh {

Revocation ReplayRevokes(std::vector<const DomainRecord*> revokes, const std::string& scope,
                         const RecordId& issue_record,
                         const std::map<RecordId, LostTo>& lost_issues,
                         std::vector<IgnoredRecord>& ignored) {
  std::sort(revokes.begin(), revokes.end(),
            [](const DomainRecord* a, const DomainRecord* b) { return ReplayOrder(*a, *b); });
  Revocation out;
  for (const DomainRecord* r : revokes) {
    auto ignore = [&](std::string why, std::optional<LostTo> lost_to = std::nullopt) {
      ignored.push_back({r->id, r->kind, r->hlc, std::move(why), r->author, std::move(lost_to)});
    };
    auto b = AwardRevokeBody::Parse(r->body);
    if (!b.ok()) {
      ignore(b.status().message());
      continue;
    }
    if (r->scope != scope) {
      ignore("scope differs from the award's " + scope);
      continue;
    }
    if (b->issue != issue_record) {
      auto lost = lost_issues.find(b->issue);
      ignore("revokes another issue record",
             lost == lost_issues.end() ? std::nullopt : std::optional<LostTo>(lost->second));
      continue;
    }
    if (out.revoked) {
      ignore("already revoked by record " + out.record.hex(), LostTo{out.record, kAwardRevokeKind});
      continue;
    }
    out = {true, r->id, r->hlc, b->reason};
  }
  return out;
}

}  // namespace credmesh
