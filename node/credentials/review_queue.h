// review_queue.h: the read model of `review queue` — every submitted attempt
// this node holds that awaits a decision, each with what a reviewer needs
// beside it: the definition's evidence slots with the frozen evidence in each,
// whether the slot requires proof of student outcome, and the rubric criteria
// (with their level descriptors) that judge it. A hub holds every school's
// scope, so its queue spans the district (docs/merge-rules.md §2, "Where
// review happens"). Who may review which entry is the trust layer's business:
// the caller filters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "node/credentials/catalog_model.h"
#include "node/credentials/submission_state.h"
#include "storage/store.h"

namespace credmesh {

// One evidence slot of a queued attempt.
struct QueueSlot {
  EvidenceSlot slot;                      // as the definition states it
  std::vector<EvidenceItem> evidence;     // the attempt's frozen items in this slot
  std::vector<RubricCriterion> criteria;  // the criteria that judge this slot
  // slot.proof_of_student_outcome_required, and no frozen item counts as one
  // (only possible for attempts submitted before the rule: legacy records).
  bool student_outcome_missing = false;
};

// A submitted attempt awaiting a decision.
struct QueueEntry {
  std::string submission;
  std::string scope;  // school/<s>
  PublicKey educator;
  CredentialDefinition definition;  // the version the submission was opened for
  int64_t attempt = 0;
  RecordId submit_record;
  uint64_t submitted_hlc = 0;
  std::optional<ReflectionItem> pre, post;
  std::vector<QueueSlot> slots;                 // in definition order
  std::vector<RubricCriterion> whole_criteria;  // criteria about the whole submission
  std::vector<ReviewItem> earlier_reviews;      // of earlier attempts, oldest first
};

// Every opened submission whose current attempt is submitted (no decision
// yet) and whose definition this node holds, oldest submit first. Each is
// recomputed from its records (ComputeLifecycle).
Result<std::vector<QueueEntry>> ReviewQueue(Store& store);

}  // namespace credmesh
