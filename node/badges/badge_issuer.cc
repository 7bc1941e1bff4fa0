#include "node/badges/badge_issuer.h"

#include "node/badges/multibase.h"
#include "node/badges/status_list.h"
#include "node/badges/vc_proof.h"
#include "node/credentials/award_snapshot.h"
#include "node/credentials/catalog_projection.h"
#include "node/credentials/credential_records.h"
#include "node/credentials/lifecycle_projection.h"
#include "node/credentials/lifecycle_views.h"
#include "node/credentials/stack_awards.h"
#include "node/trust/person_directory.h"
#include "node/trust/trust_index.h"
#include "node/trust/trust_records.h"
#include "protocol/hlc.h"
#include "storage/migrations.h"

namespace credmesh {
namespace {

constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE badge_status_index ("
     "  award TEXT PRIMARY KEY,"
     "  list_index INTEGER NOT NULL UNIQUE"
     ") WITHOUT ROWID;"},
};

}  // namespace

Result<std::string> DistrictDisplayName(Store& store, const std::string& district) {
  RecordQuery q;
  q.kind = kGenesisKind;
  q.scope = "district/" + district;
  q.state = RecordState::kValid;
  q.limit = 1;
  CREDMESH_ASSIGN_OR_RETURN(auto rows, store.records().List(q));
  if (!rows.empty()) {
    CREDMESH_ASSIGN_OR_RETURN(VerifiedRecord rec, store.records().Load(rows[0].id));
    auto g = GenesisBody::Parse(rec.record().body);
    if (g.ok() && !g->name.empty()) return g->name;
  }
  return "District " + district;
}

Result<DistrictIssuerTrust> DistrictIssuerTrust::Load(Database& db, const std::string& district,
                                                      const PublicKey& root) {
  TrustView view(district, root);
  CREDMESH_ASSIGN_OR_RETURN(auto facts, TrustIndex(db).LoadAll());
  for (const auto& f : facts) view.Add(f);
  return DistrictIssuerTrust(std::move(view));
}

Status DistrictIssuerTrust::Check(const PublicKey& key, int64_t at_ms) const {
  // A grant issued in the same millisecond counts: take the last HLC of it.
  uint64_t hlc = HybridClock::Make(at_ms, (1u << HybridClock::kLogicalBits) - 1);
  for (Role r : view_.RolesAt(key, hlc, "public/" + view_.district())) {
    if (r == Role::kRoot || r == Role::kIssuer || r == Role::kAdmin) return Status::Ok();
  }
  return Status::Unauthorized(DidKeyOf(key) + " (" + ShortKey(key) +
                              ") held no issuer or admin grant of district " + view_.district() +
                              " at " + FormatMillisUtc(at_ms));
}

Status BadgeStatusIndex::Migrate(Database& db) {
  return ApplyMigrations(db, "badges", kMigrations);
}

Result<uint64_t> BadgeStatusIndex::IndexFor(const std::string& award) {
  {
    CREDMESH_ASSIGN_OR_RETURN(
        Statement st, db_.Prepare("SELECT list_index FROM badge_status_index WHERE award = ?"));
    st.Bind(1, award);
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) return static_cast<uint64_t>(st.ColumnInt(0));
  }
  CREDMESH_ASSIGN_OR_RETURN(Statement ins,
                            db_.Prepare("INSERT INTO badge_status_index (award, list_index)"
                                        " SELECT ?, COALESCE(MAX(list_index) + 1, 0) FROM "
                                        "badge_status_index RETURNING list_index"));
  ins.Bind(1, award);
  CREDMESH_ASSIGN_OR_RETURN(bool row, ins.Step());
  if (!row) return Status::Internal("badges: no index allocated");
  uint64_t index = static_cast<uint64_t>(ins.ColumnInt(0));
  CREDMESH_RETURN_IF_ERROR(ins.Reset());
  if (index >= kMinStatusListBits) {
    return Status::ResourceExhausted("badges: the status list is full (" +
                                     std::to_string(kMinStatusListBits) + " awards)");
  }
  return index;
}

Result<std::vector<std::pair<std::string, uint64_t>>> BadgeStatusIndex::All() {
  CREDMESH_ASSIGN_OR_RETURN(
      Statement st,
      db_.Prepare("SELECT award, list_index FROM badge_status_index ORDER BY list_index"));
  std::vector<std::pair<std::string, uint64_t>> out;
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return out;
    out.emplace_back(st.ColumnText(0), static_cast<uint64_t>(st.ColumnInt(1)));
  }
}

Result<BadgeContent> GatherBadgeContent(Store& store, const BadgeRequest& req) {
  Database& db = store.db();
  CREDMESH_ASSIGN_OR_RETURN(auto award, ShowAward(store, req.award));
  if (!award) return Status::NotFound("no award " + req.award + " (see: credmesh submission list)");
  const AwardState& a = *award;
  const std::string award_id = a.id;
  if (!a.issued) return Status::FailedPrecondition("award " + award_id + " is not issued");
  if (a.revocation.revoked) {
    return Status::FailedPrecondition("award " + award_id +
                                      " is revoked: a badge cannot be exported");
  }
  const RecordId* issue_record = &a.issue_record;
  const RecordId* review_id = &a.issue.review;
  const PublicKey* educator = &a.issue.educator;

  BadgeContent c;
  c.district = req.district;
  CREDMESH_ASSIGN_OR_RETURN(c.issuer_name, DistrictDisplayName(store, req.district));
  c.issuer_id = DidKeyOf(req.signer);
  c.valid_from_ms = HybridClock::Millis(a.issued_hlc);
  c.credential_id = DerivedUuidUrn("credmesh/badge/credential", issue_record->view());
  c.subject_id = DerivedUuidUrn("credmesh/badge/subject", issue_record->view());
  // Public in the credential anyway; its job is to defeat precomputed tables.
  c.salt = Sha256(issue_record->view()).hex().substr(0, 32);

  // What was awarded, as frozen in the award (or, for older awards, the
  // awarded version as held now and the deciding review).
  auto achievement = LoadAwardedAchievement(store, a);
  if (!achievement.ok()) return achievement.status();
  c.definition = std::move(achievement->definition);
  if (achievement->district_name) c.issuer_name = *achievement->district_name;
  if (achievement->levels) {
    c.levels = *achievement->levels;
  } else {
    auto review = store.records().Load(*review_id);
    if (!review.ok()) {
      return Status::FailedPrecondition("the deciding review of " + award_id + " (school scope " +
                                        a.issue.school +
                                        ") is not held on this node; export from the hub");
    }
    CREDMESH_ASSIGN_OR_RETURN(ReviewBody rb, ReviewBody::Parse(review->record().body));
    c.levels = rb.levels;
  }

  // The person's newest e-mail under any of their keys: an educator who
  // moved school (person.rekey) is identified as they are now.
  CREDMESH_ASSIGN_OR_RETURN(PersonDirectory people, PersonDirectory::Load(db, {}));
  if (const Person* p = people.WithKey(*educator); p && !p->email.empty()) c.email = p->email;
  if (!c.email)
    return Status::FailedPrecondition("no e-mail known for the educator " + ShortKey(*educator) +
                                      " (person.profile); the badge would not identify them");

  if (!req.status_list_url.empty()) {
    CREDMESH_ASSIGN_OR_RETURN(uint64_t index, BadgeStatusIndex(db).IndexFor(award_id));
    c.status = StatusListEntry(req.status_list_url, index);
  }
  return c;
}

bool IsStackAwardId(const std::string& id) { return IsStackAwardEntity(id); }

Result<StackBadgeContent> GatherStackBadgeContent(Store& store, const BadgeRequest& req) {
  CREDMESH_ASSIGN_OR_RETURN(auto award, ShowStackAward(store, req.award));
  if (!award) return Status::NotFound("no stack award " + req.award + " (see: credmesh portfolio)");
  const StackAwardState& s = *award;
  if (s.Status() != "active") {
    return Status::FailedPrecondition("stack award " + s.id + " is " + s.Status() +
                                      ": a badge cannot be exported");
  }
  StackBadgeContent c;
  c.district = req.district;
  c.issuer_name = s.issue.frozen.district_name;
  c.issuer_id = DidKeyOf(req.signer);
  c.valid_from_ms = HybridClock::Millis(s.issued_hlc);
  c.credential_id = DerivedUuidUrn("credmesh/badge/credential", s.issue_record.view());
  c.subject_id = DerivedUuidUrn("credmesh/badge/subject", s.issue_record.view());
  c.salt = Sha256(s.issue_record.view()).hex().substr(0, 32);
  c.stack = s.stack;
  c.title = s.issue.frozen.title;
  c.description = s.issue.frozen.description;
  for (const StackAwardPart& p : s.issue.parts) {
    CREDMESH_ASSIGN_OR_RETURN(auto part, ShowAward(store, p.award));
    if (!part) return Status::NotFound("part " + p.award + " of " + s.id + " is not held here");
    StackBadgePart bp;
    bp.definition = part->issue.definition;
    bp.version = part->issue.version;
    // The title the part was awarded under (frozen), else its definition id.
    auto achievement = LoadAwardedAchievement(store, *part);
    bp.title = achievement.ok()     ? achievement->title
               : part->issue.frozen ? part->issue.frozen->title
                                    : bp.definition;
    bp.achievement_id = DefinitionAchievementId(req.district, bp.definition, bp.version);
    bp.credential_id = DerivedUuidUrn("credmesh/badge/credential", p.issue.view());
    c.parts.push_back(std::move(bp));
  }
  CREDMESH_ASSIGN_OR_RETURN(PersonDirectory people, PersonDirectory::Load(store.db(), {}));
  if (const Person* p = people.WithKey(s.issue.educator); p && !p->email.empty())
    c.email = p->email;
  if (!c.email)
    return Status::FailedPrecondition("no e-mail known for the educator " +
                                      ShortKey(s.issue.educator) +
                                      " (person.profile); the badge would not identify them");
  if (!req.status_list_url.empty()) {
    CREDMESH_ASSIGN_OR_RETURN(uint64_t index, BadgeStatusIndex(store.db()).IndexFor(s.id));
    c.status = StatusListEntry(req.status_list_url, index);
  }
  return c;
}

Result<nlohmann::json> BuildSignedStatusList(Store& store, const std::string& list_url,
                                             const SigningKey& signer, Clock& clock) {
  StatusBitstring bits;
  CREDMESH_ASSIGN_OR_RETURN(auto all, BadgeStatusIndex(store.db()).All());
  for (const auto& [award, index] : all) {
    if (IsStackAwardEntity(award)) {
      CREDMESH_ASSIGN_OR_RETURN(auto stack, ShowStackAward(store, award));
      if (stack && stack->Status() != "active" && index < bits.size()) bits.Set(index, true);
      continue;
    }
    CREDMESH_ASSIGN_OR_RETURN(auto state, ShowAward(store, award));
    if (state && state->revocation.revoked && index < bits.size()) bits.Set(index, true);
  }
  std::string now = FormatDateTime(clock.NowMillis());
  auto cred = StatusListCredential(list_url, DidKeyOf(signer.public_key()), now, bits);
  return AddEddsaJcsProof(std::move(cred), signer, now);
}

}  // namespace credmesh
