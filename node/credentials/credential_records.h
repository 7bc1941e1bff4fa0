// credential_records.h: the record kinds of the micro-credential domain and
// their bodies (keys and record ids as lower-case hex, like trust records).
// Layouts (docs/merge-rules.md has the rules that combine them):
//
//   scope district/<d>, entity "definition:<id>" or "stack:<id>"
//     catalog.definition   DefinitionToBody (catalog_bodies.h)
//     catalog.stack        StackToBody
//     catalog.retire       {retired: bool}
//   scope school/<s>, entity = submission id ("sub-<hex>")
//     submission.open        {definition, version, educator, district}
//     submission.reflection  {attempt, phase: pre|post, text}
//     submission.evidence    {attempt, slot, text[, student_outcome]}
//                            | {attempt, slot, file: {name, type, size, hash[, chunk_size,
//                            chunks]}[, student_outcome]}
//     submission.submit      {attempt, evidence: [record id...], pre, post}
//     submission.withdraw    {attempt}
//     submission.resubmit    {attempt, previous}   (attempt = previous + 1)
//     review.add             {attempt, levels: {criterion: level}, feedback,
//                             decision: awarded|not_yet}
//   scope public/<d>, entity "award:<submission id>"
//     award.issue        {submission, attempt, review, definition, version, educator, school,
//                         frozen?: {definition_record, title, district_name, levels}}
//     award.revoke       {issue, reason}
//     award.recognition  {issue, ceu_hundredths, issuer, note}
//   scope public/<d>, entity "award:stack:<stack id>:v<version>:<educator key, 16 hex>"
//     award.stack        {stack, version, educator, parts: [{award, issue}...],
//                         frozen: {stack_record, title, description, district_name}}
//     award.revoke       {issue, reason}
//
// Parse* check shape only (types, required keys, sizes); domain rules live in
// submission_state.h and award_state.h. Pure functions, no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/status.h"
#include "protocol/value.h"

namespace credmesh {

inline constexpr char kCatalogDefinitionKind[] = "catalog.definition";
inline constexpr char kCatalogStackKind[] = "catalog.stack";
inline constexpr char kCatalogRetireKind[] = "catalog.retire";
inline constexpr char kSubmissionOpenKind[] = "submission.open";
inline constexpr char kSubmissionReflectionKind[] = "submission.reflection";
inline constexpr char kSubmissionEvidenceKind[] = "submission.evidence";
inline constexpr char kSubmissionSubmitKind[] = "submission.submit";
inline constexpr char kSubmissionWithdrawKind[] = "submission.withdraw";
inline constexpr char kSubmissionResubmitKind[] = "submission.resubmit";
inline constexpr char kReviewAddKind[] = "review.add";
inline constexpr char kAwardIssueKind[] = "award.issue";
inline constexpr char kAwardRevokeKind[] = "award.revoke";
inline constexpr char kAwardRecognitionKind[] = "award.recognition";
// An issued stack: the stacked credential earned by completing a stack's
// parts (docs/merge-rules.md §3b).
inline constexpr char kAwardStackKind[] = "award.stack";
// Purges an evidence file's bytes (privacy request; docs/files.md §7).
inline constexpr char kEvidencePurgeKind[] = "evidence.purge";

// Maximum length of free text fields (reflections, evidence text, feedback).
inline constexpr size_t kMaxCredentialText = 64 * 1024;

// Entities.
std::string DefinitionEntity(const std::string& id);        // "definition:<id>"
std::string StackEntity(const std::string& id);             // "stack:<id>"
std::string AwardEntity(const std::string& submission_id);  // "award:<id>"
// The submission id of an award entity; nullopt if `entity` is not one
// (a stack award's entity is not).
std::optional<std::string> SubmissionOfAward(const std::string& entity);
// "award:stack:<stack id>:v<version>:<first 16 hex digits of the educator's
// key>": one stack award per (stack version, educator key), so two issuers
// awarding the same stack concurrently write to one entity and the first wins.
std::string StackAwardEntity(const std::string& stack, int64_t version, const PublicKey& educator);
// True for an entity of the form StackAwardEntity makes ("award:stack:...").
bool IsStackAwardEntity(const std::string& entity);
// The definition id of "definition:<id>"; nullopt otherwise.
std::optional<std::string> DefinitionOfEntity(const std::string& entity);
// "sub-" + 16 random hex digits.
std::string NewSubmissionId();
// "file:<64 hex digits>": the entity of the purge records of one file.
std::string PurgeEntity(const Hash256& file);

struct OpenBody {
  std::string definition;
  int64_t version = 0;
  PublicKey educator;
  std::string district;
  Value ToValue() const;
  static Result<OpenBody> Parse(const Value& body);
};

struct ReflectionBody {
  int64_t attempt = 1;
  std::string phase;  // pre | post
  std::string text;
  Value ToValue() const;
  static Result<ReflectionBody> Parse(const Value& body);
};

// A file attached as evidence. Records since the chunk store (docs/files.md)
// also carry the file's manifest: its bytes are in `chunks`, each the
// BLAKE2b-256 of `chunk_size` bytes of content (the last one shorter).
// Older records carry only the description (chunk_size 0, no chunks): their
// bytes were never recorded.
struct EvidenceFile {
  std::string name;
  std::string type;  // media type, e.g. application/pdf
  int64_t size = 0;
  Hash256 hash;                 // BLAKE2b-256 of the content
  int64_t chunk_size = 0;       // 0: no manifest
  std::vector<Hash256> chunks;  // in file order
  bool has_manifest() const { return chunk_size > 0; }
  bool operator==(const EvidenceFile&) const = default;
};

struct EvidenceBody {
  int64_t attempt = 1;
  std::string slot;
  std::optional<std::string> text;  // exactly one of text / file
  std::optional<EvidenceFile> file;
  // The educator's declaration that the item shows the effect on students
  // (student work, results, recordings; docs/merge-rules.md §2). The CLI
  // always writes it; records from before it existed carry none (nullopt).
  std::optional<bool> student_outcome;
  // True unless the record explicitly says false (legacy records count).
  bool CountsAsStudentOutcome() const { return student_outcome.value_or(true); }
  Value ToValue() const;
  static Result<EvidenceBody> Parse(const Value& body);
};

// evidence.purge: the bytes of the evidence files of this hash, in the
// record's scope, are to be deleted on every node and never stored again;
// the evidence records stay, as tombstones (docs/files.md §7).
struct PurgeBody {
  Hash256 file;        // the whole-file hash of the evidence (EvidenceFile::hash)
  std::string reason;  // why: shown with the tombstone; 1..kMaxPurgeReason bytes
  static constexpr size_t kMaxPurgeReason = 1000;
  Value ToValue() const;
  static Result<PurgeBody> Parse(const Value& body);
};

struct SubmitBody {
  int64_t attempt = 1;
  std::vector<RecordId> evidence;  // the evidence records frozen in the attempt
  RecordId pre, post;              // the reflection records frozen in it
  Value ToValue() const;
  static Result<SubmitBody> Parse(const Value& body);
};

struct AttemptBody {  // submission.withdraw
  int64_t attempt = 1;
  Value ToValue() const;
  static Result<AttemptBody> Parse(const Value& body);
};

struct ResubmitBody {
  int64_t attempt = 2;
  int64_t previous = 1;
  Value ToValue() const;
  static Result<ResubmitBody> Parse(const Value& body);
};

inline constexpr char kDecisionAwarded[] = "awarded";
inline constexpr char kDecisionNotYet[] = "not_yet";

struct ReviewBody {
  int64_t attempt = 1;
  std::map<std::string, std::string> levels;  // criterion id -> level id
  std::string feedback;
  std::string decision;  // awarded | not_yet
  Value ToValue() const;
  static Result<ReviewBody> Parse(const Value& body);
};

// What an award meant when it was issued: the exact catalog.definition record
// of the awarded version (whose content gives the description, criteria and
// rubric), its title, the district's name and the levels of the deciding
// review. Written by every issuer since issue 14; older awards lack it.
struct AwardSnapshot {
  RecordId definition_record;
  std::string title;
  std::string district_name;
  std::map<std::string, std::string> levels;  // criterion id -> level id
  bool operator==(const AwardSnapshot&) const = default;
};

struct AwardIssueBody {
  std::string submission;
  int64_t attempt = 1;
  RecordId review;
  std::string definition;
  int64_t version = 0;
  PublicKey educator;
  std::string school;  // the submission's scope, "school/<s>"
  std::optional<AwardSnapshot> frozen;
  Value ToValue() const;
  static Result<AwardIssueBody> Parse(const Value& body);
};

// One part a stack award rests on: an award (entity "award:<submission>")
// and the award.issue record that made it.
struct StackAwardPart {
  std::string award;
  RecordId issue;
  bool operator==(const StackAwardPart&) const = default;
};

// What an issued stack meant when it was issued: the exact catalog.stack
// record of the awarded version (its entries and completion rule are the
// criteria), its title and description, and the district's name.
struct StackSnapshot {
  RecordId stack_record;
  std::string title;
  std::string description;
  std::string district_name;
  bool operator==(const StackSnapshot&) const = default;
};

struct StackAwardBody {
  std::string stack;  // stack id
  int64_t version = 0;
  PublicKey educator;
  std::vector<StackAwardPart> parts;  // 1..kMaxStackParts, distinct awards
  StackSnapshot frozen;
  static constexpr size_t kMaxStackParts = 20;
  Value ToValue() const;
  static Result<StackAwardBody> Parse(const Value& body);
};

struct AwardRevokeBody {
  RecordId issue;
  std::string reason;
  Value ToValue() const;
  static Result<AwardRevokeBody> Parse(const Value& body);
};

struct RecognitionBody {
  RecordId issue;
  int64_t ceu_hundredths = 0;  // 150 = 1.5 continuing-education units
  std::string issuer;          // who grants the recognition, e.g. the district
  std::string note;
  Value ToValue() const;
  static Result<RecognitionBody> Parse(const Value& body);
};

struct RetireBody {
  bool retired = true;
  Value ToValue() const;
  static Result<RetireBody> Parse(const Value& body);
};

}  // namespace credmesh
