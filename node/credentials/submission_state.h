// submission_state.h: the state of one submission as a pure function of its
// valid records (submission.* and review.* on one entity) and the catalog.
// Records are replayed in (hlc, record id) order through the lifecycle state
// machine; a step that is not allowed in the state reached is ignored, with
// its reason kept. The rules are written down in docs/merge-rules.md.
// Authorization is not checked here: the ledger hands over only valid records.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "node/credentials/catalog_model.h"
#include "node/credentials/credential_records.h"
#include "protocol/bytes.h"
#include "protocol/value.h"

namespace credmesh {

// The fields of a stored record the domain rules look at.
struct DomainRecord {
  RecordId id;
  std::string kind;
  std::string scope;
  std::string entity;
  uint64_t hlc = 0;
  PublicKey author;
  Value body;
};
// Orders by (hlc, record id): the replay order of every rule.
bool ReplayOrder(const DomainRecord& a, const DomainRecord& b);

// What the lifecycle needs from the catalog. Implemented over SQLite by
// the catalog projection and in memory by tests.
class CatalogView {
 public:
  virtual ~CatalogView() = default;
  // The definition (id, version), or nullptr if no valid record holds it.
  virtual const CredentialDefinition* Find(const std::string& id, int64_t version) = 0;
  // Whether `id` was retired just before `hlc` (retirement is a register
  // whose writes are ordered by (hlc, record id)).
  virtual bool RetiredBefore(const std::string& id, uint64_t hlc) = 0;
};

// The record a step lost to: the step was legal where it was written, but a
// concurrent record ordered before it made it illegal (a resubmission that an
// award overtook, an award whose review a withdraw voided...). See
// docs/merge-rules.md, "Concurrent conflicting steps".
struct LostTo {
  RecordId record;
  std::string kind;
  bool operator==(const LostTo&) const = default;
};

struct IgnoredRecord {
  RecordId id;
  std::string kind;
  uint64_t hlc = 0;
  std::string reason;
  PublicKey author;
  std::optional<LostTo> lost_to;  // set when another record superseded it
};

struct EvidenceItem {
  RecordId id;
  uint64_t hlc = 0;
  int64_t attempt = 1;  // the attempt it was written for
  EvidenceBody body;
};

struct ReflectionItem {
  RecordId id;
  uint64_t hlc = 0;
  std::string text;
};

struct ReviewItem {
  RecordId id;
  uint64_t hlc = 0;
  PublicKey reviewer;
  ReviewBody body;
  int64_t total = 0;    // sum of level scores
  bool passes = false;  // the rubric's passing rule holds for the levels
};

// A resubmitted attempt keeps its not_yet status; the next attempt is current.
enum class AttemptStatus { kDraft, kSubmitted, kNotYet, kAwarded, kWithdrawn };
std::string_view AttemptStatusName(AttemptStatus s);

struct Attempt {
  int64_t number = 1;
  AttemptStatus status = AttemptStatus::kDraft;
  uint64_t started_hlc = 0;
  RecordId started_record;  // the submission.open (attempt 1) or submission.resubmit
  std::optional<ReflectionItem> pre, post;  // last-writer-wins while a draft
  std::vector<EvidenceItem> evidence;       // draft: all; submitted: the frozen set
  std::optional<RecordId> submit_record;
  uint64_t submitted_hlc = 0;
  std::vector<ReviewItem> reviews;          // append-only
  std::optional<RecordId> deciding_review;  // first awarded review, else latest not_yet
  std::optional<RecordId> withdraw_record;  // when withdrawn
  uint64_t closed_hlc = 0;                  // withdrawn / decided at
};

struct SubmissionState {
  std::string id;
  bool opened = false;            // a valid submission.open exists
  bool definition_known = false;  // the catalog holds definition/version
  std::string scope;              // school/<s>
  OpenBody open;
  RecordId open_record;
  uint64_t opened_hlc = 0;
  uint64_t updated_hlc = 0;       // hlc of the last step that took effect
  std::vector<Attempt> attempts;  // attempts[i].number == i + 1
  std::vector<IgnoredRecord> ignored;

  // "waiting_definition" when the definition is not held, else the status of
  // the current (last) attempt: draft|submitted|not_yet|awarded|withdrawn.
  std::string Status() const;
  const Attempt* Current() const { return attempts.empty() ? nullptr : &attempts.back(); }
  const ReviewItem* FindReview(const RecordId& id, int64_t* attempt_out = nullptr) const;
};

// The slots of `definition` that require proof of student outcome
// (EvidenceSlot::proof_of_student_outcome_required) but hold no item of
// `evidence` that counts as one (EvidenceBody::CountsAsStudentOutcome), in
// definition order. A submit is legal only when this is empty.
std::vector<std::string> MissingStudentOutcome(const CredentialDefinition& definition,
                                               const std::vector<EvidenceItem>& evidence);

// Replays `records` (any order; they are sorted here) of submission `id`.
// Records of other entities or kinds are ignored with a reason.
SubmissionState ComputeSubmission(const std::string& id, std::vector<DomainRecord> records,
                                  CatalogView& catalog);

}  // namespace credmesh
