// lifecycle_steps.h: the body of the next step an educator or issuer signs,
// as a function of the submission's current state (submission_state.h): what
// `submission submit` freezes, what `award issue` certifies. Pure functions;
// a step the state does not allow is FailedPrecondition, with a message for
// the person who asked. The merge rules (docs/merge-rules.md) still decide,
// at ingest, whether the signed record takes effect.
#pragma once

#include <cstdint>
#include <string>

#include "node/credentials/credential_records.h"
#include "node/credentials/submission_state.h"
#include "protocol/status.h"

namespace credmesh {

// The number of the current (last) attempt, which reflection, evidence,
// withdraw and review records name. FailedPrecondition if there is none.
Result<int64_t> CurrentAttemptNumber(const SubmissionState& s);

// Submits the current attempt, freezing its evidence and its pre- and
// post-reflection. Refused unless the attempt is a draft with both
// reflections written.
Result<SubmitBody> NextSubmit(const SubmissionState& s);

// Starts the attempt after the current one.
Result<ResubmitBody> NextResubmit(const SubmissionState& s);

// Awards the current attempt on its deciding review. Refused unless the
// attempt was decided "awarded".
Result<AwardIssueBody> NextAwardIssue(const SubmissionState& s);
// The scope award records of `s` are written to: "public/<district>".
std::string AwardScope(const SubmissionState& s);

}  // namespace credmesh
