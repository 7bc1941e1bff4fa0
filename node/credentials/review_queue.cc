#include "node/credentials/review_queue.h"

#include <algorithm>
#include <utility>

#include "node/credentials/catalog_projection.h"
#include "node/credentials/lifecycle_projection.h"

namespace credmesh {
namespace {

// The queue entry of `s`, whose current attempt is submitted.
QueueEntry EntryOf(const SubmissionState& s, const CredentialDefinition& def) {
  const Attempt& a = *s.Current();
  QueueEntry e;
  e.submission = s.id;
  e.scope = s.scope;
  e.educator = s.open.educator;
  e.definition = def;
  e.attempt = a.number;
  e.submit_record = a.submit_record.value_or(RecordId{});
  e.submitted_hlc = a.submitted_hlc;
  e.pre = a.pre;
  e.post = a.post;
  for (const EvidenceSlot& slot : def.submission_requirements) {
    QueueSlot q;
    q.slot = slot;
    for (const EvidenceItem& item : a.evidence) {
      if (item.body.slot == slot.id) q.evidence.push_back(item);
    }
    for (const RubricCriterion& c : def.rubric.criteria) {
      if (c.slot == slot.id) q.criteria.push_back(c);
    }
    q.student_outcome_missing =
        slot.proof_of_student_outcome_required &&
        std::none_of(q.evidence.begin(), q.evidence.end(),
                     [](const EvidenceItem& i) { return i.body.CountsAsStudentOutcome(); });
    e.slots.push_back(std::move(q));
  }
  for (const RubricCriterion& c : def.rubric.criteria) {
    if (c.slot.empty()) e.whole_criteria.push_back(c);
  }
  for (const Attempt& earlier : s.attempts) {
    if (earlier.number == a.number) break;
    e.earlier_reviews.insert(e.earlier_reviews.end(), earlier.reviews.begin(),
                             earlier.reviews.end());
  }
  return e;
}

}  // namespace

Result<std::vector<QueueEntry>> ReviewQueue(Store& store) {
  Database& db = store.db();
  std::vector<std::string> ids;
  {
    CREDMESH_ASSIGN_OR_RETURN(
        Statement st, db.Prepare("SELECT id FROM submissions WHERE status = 'submitted' ORDER BY "
                                 "updated_hlc, id"));
    while (true) {
      CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      ids.push_back(st.ColumnText(0));
    }
  }
  SqlCatalogView catalog(db);
  std::vector<QueueEntry> out;
  for (const auto& id : ids) {
    CREDMESH_ASSIGN_OR_RETURN(LifecycleState state, ComputeLifecycle(store, id));
    if (!state.submission || !state.submission->opened) continue;
    const SubmissionState& s = *state.submission;
    const Attempt* cur = s.Current();
    if (cur == nullptr || cur->status != AttemptStatus::kSubmitted) continue;
    const CredentialDefinition* def = catalog.Find(s.open.definition, s.open.version);
    CREDMESH_RETURN_IF_ERROR(catalog.status());
    if (def == nullptr) continue;  // status would be waiting_definition
    out.push_back(EntryOf(s, *def));
  }
  std::stable_sort(out.begin(), out.end(), [](const QueueEntry& a, const QueueEntry& b) {
    return a.submitted_hlc != b.submitted_hlc ? a.submitted_hlc < b.submitted_hlc
                                              : a.submission < b.submission;
  });
  return out;
}

}  // namespace credmesh
