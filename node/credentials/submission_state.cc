#include "node/credentials/submission_state.h"

#include <algorithm>
#include <set>

namespace credmesh {

bool ReplayOrder(const DomainRecord& a, const DomainRecord& b) {
  if (a.hlc != b.hlc) return a.hlc < b.hlc;
  return a.id < b.id;
}

std::string_view AttemptStatusName(AttemptStatus s) {
  switch (s) {
    case AttemptStatus::kDraft:
      return "draft";
    case AttemptStatus::kSubmitted:
      return "submitted";
    case AttemptStatus::kNotYet:
      return "not_yet";
    case AttemptStatus::kAwarded:
      return "awarded";
    case AttemptStatus::kWithdrawn:
      return "withdrawn";
  }
  return "?";
}

std::string SubmissionState::Status() const {
  if (!opened) return "not_opened";
  if (!definition_known) return "waiting_definition";
  return std::string(AttemptStatusName(attempts.back().status));
}

const ReviewItem* SubmissionState::FindReview(const RecordId& id, int64_t* attempt_out) const {
  for (const Attempt& a : attempts) {
    for (const ReviewItem& r : a.reviews) {
      if (r.id == id) {
        if (attempt_out) *attempt_out = a.number;
        return &r;
      }
    }
  }
  return nullptr;
}

std::vector<std::string> MissingStudentOutcome(const CredentialDefinition& definition,
                                               const std::vector<EvidenceItem>& evidence) {
  std::vector<std::string> missing;
  for (const EvidenceSlot& slot : definition.submission_requirements) {
    if (!slot.proof_of_student_outcome_required) continue;
    bool shown = std::any_of(evidence.begin(), evidence.end(), [&](const EvidenceItem& e) {
      return e.body.slot == slot.id && e.body.CountsAsStudentOutcome();
    });
    if (!shown) missing.push_back(slot.id);
  }
  return missing;
}

namespace {

bool StartsWith(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }

// The replay: one instance per ComputeSubmission call.
class Replay {
 public:
  Replay(SubmissionState& s, CatalogView& catalog) : s_(s), catalog_(catalog) {}

  void Step(const DomainRecord& r) {
    lost_to_.reset();
    std::string why = Apply(r);
    if (!why.empty()) {
      s_.ignored.push_back({r.id, r.kind, r.hlc, why, r.author, lost_to_});
    } else if (s_.opened) {
      s_.updated_hlc = std::max(s_.updated_hlc, r.hlc);
    }
  }

 private:
  // Returns "" when the step took effect, else why it was ignored.
  std::string Apply(const DomainRecord& r) {
    if (r.entity != s_.id) return "record is about another entity";
    if (!StartsWith(r.kind, "submission.") && !StartsWith(r.kind, "review.")) {
      return "kind " + r.kind + " does not belong to a submission";
    }
    if (r.kind == kSubmissionOpenKind) return Open(r);
    if (!s_.opened) return "submission not opened (no valid submission.open before it)";
    if (r.scope != s_.scope)
      return "scope " + r.scope + " differs from the submission's " + s_.scope;
    if (!def_)
      return "definition " + s_.open.definition + " v" + std::to_string(s_.open.version) +
             " not held here";
    if (r.kind == kReviewAddKind) return Review(r);
    if (r.author != s_.open.educator) return "only the submission's educator may write " + r.kind;
    if (r.kind == kSubmissionReflectionKind) return Reflect(r);
    if (r.kind == kSubmissionEvidenceKind) return Evidence(r);
    if (r.kind == kSubmissionSubmitKind) return Submit(r);
    if (r.kind == kSubmissionWithdrawKind) return Withdraw(r);
    if (r.kind == kSubmissionResubmitKind) return Resubmit(r);
    return "unknown kind " + r.kind;
  }

  Attempt& Cur() { return s_.attempts.back(); }

  // Notes that the step being applied lost to record `id` of `kind`.
  void LoseTo(const RecordId& id, const char* kind) { lost_to_ = LostTo{id, kind}; }

  // Checks that `attempt` names the current attempt.
  std::string CheckAttempt(int64_t attempt) {
    if (attempt == Cur().number) return "";
    if (attempt >= 1 && attempt < Cur().number) {
      // Lost to the resubmission that started the attempt after it.
      LoseTo(s_.attempts[attempt].started_record, kSubmissionResubmitKind);
      return "attempt " + std::to_string(attempt) + " was superseded by attempt " +
             std::to_string(Cur().number);
    }
    return "attempt " + std::to_string(attempt) + " does not exist (current is " +
           std::to_string(Cur().number) + ")";
  }

  std::string NotDraft() {
    if (Cur().withdraw_record) {
      LoseTo(*Cur().withdraw_record, kSubmissionWithdrawKind);
    } else if (Cur().submit_record) {
      LoseTo(*Cur().submit_record, kSubmissionSubmitKind);
    }
    return "attempt " + std::to_string(Cur().number) + " is " +
           std::string(AttemptStatusName(Cur().status)) + ", no longer a draft";
  }

  std::string Open(const DomainRecord& r) {
    if (s_.opened) {
      LoseTo(s_.open_record, kSubmissionOpenKind);
      return "submission already opened";
    }
    auto b = OpenBody::Parse(r.body);
    if (!b.ok()) return b.status().message();
    if (!StartsWith(r.scope, "school/")) return "submissions live in a school/<s> scope";
    if (b->educator != r.author) return "the educator must open their own submission";
    def_ = catalog_.Find(b->definition, b->version);
    if (def_ && catalog_.RetiredBefore(b->definition, r.hlc)) {
      def_ = nullptr;
      return "definition " + b->definition + " is retired: it accepts no new submissions";
    }
    s_.opened = true;
    s_.definition_known = def_ != nullptr;
    s_.scope = r.scope;
    s_.open = *b;
    s_.open_record = r.id;
    s_.opened_hlc = r.hlc;
    Attempt a;
    a.number = 1;
    a.started_hlc = r.hlc;
    a.started_record = r.id;
    s_.attempts.push_back(a);
    return "";
  }

  std::string Reflect(const DomainRecord& r) {
    auto b = ReflectionBody::Parse(r.body);
    if (!b.ok()) return b.status().message();
    if (auto why = CheckAttempt(b->attempt); !why.empty()) return why;
    if (Cur().status != AttemptStatus::kDraft) return NotDraft();
    ReflectionItem item{r.id, r.hlc, b->text};
    reflections_[r.id] = b->phase;
    reflection_items_[r.id] = item;
    (b->phase == "pre" ? Cur().pre : Cur().post) = item;
    return "";
  }

  std::string Evidence(const DomainRecord& r) {
    auto b = EvidenceBody::Parse(r.body);
    if (!b.ok()) return b.status().message();
    if (auto why = CheckAttempt(b->attempt); !why.empty()) return why;
    if (Cur().status != AttemptStatus::kDraft) {
      return NotDraft() + " (evidence written after the attempt was submitted)";
    }
    const EvidenceSlot* slot = def_->FindSlot(b->slot);
    if (!slot) return "definition " + def_->id + " has no evidence slot " + b->slot;
    if (b->text && !slot->accepts_text) return "slot " + b->slot + " does not accept text";
    if (b->file) {
      if (!slot->accepts_file) return "slot " + b->slot + " does not accept files";
      int files = 0;
      for (const auto& e : Cur().evidence) files += (e.body.slot == b->slot && e.body.file) ? 1 : 0;
      int max = slot->max_files.value_or(CatalogLimits::kMaxFilesPerSlot);
      if (files >= max)
        return "slot " + b->slot + " already holds " + std::to_string(max) + " files";
    }
    Cur().evidence.push_back({r.id, r.hlc, b->attempt, *b});
    return "";
  }

  std::string Submit(const DomainRecord& r) {
    auto b = SubmitBody::Parse(r.body);
    if (!b.ok()) return b.status().message();
    if (auto why = CheckAttempt(b->attempt); !why.empty()) return why;
    Attempt& a = Cur();
    if (a.status != AttemptStatus::kDraft) return NotDraft();
    auto phase_of = [&](const RecordId& id) {
      auto it = reflections_.find(id);
      return it == reflections_.end() ? std::string() : it->second;
    };
    if (phase_of(b->pre) != "pre")
      return "submit names a pre-reflection this submission does not hold";
    if (phase_of(b->post) != "post")
      return "submit names a post-reflection this submission does not hold";
    std::set<RecordId> named(b->evidence.begin(), b->evidence.end());
    std::vector<EvidenceItem> frozen, left_out;
    for (const auto& e : a.evidence) (named.count(e.id) ? frozen : left_out).push_back(e);
    if (frozen.size() != named.size()) return "submit names evidence this attempt does not hold";
    for (const EvidenceSlot& slot : def_->submission_requirements) {
      bool filled = std::any_of(frozen.begin(), frozen.end(),
                                [&](const EvidenceItem& e) { return e.body.slot == slot.id; });
      if (!filled) return "required evidence slot " + slot.id + " is empty";
    }
    if (auto missing = MissingStudentOutcome(*def_, frozen); !missing.empty()) {
      std::string slots;
      for (const auto& m : missing) slots += (slots.empty() ? "" : ", ") + m;
      return "proof of student outcome missing in slot(s) " + slots +
             ": the definition requires evidence there that shows the effect on students "
             "(student work, results, recordings) and none of it is marked so "
             "(credmesh submission evidence --student-outcome)";
    }
    a.pre = reflection_items_[b->pre];
    a.post = reflection_items_[b->post];
    a.evidence = frozen;
    a.status = AttemptStatus::kSubmitted;
    a.submit_record = r.id;
    a.submitted_hlc = r.hlc;
    for (const auto& e : left_out) {
      if (e.attempt != a.number) continue;  // carried over from an earlier attempt: not an ignore
      s_.ignored.push_back({e.id, kSubmissionEvidenceKind, e.hlc,
                            "not included when attempt " + std::to_string(a.number) +
                                " was submitted (written concurrently with the submit)",
                            s_.open.educator, LostTo{r.id, kSubmissionSubmitKind}});
    }
    return "";
  }

  std::string Withdraw(const DomainRecord& r) {
    auto b = AttemptBody::Parse(r.body);
    if (!b.ok()) return b.status().message();
    if (auto why = CheckAttempt(b->attempt); !why.empty()) return why;
    Attempt& a = Cur();
    if (a.status == AttemptStatus::kAwarded) {
      LoseTo(*a.deciding_review, kReviewAddKind);
      return "attempt was already awarded; it cannot be withdrawn";
    }
    if (a.status == AttemptStatus::kWithdrawn) {
      LoseTo(*a.withdraw_record, kSubmissionWithdrawKind);
      return "already withdrawn";
    }
    a.status = AttemptStatus::kWithdrawn;
    a.withdraw_record = r.id;
    a.closed_hlc = r.hlc;
    return "";
  }

  std::string Resubmit(const DomainRecord& r) {
    auto b = ResubmitBody::Parse(r.body);
    if (!b.ok()) return b.status().message();
    if (auto why = CheckAttempt(b->previous); !why.empty()) return why;
    const Attempt& prev = Cur();
    if (prev.status != AttemptStatus::kNotYet) {
      // An award decided concurrently (awarded wins) or a withdraw overtook it.
      if (prev.status == AttemptStatus::kAwarded) LoseTo(*prev.deciding_review, kReviewAddKind);
      if (prev.withdraw_record) LoseTo(*prev.withdraw_record, kSubmissionWithdrawKind);
      return "only an attempt decided not yet can be resubmitted (attempt " +
             std::to_string(prev.number) + " is " + std::string(AttemptStatusName(prev.status)) +
             ")";
    }
    Attempt next;
    next.number = prev.number + 1;
    next.started_hlc = r.hlc;
    next.started_record = r.id;
    next.pre = prev.pre;  // carried over; the educator may rewrite them
    next.post = prev.post;
    next.evidence = prev.evidence;
    s_.attempts.push_back(next);
    return "";
  }

  std::string Review(const DomainRecord& r) {
    auto b = ReviewBody::Parse(r.body);
    if (!b.ok()) return b.status().message();
    if (auto why = CheckAttempt(b->attempt); !why.empty()) return why;
    Attempt& a = Cur();
    if (a.status == AttemptStatus::kDraft)
      return "attempt " + std::to_string(a.number) + " is a draft, not submitted";
    if (a.status == AttemptStatus::kWithdrawn) {
      LoseTo(*a.withdraw_record, kSubmissionWithdrawKind);
      return "attempt " + std::to_string(a.number) + " was withdrawn";
    }
    if (r.author == s_.open.educator) return "an educator cannot review their own submission";
    auto judged = def_->rubric.Judge(b->levels);
    if (!judged.ok()) return judged.status().message();
    if (b->decision == kDecisionAwarded && !judged->passed) {
      std::string unmet;
      for (const auto& u : judged->unmet) unmet += (unmet.empty() ? "" : "; ") + u;
      return "decision awarded but the rubric's passing rule is not met: " + unmet;
    }
    ReviewItem item{r.id, r.hlc, r.author, *b, judged->total, judged->passed};
    a.reviews.push_back(item);
    // Awarded wins: the first awarded review decides; until one exists the
    // latest not-yet review does.
    if (b->decision == kDecisionAwarded) {
      if (a.status != AttemptStatus::kAwarded) {
        a.status = AttemptStatus::kAwarded;
        a.deciding_review = r.id;
        a.closed_hlc = r.hlc;
      }
    } else if (a.status != AttemptStatus::kAwarded) {
      a.status = AttemptStatus::kNotYet;
      a.deciding_review = r.id;
      a.closed_hlc = r.hlc;
    }
    return "";
  }

  SubmissionState& s_;
  CatalogView& catalog_;
  const CredentialDefinition* def_ = nullptr;
  std::optional<LostTo> lost_to_;                // what the step being applied lost to, if anything
  std::map<RecordId, std::string> reflections_;  // every reflection seen -> phase
  std::map<RecordId, ReflectionItem> reflection_items_;
};

}  // namespace

SubmissionState ComputeSubmission(const std::string& id, std::vector<DomainRecord> records,
                                  CatalogView& catalog) {
  std::sort(records.begin(), records.end(), ReplayOrder);
  SubmissionState s;
  s.id = id;
  Replay replay(s, catalog);
  for (const auto& r : records) replay.Step(r);
  std::sort(s.ignored.begin(), s.ignored.end(), [](const IgnoredRecord& a, const IgnoredRecord& b) {
    return a.hlc != b.hlc ? a.hlc < b.hlc : a.id < b.id;
  });
  return s;
}

}  // namespace credmesh
