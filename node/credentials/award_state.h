// award_state.h: the state of one award (entity "award:<submission id>",
// scope public/<d>) as a pure function of its valid award.* records and, when
// this node holds it, the submission's state. See docs/merge-rules.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "node/credentials/credential_records.h"
#include "node/credentials/revocation.h"
#include "node/credentials/submission_state.h"

namespace credmesh {

struct RecognitionItem {
  RecordId id;
  uint64_t hlc = 0;
  PublicKey author;
  RecognitionBody body;
};

struct AwardState {
  std::string id;  // award:<submission id>
  std::string submission;
  bool issued = false;  // a valid award.issue exists
  // True when this node holds the submission and checked the award against
  // it; false when the submission lives in another school's scope.
  bool verified_locally = false;
  std::string scope;  // public/<d>
  AwardIssueBody issue;
  RecordId issue_record;
  uint64_t issued_hlc = 0;
  PublicKey issuer;
  Revocation revocation;
  std::vector<RecognitionItem> recognitions;  // append-only; void once revoked
  std::vector<IgnoredRecord> ignored;

  std::string Status() const {
    return !issued ? "none" : revocation.revoked ? "revoked" : "active";
  }
  // Sum of recognitions' CEU, in hundredths; 0 when revoked.
  int64_t ActiveCeuHundredths() const;
};

// `submission` is the submission's state when this node holds its open
// record, else nullptr.
AwardState ComputeAward(const std::string& award_entity, std::vector<DomainRecord> records,
                        const SubmissionState* submission);

}  // namespace credmesh
