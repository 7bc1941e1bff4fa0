#include "node/credentials/award_snapshot.h"

#include "node/credentials/catalog_bodies.h"
#include "node/credentials/catalog_projection.h"

namespace credmesh {
namespace {

// The record id holding (definition, version) in the catalog tables.
Result<std::optional<RecordId>> CatalogRecordOf(Database& db, const std::string& id,
                                                int64_t version) {
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st,
      db.Prepare("SELECT record_id FROM catalog_versions WHERE entity = ? AND version = ?"));
  st.Bind(1, DefinitionEntity(id));
  st.Bind(2, version);
  CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<RecordId>();
  return RecordId::FromView(st.ColumnBlob(0));
}

}  // namespace

Result<AwardSnapshot> FreezeAward(Database& db, const SubmissionState& s,
                                  const AwardIssueBody& award, const std::string& district_name) {
  const std::string what = award.definition + " v" + std::to_string(award.version);
  CREDMESH_ASSIGN_OR_RETURN(auto record, CatalogRecordOf(db, award.definition, award.version));
  CREDMESH_ASSIGN_OR_RETURN(auto def, LoadDefinition(db, award.definition, award.version));
  if (!record || !def) return Status::FailedPrecondition("definition " + what + " is not held");
  const ReviewItem* review = s.FindReview(award.review);
  if (review == nullptr)
    return Status::FailedPrecondition("review " + award.review.hex() + " is not held");
  AwardSnapshot snap;
  snap.definition_record = *record;
  snap.title = def->title;
  snap.district_name = district_name;
  snap.levels = review->body.levels;
  return snap;
}

Result<AwardedAchievement> LoadAwardedAchievement(Store& store, const AwardState& award) {
  const AwardIssueBody& b = award.issue;
  const std::string what = b.definition + " v" + std::to_string(b.version);
  AwardedAchievement out;
  if (!b.frozen) {
    CREDMESH_ASSIGN_OR_RETURN(auto def, LoadDefinition(store.db(), b.definition, b.version));
    if (!def) return Status::NotFound("definition " + what + " is not held here");
    out.definition = std::move(*def);
    out.title = out.definition.title;
    return out;
  }
  const RecordId& id = b.frozen->definition_record;
  CREDMESH_ASSIGN_OR_RETURN(auto row, store.records().GetRow(id));
  if (!row || row->state != RecordState::kValid) {
    return Status::NotFound("the catalog record " + id.hex().substr(0, 16) + " of " + what +
                            " that award " + award.id + " cites is not held here (valid)");
  }
  CREDMESH_ASSIGN_OR_RETURN(VerifiedRecord rec, store.records().Load(id));
  auto def = rec.record().kind == kCatalogDefinitionKind
                 ? DefinitionFromBody(rec.record().body)
                 : Result<CredentialDefinition>(Status::InvalidArgument("not a definition"));
  if (!def.ok() || def->id != b.definition || def->version != b.version ||
      def->title != b.frozen->title) {
    return Status::Corruption("award " + award.id + " cites record " + id.hex().substr(0, 16) +
                              ", which is not " + what + " titled \"" + b.frozen->title + "\"");
  }
  out.definition = std::move(*def);
  out.title = b.frozen->title;
  out.district_name = b.frozen->district_name;
  out.levels = b.frozen->levels;
  out.definition_record = id;
  out.frozen = true;
  return out;
}

}  // namespace credmesh
