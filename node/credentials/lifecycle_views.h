// lifecycle_views.h: the read models of the micro-credential lifecycle — what
// `submission list|show`, `award show`, `portfolio` and the superseded part of
// `status` display — as typed values. Each is read from the lifecycle tables
// (lifecycle_projection.h) and, for the full state of a submission or award, recomputed from its
// valid records (ComputeLifecycle), which equals what the projection derived. Rendering (text or
// JSON) is the caller's business.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "node/credentials/award_state.h"
#include "node/credentials/stack_award_state.h"
#include "node/credentials/submission_state.h"
#include "storage/store.h"

namespace credmesh {

// One row of `submission list`.
struct SubmissionSummary {
  std::string id;
  std::string scope;  // school/<s>
  std::string definition;
  int64_t version = 0;
  PublicKey educator;
  std::string status;   // SubmissionState::Status()
  int64_t attempt = 0;  // number of attempts
  uint64_t updated_hlc = 0;
  std::optional<std::string> award_status;  // AwardState::Status() when an award was issued
};

struct SubmissionFilter {
  std::string status;    // "" = any
  std::string educator;  // key hex prefix; "" = any
  // Any of these keys (one person's current and earlier keys); empty = any.
  std::vector<PublicKey> educator_keys;
  std::string definition;  // "" = any
};
// The submissions matching `filter`, ordered by id.
Result<std::vector<SubmissionSummary>> ListSubmissions(Database& db,
                                                       const SubmissionFilter& filter);

// A step that took effect where it was written and later lost, once
// concurrent records met, to another record (docs/merge-rules.md, "Outcomes
// are never silent"): an award whose deciding review a withdraw or
// resubmission voided, a resubmission an award overtook, a second issue of
// one award, a review of a superseded attempt...
struct SupersededOutcome {
  std::string submission;  // the submission it belongs to
  RecordId record;         // the record that lost
  std::string kind;
  uint64_t hlc = 0;
  PublicKey author;
  LostTo by;        // the record it lost to
  std::string why;  // the merge rule's reason
};
// The superseded outcomes among the ignored records of `submission` and
// `award` (either may be null), by (hlc, record id).
std::vector<SupersededOutcome> SupersededIn(const std::string& submission_id,
                                            const SubmissionState* submission,
                                            const AwardState* award);
// The superseded outcomes among the ignored records of a stack award (a
// second award.stack, or a second revoke of one), by (hlc, record id).
std::vector<SupersededOutcome> SupersededIn(const StackAwardState& stack_award);

// A submission (opened: a valid submission.open exists) with its award, when
// one was issued, and every outcome of either that was superseded.
struct SubmissionView {
  SubmissionState submission;
  std::optional<AwardState> award;
  std::vector<SupersededOutcome> superseded;
};
// `id` may be a unique prefix; nullopt if no opened submission matches;
// InvalidArgument when ambiguous or when it holds '%', '_' or '\'.
Result<std::optional<SubmissionView>> ShowSubmission(Store& store, const std::string& id);

// An issued award by award id ("award:<sub>") or submission id (prefixes ok);
// nullopt if none.
Result<std::optional<AwardState>> ShowAward(Store& store, const std::string& id);

// What `award show` displays: the award, when one is issued, and its award.*
// records that were superseded — so an award that lost (e.g. its review was
// voided by a concurrent withdraw) is still found and explained.
struct AwardView {
  std::string id;                   // award:<submission id>
  std::optional<AwardState> award;  // when a valid award.issue exists
  std::vector<SupersededOutcome> superseded;
};
// By award or submission id (prefixes ok); nullopt when the node holds neither
// an issued award nor a superseded award record for it.
Result<std::optional<AwardView>> ShowAwardView(Store& store, const std::string& id);

// Every superseded outcome this node holds, by (hlc, record id); for an
// issued stack's, `submission` is the stack award's entity.
Result<std::vector<SupersededOutcome>> ListSuperseded(Store& store);

// An award of a portfolio, with the title it was awarded under (frozen in the
// award; for older awards the awarded version's title; the definition id
// when the catalog does not hold that version).
struct PortfolioAward {
  AwardState award;
  std::string title;
};
struct CompletedStack {
  std::string id;
  int64_t version = 0;
  std::string title;
};
// Progress towards one stack (docs/badges.md, "Stacks in the portfolio"):
// entries are the stack's definition references in catalog order; an entry
// is satisfied when an active award of the educator matches it (same
// definition; and same version when the entry pins one).
struct StackProgress {
  std::string id;
  int64_t version = 0;
  std::string title;
  bool retired = false;
  int required = 0;                    // Stack::RequiredCount(): entries needed
  int entries = 0;                     // entries in the stack
  std::vector<std::string> satisfied;  // entry labels ("id" or "id v2"), in order
  std::vector<std::string> missing;    // the other entries' labels
  // The educator's issued award of this stack (any version), when there is
  // one: its id and StackAwardState::Status().
  std::optional<std::string> award;
  std::string award_status;
  bool complete() const { return static_cast<int>(satisfied.size()) >= required; }
};

// Everything one educator has, under any of their keys.
struct PortfolioView {
  PublicKey educator;                  // the current key
  std::vector<PublicKey> keys;         // every key counted, the current one first
  std::vector<PortfolioAward> awards;  // active and revoked, by (issued hlc, id)
  size_t active_awards = 0;
  int64_t ceu_hundredths = 0;                    // sum over active awards
  std::vector<CompletedStack> completed_stacks;  // completed by the active awards
  // Every stack of the catalog (current version) that is not retired, or
  // that the active awards complete; by stack id.
  std::vector<StackProgress> stacks;
  // The issued stacks (award.stack) of any of the keys, whatever their
  // status, by (issued hlc, id).
  std::vector<StackAwardState> stack_awards;
  std::vector<SubmissionSummary> submissions;  // all of the educator's, by id
};
Result<PortfolioView> Portfolio(Store& store, const PublicKey& educator);
// The portfolio of a person who signed with several keys (person.rekey, in
// the trust layer): awards and submissions of any of `keys`, the current
// key first. InvalidArgument when `keys` is empty.
Result<PortfolioView> Portfolio(Store& store, const std::vector<PublicKey>& keys);

}  // namespace credmesh
