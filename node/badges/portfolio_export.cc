#include "node/badges/portfolio_export.h"

#include <set>

#include "node/badges/badge_issuer.h"
#include "node/badges/clr.h"
#include "node/badges/multibase.h"
#include "node/badges/open_badge.h"
#include "node/badges/vc_proof.h"
#include "node/credentials/catalog_projection.h"
#include "node/credentials/lifecycle_views.h"
#include "node/credentials/stack_awards.h"
#include "node/trust/trust_records.h"

namespace credmesh {
namespace {

// An embedded award: what it awards, and its achievement's id.
struct EmbeddedPart {
  std::string award;
  std::string definition;
  int64_t version = 0;
  std::string achievement_id;
};

}  // namespace

Result<PortfolioClr> BuildPortfolioClr(Store& store, const PortfolioExportRequest& req,
                                       const SigningKey& signer, int64_t now_ms) {
  CREDMESH_ASSIGN_OR_RETURN(
      PortfolioView p,
      Portfolio(store, req.keys.empty() ? std::vector<PublicKey>{req.educator} : req.keys));
  PortfolioClr out;
  ClrContent clr;
  std::vector<EmbeddedPart> parts;
  const std::string now = FormatDateTime(now_ms);
  for (const PortfolioAward& pa : p.awards) {
    const AwardState& a = pa.award;
    if (a.Status() != "active") continue;
    BadgeRequest br{req.district, a.id, signer.public_key(), req.status_list_url};
    auto content = GatherBadgeContent(store, br);
    if (!content.ok()) {
      out.skipped.emplace_back(a.id, content.status().message());
      continue;
    }
    if (!clr.email) {
      clr.email = content->email;
    }
    CREDMESH_ASSIGN_OR_RETURN(nlohmann::json signed_badge,
                              AddEddsaJcsProof(BuildOpenBadgeCredential(*content), signer, now));
    parts.push_back({a.id, content->definition.id, content->definition.version,
                     signed_badge["credentialSubject"]["achievement"]["id"].get<std::string>()});
    clr.credentials.push_back(std::move(signed_badge));
    out.included.push_back(a.id);
  }
  // Issued stacks: their own badges, linked to the parts they name.
  std::set<std::string> issued_stack_achievements;
  for (const StackAwardState& sa : p.stack_awards) {
    if (sa.Status() != "active") continue;
    BadgeRequest br{req.district, sa.id, signer.public_key(), req.status_list_url};
    auto content = GatherStackBadgeContent(store, br);
    if (!content.ok()) {
      out.skipped.emplace_back(sa.id, content.status().message());
      continue;
    }
    if (!clr.email) clr.email = content->email;
    CREDMESH_ASSIGN_OR_RETURN(nlohmann::json signed_badge,
                              AddEddsaJcsProof(BuildStackBadgeCredential(*content), signer, now));
    const std::string stack_id = signed_badge["credentialSubject"]["achievement"]["id"];
    for (const StackAwardPart& sp : sa.issue.parts) {
      for (const EmbeddedPart& part : parts) {
        if (part.award == sp.award)
          clr.associations.push_back({"isParentOf", stack_id, part.achievement_id});
      }
    }
    issued_stack_achievements.insert(stack_id);
    clr.credentials.push_back(std::move(signed_badge));
    out.included.push_back(sa.id);
    out.stacks.push_back(sa.issue.stack);
  }
  if (clr.credentials.empty()) {
    std::string why = "no active award of " + ShortKey(req.educator) + " can go into a CLR";
    for (const auto& [id, reason] : out.skipped) why += "; " + id + ": " + reason;
    return Status::FailedPrecondition(why);
  }

  for (const CompletedStack& cs : p.completed_stacks) {
    CREDMESH_ASSIGN_OR_RETURN(auto stack, LoadStack(store.db(), cs.id, cs.version));
    if (!stack) continue;
    nlohmann::json achievement = StackAchievement(req.district, *stack);
    const std::string stack_id = achievement["id"];
    if (issued_stack_achievements.count(stack_id)) continue;  // its badge is embedded
    size_t linked = 0;
    for (const EmbeddedPart& part : parts) {
      bool counts = false;
      for (const StackEntry& e : stack->definitions)
        counts = counts || StackEntryMatches(e, part.definition, part.version);
      if (!counts) continue;
      clr.associations.push_back({"isParentOf", stack_id, part.achievement_id});
      ++linked;
    }
    // Completed by awards that are all embedded (none skipped).
    if (static_cast<int>(linked) < stack->RequiredCount()) {
      clr.associations.resize(clr.associations.size() - linked);
      continue;
    }
    clr.achievements.push_back(std::move(achievement));
    out.stacks.push_back(cs.id);
  }

  CREDMESH_ASSIGN_OR_RETURN(clr.issuer_name, DistrictDisplayName(store, req.district));
  clr.issuer_id = DidKeyOf(signer.public_key());
  clr.valid_from_ms = now_ms;
  clr.name = req.name.empty() ? clr.issuer_name + " micro-credentials" : req.name;
  // Stable per educator and set of credentials: exporting the same portfolio
  // again names the same record.
  std::string seed = req.educator.hex();
  for (const auto& c : clr.credentials) seed += "\n" + c["id"].get<std::string>();
  clr.credential_id = DerivedUuidUrn("credmesh/clr/credential", AsBytes(seed));
  clr.subject_id = DerivedUuidUrn("credmesh/clr/subject", req.educator.view());
  clr.salt = Sha256(req.educator.view()).hex().substr(0, 32);
  out.credential = BuildClrCredential(clr);
  return out;
}

}  // namespace credmesh
