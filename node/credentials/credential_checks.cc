#include "node/credentials/credential_checks.h"

#include "node/credentials/award_state.h"
#include "node/credentials/catalog_projection.h"
#include "node/credentials/domain_store.h"
#include "node/credentials/stack_awards.h"
#include "node/credentials/submission_state.h"

namespace credmesh {
namespace {

DomainRecord ToDomain(const VerifiedRecord& v) {
  const Record& r = v.record();
  return {v.id(), r.kind, r.scope, r.entity, r.hlc, r.author, r.body};
}

std::string Reason(const std::vector<IgnoredRecord>& ignored, const RecordId& id) {
  for (const auto& i : ignored) {
    if (i.id == id) return i.reason;
  }
  return "";
}

bool IsSubmissionKind(const std::string& k) {
  return k.rfind("submission.", 0) == 0 || k.rfind("review.", 0) == 0;
}

}  // namespace

Result<std::string> WhyStepIgnored(Store& store, const VerifiedRecord& candidate) {
  const Record& c = candidate.record();
  std::string sub_id = c.entity;
  const bool is_award = c.kind.rfind("award.", 0) == 0;
  if (is_award && IsStackAwardEntity(c.entity)) {
    CREDMESH_ASSIGN_OR_RETURN(auto records, LoadValidRecords(store, c.entity));
    std::erase_if(records, [](const DomainRecord& r) { return r.kind.rfind("award.", 0) != 0; });
    records.push_back(ToDomain(candidate));
    CREDMESH_ASSIGN_OR_RETURN(StackAwardInputs inputs, LoadStackAwardInputs(store, records));
    StackAwardState s = ComputeStackAward(c.entity, std::move(records), inputs);
    return Reason(s.ignored, candidate.id());
  }
  if (c.kind == kAwardStackKind) {
    return std::string("award.stack records are about an entity award:stack:...");
  }
  if (is_award) {
    auto s = SubmissionOfAward(c.entity);
    if (!s) return std::string("award records are about an entity award:<submission>");
    sub_id = *s;
  } else if (!IsSubmissionKind(c.kind)) {
    return Status::InvalidArgument("not a lifecycle kind: " + c.kind);
  }
  CREDMESH_ASSIGN_OR_RETURN(auto records, LoadValidRecords(store, sub_id));
  std::erase_if(records, [](const DomainRecord& r) { return !IsSubmissionKind(r.kind); });
  if (!is_award) records.push_back(ToDomain(candidate));
  SqlCatalogView catalog(store.db());
  SubmissionState sub = ComputeSubmission(sub_id, std::move(records), catalog);
  CREDMESH_RETURN_IF_ERROR(catalog.status());
  if (!is_award) {
    if (c.kind == kSubmissionOpenKind && !sub.opened) return Reason(sub.ignored, candidate.id());
    if (c.kind != kSubmissionOpenKind && !sub.definition_known && sub.opened) {
      return "definition " + sub.open.definition + " v" + std::to_string(sub.open.version) +
             " not held here";
    }
    return Reason(sub.ignored, candidate.id());
  }
  CREDMESH_ASSIGN_OR_RETURN(auto award_records, LoadValidRecords(store, c.entity));
  std::erase_if(award_records,
                [](const DomainRecord& r) { return r.kind.rfind("award.", 0) != 0; });
  award_records.push_back(ToDomain(candidate));
  AwardState award = ComputeAward(c.entity, std::move(award_records), sub.opened ? &sub : nullptr);
  return Reason(award.ignored, candidate.id());
}

}  // namespace credmesh
