// catalog_model.h: the district catalog as value types — credential
// definitions (with evidence slots, rubric and passing rule) and stacks — with
// the strict JSON file format of docs/catalog-format.md. The record bodies
// that get signed and synced are in catalog_bodies.h; the strict JSON reader
// is strict_json.h.
//
// Everything here is a pure function of its arguments: no I/O, no clock, no
// exceptions escape. Types are thread-compatible (const use from many threads
// is safe).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "node/credentials/strict_json.h"
#include "protocol/status.h"
#include "protocol/value.h"

namespace credmesh {

// The value of a catalog file's "format" field.
inline constexpr std::string_view kCatalogFormat = "credmesh-catalog/1";

// Limits enforced by the parsers (docs/catalog-format.md §6). Text lengths
// count Unicode code points; URLs count bytes (ASCII only).
struct CatalogLimits {
  static constexpr size_t kMaxCatalogBytes = 8 * 1024 * 1024;
  static constexpr size_t kMaxJsonDepth = kMaxStrictJsonDepth;   // ParseStrictJson
  static constexpr size_t kMaxDefinitionBodyBytes = 128 * 1024;  // encoded body
  static constexpr size_t kMaxDefinitions = 500;
  static constexpr size_t kMaxStacks = 100;
  static constexpr size_t kMaxIdChars = 64;  // every slug id, and district
  static constexpr size_t kMaxTagChars = 40;
  static constexpr int kMaxVersion = 1'000'000;
  static constexpr size_t kMaxTitleChars = 120;  // also issuer name
  static constexpr size_t kMaxCitationChars = 500;
  static constexpr size_t kMaxCompetencyChars = 1000;
  static constexpr size_t kMaxSummaryChars = 1000;
  static constexpr size_t kMaxDescriptorChars = 1000;
  static constexpr size_t kMaxProseChars = 2000;  // key_method, descriptions, what_counts
  static constexpr size_t kMaxUrlBytes = 500;
  static constexpr size_t kMaxComponents = 12;
  static constexpr size_t kMaxResearch = 12;
  static constexpr size_t kMaxResources = 20;
  static constexpr size_t kMaxSlots = 8;
  static constexpr size_t kMaxCriteria = 10;
  static constexpr size_t kMinLevels = 2;
  static constexpr size_t kMaxLevels = 6;
  static constexpr int kMaxLevelScore = 100;
  static constexpr int kMaxFilesPerSlot = 20;
  static constexpr size_t kMaxTagsPerList = 10;
  static constexpr int kMaxEstimatedHours = 200;
  static constexpr size_t kMinStackDefinitions = 2;
  static constexpr size_t kMaxStackDefinitions = 20;
};

// One step of the key method. JSON accepts a bare string (title only).
struct MethodComponent {
  std::string title;
  std::string description;  // empty = absent
  bool operator==(const MethodComponent&) const = default;
};

struct ResearchCitation {
  std::string citation;  // full reference, APA-like
  std::string summary;   // empty = absent
  std::string url;       // empty = absent; http(s)
  bool operator==(const ResearchCitation&) const = default;
};

struct Resource {
  std::string title;
  std::string url;          // empty = absent; http(s)
  std::string description;  // empty = absent
  bool operator==(const Resource&) const = default;
};

// A named piece of evidence the earner must submit. Every slot is required.
struct EvidenceSlot {
  std::string id;  // slug, unique within the definition
  std::string title;
  std::string what_counts;  // what counts as evidence for this slot
  bool proof_of_student_outcome_required = false;
  bool accepts_text = false;  // at least one of accepts_text/accepts_file
  bool accepts_file = false;
  std::optional<int> max_files;  // only when accepts_file; absent = kMaxFilesPerSlot
  bool operator==(const EvidenceSlot&) const = default;
};

struct RubricLevel {
  std::string id;  // slug, unique within the rubric
  std::string title;
  int score = 0;  // 0..kMaxLevelScore; strictly increasing along Rubric::levels
  bool operator==(const RubricLevel&) const = default;
};

struct RubricCriterion {
  std::string id;  // slug, unique within the rubric
  std::string title;
  std::string slot;  // evidence slot id it applies to; empty = whole submission
  std::map<std::string, std::string> descriptors;  // level id -> descriptor, one per level
  bool operator==(const RubricCriterion&) const = default;
};

// The rule that decides whether per-criterion scores pass. A conjunction of
// the clauses that are present (docs/catalog-format.md §4):
//   min_level_score_each   every criterion scores >= N
//   min_total              the sum of all criterion scores >= N
//   min_level_score_for    criterion c scores >= N, for each listed c
//   min_count_at_or_above  at least `count` criteria score >= `score`
// A valid rule has at least one clause.
struct PassingRule {
  struct CountAtOrAbove {
    int score = 0;
    int count = 0;
    bool operator==(const CountAtOrAbove&) const = default;
  };
  std::optional<int> min_level_score_each;
  std::optional<int> min_total;
  std::map<std::string, int> min_level_score_for;  // criterion id -> min score
  std::optional<CountAtOrAbove> min_count_at_or_above;

  // True iff every present clause holds. False when `scores` (the level score
  // by criterion id) is empty or the rule has no clause (fail safe).
  // REQUIRES: the map holds exactly one score per criterion of the rubric
  // (Rubric::ScoresFor builds it); otherwise "each" and "count" clauses only
  // see the criteria present.
  bool Passes(const std::map<std::string, int>& scores) const;
  // The clauses not met, one human-readable line each, for reviewer feedback;
  // empty iff Passes() would return true.
  std::vector<std::string> Unmet(const std::map<std::string, int>& scores) const;
  bool HasClause() const;

  bool operator==(const PassingRule&) const = default;
};

// The outcome of applying a rubric to one reviewer's level choices.
struct RubricJudgement {
  std::map<std::string, int> score_by_criterion;
  int total = 0;
  bool passed = false;
  std::vector<std::string> unmet;  // PassingRule::Unmet; empty iff passed
};

struct Rubric {
  std::vector<RubricLevel> levels;  // lowest first
  std::vector<RubricCriterion> criteria;
  PassingRule passing_rule;

  const RubricLevel* FindLevel(std::string_view id) const;          // nullptr if none
  const RubricCriterion* FindCriterion(std::string_view id) const;  // nullptr if none

  // Checks that `level_by_criterion` (criterion id -> level id) names exactly
  // one existing level for every criterion and nothing else, and returns the
  // scores. InvalidArgument, e.g. `criterion "x": no level chosen`,
  // `criterion "x": no level "y" (levels: a, b, c)`, `criterion "z": not in this rubric`.
  Result<std::map<std::string, int>> ScoresFor(
      const std::map<std::string, std::string>& level_by_criterion) const;
  // ScoresFor(...).status(): is this a complete and valid set of choices?
  Status CheckLevelChoices(const std::map<std::string, std::string>& level_by_criterion) const;
  // ScoresFor, then the passing rule.
  Result<RubricJudgement> Judge(const std::map<std::string, std::string>& level_by_criterion) const;

  bool operator==(const Rubric&) const = default;
};

struct Issuer {
  std::string name;
  std::string url;  // empty = absent
  bool operator==(const Issuer&) const = default;
};

// Tag lists keep their order; no duplicates. grade_band entries come from
// pre-k, k-2, 3-5, 6-8, 9-12, adult.
struct CatalogTags {
  std::vector<std::string> subject;
  std::vector<std::string> grade_band;
  std::vector<std::string> topics;
  bool operator==(const CatalogTags&) const = default;
};

struct CredentialDefinition {
  std::string id;   // stable slug across versions
  int version = 1;  // 1..kMaxVersion; an edit is a new version
  std::string title;
  std::string competency;
  std::string key_method;
  std::vector<MethodComponent> method_components;
  std::vector<ResearchCitation> supporting_research;
  std::vector<Resource> resources;
  std::vector<EvidenceSlot> submission_requirements;
  Rubric rubric;
  Issuer issuer;
  CatalogTags tags;
  std::optional<int> estimated_hours;
  bool retired = false;

  const EvidenceSlot* FindSlot(std::string_view id) const;  // nullptr if none
  bool operator==(const CredentialDefinition&) const = default;
};

// A reference from a stack to a definition. Unpinned: an award of any version
// counts; pinned: only an award of exactly that version.
struct StackEntry {
  std::string definition_id;
  std::optional<int> version;
  bool operator==(const StackEntry&) const = default;
};

struct CompletionRule {
  enum class Kind { kAll, kAtLeast };
  Kind kind = Kind::kAll;
  int count = 0;  // kAtLeast only: 1..number of entries
  bool operator==(const CompletionRule&) const = default;
};

struct Stack {
  std::string id;
  int version = 1;
  std::string title;
  std::string description;
  std::vector<StackEntry> definitions;
  CompletionRule completion_rule;
  bool retired = false;

  // Number of entries that must be satisfied.
  int RequiredCount() const;
  // True iff the awards in `earned` ((definition id, version) pairs)
  // satisfy at least RequiredCount() entries.
  bool IsCompletedBy(const std::vector<std::pair<std::string, int>>& earned) const;

  bool operator==(const Stack&) const = default;
};

struct Catalog {
  std::string district;  // slug, the <d> of the district/<d> scope
  std::vector<CredentialDefinition> definitions;
  std::vector<Stack> stacks;

  const CredentialDefinition* FindDefinition(std::string_view id) const;  // nullptr if none
  const Stack* FindStack(std::string_view id) const;                      // nullptr if none
  bool operator==(const Catalog&) const = default;
};

// Parses and validates a catalog file. On failure returns InvalidArgument
// (ResourceExhausted for a file over kMaxCatalogBytes) naming the first
// problem with its JSON path, e.g.
//   "definitions[2].rubric.criteria[0].id: required".
Result<Catalog> ParseCatalogJson(std::string_view text);

// Pretty JSON (2-space indent, trailing newline) in the documented field
// order; each definition and stack is its record body rendered as JSON.
// ParseCatalogJson(CatalogToJson(c)) == c for every valid c.
// REQUIRES: ValidateCatalog(c).ok(); otherwise the output may not re-parse.
std::string CatalogToJson(const Catalog& catalog);
// Same rendering for one definition or stack (for `catalog show`).
std::string DefinitionToJson(const CredentialDefinition& definition);
std::string StackToJson(const Stack& stack);

// All rules of ParseCatalogJson, applied to an in-memory catalog (e.g. one
// assembled from stored records).
Status ValidateCatalog(const Catalog& catalog);
// Per-definition / per-stack rules only (a stack's references to definitions
// are checked at catalog level).
Status ValidateDefinition(const CredentialDefinition& definition);
Status ValidateStack(const Stack& stack);

}  // namespace credmesh
