// award_snapshot.h: what an award meant when it was issued (docs/badges.md,
// "What an award freezes"). At issue time the issuer's node freezes the exact
// catalog.definition record of the awarded version, its title, the district's
// name and the deciding review's levels into the award.issue body; later, the
// badge and the portfolio read the achievement back from that snapshot, so a
// catalog edit published afterwards — a new version, or a same-version record
// that wins the catalog's last-writer rule — changes nothing already awarded.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "node/credentials/award_state.h"
#include "node/credentials/catalog_model.h"
#include "node/credentials/credential_records.h"
#include "node/credentials/submission_state.h"
#include "storage/store.h"

namespace credmesh {

// The snapshot for `award` (from NextAwardIssue(s)): the catalog record that
// holds (definition, version) on this node now, its title, `district_name`
// and the levels of the review `award.review`. FailedPrecondition when the
// definition version or the review is not held.
Result<AwardSnapshot> FreezeAward(Database& db, const SubmissionState& s,
                                  const AwardIssueBody& award, const std::string& district_name);

// What an issued award says was awarded.
struct AwardedAchievement {
  CredentialDefinition definition;  // the awarded version's content
  std::string title;
  // From the snapshot; nullopt for awards issued before snapshots existed
  // (then the caller derives them: district name from the genesis record,
  // levels from the deciding review).
  std::optional<std::string> district_name;
  std::optional<std::map<std::string, std::string>> levels;
  RecordId definition_record;  // the cited record; zero when not frozen
  bool frozen = false;
};

// For a frozen award: the cited catalog record, which must be a valid
// catalog.definition of the award's (definition, version) whose title is the
// frozen one (else Corruption). For an older award: the catalog's content of
// that version as held now. NotFound when the record or version is not held.
Result<AwardedAchievement> LoadAwardedAchievement(Store& store, const AwardState& award);

}  // namespace credmesh
