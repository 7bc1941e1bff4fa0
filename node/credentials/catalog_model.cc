#include "node/credentials/catalog_model.h"

#include <algorithm>
#include <array>
#include <exception>
#include <nlohmann/json.hpp>
#include <set>

#include "node/credentials/catalog_bodies.h"
#include "node/credentials/catalog_parse_util.h"
#include "node/credentials/strict_json.h"
#include "protocol/field_reader.h"

namespace credmesh {
namespace {

using Map = Value::Map;
using Array = Value::Array;
using L = CatalogLimits;

// ---------------------------------------------------------------------------
// Paths and errors

using catalog_internal::At;
using catalog_internal::Err;
using catalog_internal::ParseDefinition;
using catalog_internal::ParseStack;
using catalog_internal::Sel;

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// ---------------------------------------------------------------------------
// Scalar checks

struct TextSpec {
  size_t max_chars;
  bool multiline;  // allows \n and \t inside
};
constexpr TextSpec kTitleText{L::kMaxTitleChars, false};
constexpr TextSpec kCitationText{L::kMaxCitationChars, false};
constexpr TextSpec kCompetencyText{L::kMaxCompetencyChars, true};
constexpr TextSpec kSummaryText{L::kMaxSummaryChars, true};
constexpr TextSpec kDescriptorText{L::kMaxDescriptorChars, true};
constexpr TextSpec kProseText{L::kMaxProseChars, true};

size_t CodePoints(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<uint8_t>(c) & 0xC0) != 0x80; }));
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

Status CheckText(const Value& v, const std::string& path, TextSpec spec, std::string* out) {
  if (!v.is_string()) return Err(path, "must be a string");
  const std::string& s = v.as_string();
  if (!IsValidUtf8(s)) return Err(path, "is not valid UTF-8");
  if (s.empty()) return Err(path, "must not be empty");
  if (IsSpace(s.front()) || IsSpace(s.back())) {
    return Err(path, "must not begin or end with whitespace");
  }
  for (char ch : s) {
    auto c = static_cast<uint8_t>(ch);
    bool control = c < 0x20 || c == 0x7F;
    if (control && !(spec.multiline && (ch == '\n' || ch == '\t'))) {
      return Err(path, spec.multiline
                           ? "must not contain control characters other than newline and tab"
                           : "must be a single line without control characters");
    }
  }
  size_t n = CodePoints(s);
  if (n > spec.max_chars) {
    return Err(path, "too long (" + std::to_string(n) + " characters, max " +
                         std::to_string(spec.max_chars) + ")");
  }
  *out = s;
  return Status::Ok();
}

bool IsSlug(std::string_view s) {
  if (s.empty() || s.front() == '-' || s.back() == '-') return false;
  char prev = 0;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || (c == '-' && prev == '-')) return false;
    prev = c;
  }
  return true;
}

Status CheckSlug(const Value& v, const std::string& path, size_t max, std::string* out) {
  if (!v.is_string()) return Err(path, "must be a string");
  const std::string& s = v.as_string();
  if (s.empty()) return Err(path, "must not be empty");
  if (s.size() > max) {
    return Err(path, "too long (" + std::to_string(s.size()) + " characters, max " +
                         std::to_string(max) + ")");
  }
  if (!IsSlug(s)) {
    return Err(path, Quote(s) + " is not a slug (a-z, 0-9 and single inner hyphens)");
  }
  *out = s;
  return Status::Ok();
}

Status CheckUrl(const Value& v, const std::string& path, std::string* out) {
  if (!v.is_string()) return Err(path, "must be a string");
  const std::string& s = v.as_string();
  if (s.size() > L::kMaxUrlBytes) {
    return Err(path, "too long (" + std::to_string(s.size()) + " bytes, max " +
                         std::to_string(L::kMaxUrlBytes) + ")");
  }
  bool printable = std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7E; });
  size_t scheme = s.rfind("https://", 0) == 0 ? 8 : s.rfind("http://", 0) == 0 ? 7 : 0;
  if (!printable || scheme == 0 || s.size() == scheme || s[scheme] == '/') {
    return Err(path, "must be an http:// or https:// URL of printable ASCII without spaces");
  }
  *out = s;
  return Status::Ok();
}

Status CheckInt(const Value& v, const std::string& path, int64_t min, int64_t max, int* out) {
  if (!v.is_int()) return Err(path, "must be an integer");
  int64_t n = v.as_int();
  if (n < min || n > max) {
    return Err(path, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                         " (got " + std::to_string(n) + ")");
  }
  *out = static_cast<int>(n);
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Object reader: a map with a closed set of keys (protocol/field_reader.h).

// The catalog's messages for a problem with a field of the object at `path`.
DescribeProblem CatalogDescriber(const std::string& path) {
  return [path](const FieldProblem& p) {
    using K = FieldProblem::Kind;
    const std::string at = p.key.empty() ? path : Sel(path, p.key);
    switch (p.kind) {
      case K::kNotAMap:
        return Err(at, "must be an object");
      case K::kUnknownKey:
        return Err(at, "unknown field (allowed: " + JoinList(p.allowed) + ")");
      case K::kMissing:
        return Err(at, "required");
      case K::kWrongType:
        return Err(at, p.expected == FieldType::kBool ? "must be true or false"
                       : p.expected == FieldType::kArray
                           ? "must be a list"
                           : std::string("must be ") + FieldTypeName(*p.expected));
      case K::kOutOfRange:
        return Err(at, "must be between " + std::to_string(p.min) + " and " +
                           std::to_string(p.max) + " (got " + std::to_string(p.actual) + ")");
      case K::kTooFew:
        return Err(at, "must have at least " + std::to_string(p.min) +
                           (p.min == 1 ? " entry" : " entries"));
      case K::kTooMany:
        return Err(at, "too many entries (" + std::to_string(p.actual) + ", max " +
                           std::to_string(p.max) + ")");
      default:
        return Err(at, "invalid");
    }
  };
}

class Fields {
 public:
  static Result<Fields> Open(const Value& v, const std::string& path,
                             std::initializer_list<std::string_view> allowed) {
    CREDMESH_ASSIGN_OR_RETURN(
        FieldReader reader,
        FieldReader::Open(v, KeyPolicy::kClosed,
                          std::vector<std::string>(allowed.begin(), allowed.end()),
                          CatalogDescriber(path)));
    return Fields(std::move(reader), path);
  }

  const std::string& path() const { return path_; }
  std::string PathOf(std::string_view key) const { return Sel(path_, key); }
  const Value* Find(std::string_view key) const { return reader_.Find(std::string(key)); }
  bool Has(std::string_view key) const { return Find(key) != nullptr; }

  Status Text(std::string_view key, TextSpec spec, std::string* out) const {
    CREDMESH_ASSIGN_OR_RETURN(const Value* v, reader_.Get(std::string(key)));
    return CheckText(*v, PathOf(key), spec, out);
  }
  Status OptText(std::string_view key, TextSpec spec, std::string* out) const {
    const Value* v = Find(key);
    out->clear();
    return v ? CheckText(*v, PathOf(key), spec, out) : Status::Ok();
  }
  Status Slug(std::string_view key, size_t max, std::string* out) const {
    CREDMESH_ASSIGN_OR_RETURN(const Value* v, reader_.Get(std::string(key)));
    return CheckSlug(*v, PathOf(key), max, out);
  }
  Status OptSlug(std::string_view key, size_t max, std::string* out) const {
    const Value* v = Find(key);
    out->clear();
    return v ? CheckSlug(*v, PathOf(key), max, out) : Status::Ok();
  }
  Status OptUrl(std::string_view key, std::string* out) const {
    const Value* v = Find(key);
    out->clear();
    return v ? CheckUrl(*v, PathOf(key), out) : Status::Ok();
  }
  // REQUIRES: min..max within int.
  Status Int(std::string_view key, int64_t min, int64_t max, int* out) const {
    CREDMESH_ASSIGN_OR_RETURN(int64_t n, reader_.Int(std::string(key), min, max));
    *out = static_cast<int>(n);
    return Status::Ok();
  }
  Status OptInt(std::string_view key, int64_t min, int64_t max, std::optional<int>* out) const {
    CREDMESH_ASSIGN_OR_RETURN(std::optional<int64_t> n, reader_.OptInt(std::string(key), min, max));
    out->reset();
    if (n) *out = static_cast<int>(*n);
    return Status::Ok();
  }
  Status Bool(std::string_view key, bool* out) const {
    CREDMESH_ASSIGN_OR_RETURN(*out, reader_.Bool(std::string(key)));
    return Status::Ok();
  }
  // Absent means false.
  Status OptBool(std::string_view key, bool* out) const {
    *out = false;
    return Has(key) ? Bool(key, out) : Status::Ok();
  }
  // A list of min..max entries; absent counts as empty (then "required" if min > 0).
  Result<const Array*> List(std::string_view key, size_t min, size_t max) const {
    static const Array kEmpty;
    if (!Has(key) && min == 0) return &kEmpty;
    return reader_.Array(std::string(key), min, max);
  }

 private:
  Fields(FieldReader reader, std::string path)
      : reader_(std::move(reader)), path_(std::move(path)) {}
  FieldReader reader_;
  std::string path_;
};

// Reports the first duplicate in `ids` (one per element of the list at `path`).
Status CheckUnique(const std::vector<std::string>& ids, const std::string& path,
                   std::string_view field, std::string_view what) {
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto [it, inserted] = seen.emplace(ids[i], i);
    if (!inserted) {
      std::string p = field.empty() ? At(path, i) : Sel(At(path, i), field);
      return Err(p, "duplicate " + std::string(what) + " " + Quote(ids[i]) + " (also at [" +
                        std::to_string(it->second) + "])");
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Definition parts

Result<MethodComponent> ParseComponent(const Value& v, const std::string& path) {
  MethodComponent c;
  if (v.is_string()) {  // shorthand: title only
    CREDMESH_RETURN_IF_ERROR(CheckText(v, path, kTitleText, &c.title));
    return c;
  }
  CREDMESH_ASSIGN_OR_RETURN(Fields f, Fields::Open(v, path, {"title", "description"}));
  CREDMESH_RETURN_IF_ERROR(f.Text("title", kTitleText, &c.title));
  CREDMESH_RETURN_IF_ERROR(f.OptText("description", kProseText, &c.description));
  return c;
}

Result<ResearchCitation> ParseResearch(const Value& v, const std::string& path) {
  ResearchCitation r;
  CREDMESH_ASSIGN_OR_RETURN(Fields f, Fields::Open(v, path, {"citation", "summary", "url"}));
  CREDMESH_RETURN_IF_ERROR(f.Text("citation", kCitationText, &r.citation));
  CREDMESH_RETURN_IF_ERROR(f.OptText("summary", kSummaryText, &r.summary));
  CREDMESH_RETURN_IF_ERROR(f.OptUrl("url", &r.url));
  return r;
}

Result<Resource> ParseResource(const Value& v, const std::string& path) {
  Resource r;
  CREDMESH_ASSIGN_OR_RETURN(Fields f, Fields::Open(v, path, {"title", "url", "description"}));
  CREDMESH_RETURN_IF_ERROR(f.Text("title", kTitleText, &r.title));
  CREDMESH_RETURN_IF_ERROR(f.OptUrl("url", &r.url));
  CREDMESH_RETURN_IF_ERROR(f.OptText("description", kProseText, &r.description));
  return r;
}

Result<EvidenceSlot> ParseSlot(const Value& v, const std::string& path) {
  EvidenceSlot s;
  CREDMESH_ASSIGN_OR_RETURN(
      Fields f, Fields::Open(v, path,
                             {"id", "title", "what_counts", "proof_of_student_outcome_required",
                              "accepts", "max_files"}));
  CREDMESH_RETURN_IF_ERROR(f.Slug("id", L::kMaxIdChars, &s.id));
  CREDMESH_RETURN_IF_ERROR(f.Text("title", kTitleText, &s.title));
  CREDMESH_RETURN_IF_ERROR(f.Text("what_counts", kProseText, &s.what_counts));
  CREDMESH_RETURN_IF_ERROR(
      f.Bool("proof_of_student_outcome_required", &s.proof_of_student_outcome_required));
  CREDMESH_ASSIGN_OR_RETURN(const Array* accepts, f.List("accepts", 1, 2));
  for (size_t i = 0; i < accepts->size(); ++i) {
    const Value& a = (*accepts)[i];
    std::string p = At(f.PathOf("accepts"), i);
    bool* flag = nullptr;
    if (a.is_string() && a.as_string() == "text") flag = &s.accepts_text;
    if (a.is_string() && a.as_string() == "file") flag = &s.accepts_file;
    if (!flag) return Err(p, "must be \"text\" or \"file\"");
    if (*flag) return Err(p, "duplicate " + Quote(a.as_string()));
    *flag = true;
  }
  CREDMESH_RETURN_IF_ERROR(f.OptInt("max_files", 1, L::kMaxFilesPerSlot, &s.max_files));
  if (s.max_files && !s.accepts_file) {
    return Err(f.PathOf("max_files"), "only allowed when the slot accepts \"file\"");
  }
  return s;
}

Result<RubricLevel> ParseLevel(const Value& v, const std::string& path) {
  RubricLevel l;
  CREDMESH_ASSIGN_OR_RETURN(Fields f, Fields::Open(v, path, {"id", "title", "score"}));
  CREDMESH_RETURN_IF_ERROR(f.Slug("id", L::kMaxIdChars, &l.id));
  CREDMESH_RETURN_IF_ERROR(f.Text("title", kTitleText, &l.title));
  CREDMESH_RETURN_IF_ERROR(f.Int("score", 0, L::kMaxLevelScore, &l.score));
  return l;
}

std::vector<std::string> LevelIds(const std::vector<RubricLevel>& levels) {
  std::vector<std::string> ids;
  ids.reserve(levels.size());
  for (const auto& l : levels) ids.push_back(l.id);
  return ids;
}

Result<RubricCriterion> ParseCriterion(const Value& v, const std::string& path,
                                       const std::vector<RubricLevel>& levels) {
  RubricCriterion c;
  CREDMESH_ASSIGN_OR_RETURN(Fields f,
                            Fields::Open(v, path, {"id", "title", "slot", "descriptors"}));
  CREDMESH_RETURN_IF_ERROR(f.Slug("id", L::kMaxIdChars, &c.id));
  CREDMESH_RETURN_IF_ERROR(f.Text("title", kTitleText, &c.title));
  CREDMESH_RETURN_IF_ERROR(f.OptSlug("slot", L::kMaxIdChars, &c.slot));
  const Value* d = f.Find("descriptors");
  std::string dpath = f.PathOf("descriptors");
  if (!d) return Err(dpath, "required");
  if (!d->is_map()) return Err(dpath, "must be an object mapping each level id to its descriptor");
  for (const auto& entry : d->as_map()) {
    const std::string& level_id = entry.first;
    bool known = std::any_of(levels.begin(), levels.end(),
                             [&](const RubricLevel& l) { return l.id == level_id; });
    if (!known) {
      return Err(Sel(dpath, level_id),
                 "no such level (levels: " + JoinList(LevelIds(levels)) + ")");
    }
  }
  for (const auto& l : levels) {
    const Value* text = d->Find(l.id);
    if (!text) return Err(Sel(dpath, l.id), "required");
    CREDMESH_RETURN_IF_ERROR(
        CheckText(*text, Sel(dpath, l.id), kDescriptorText, &c.descriptors[l.id]));
  }
  return c;
}

// `score` must be the score of one of the rubric's levels.
Status CheckLevelScore(const Value& v, const std::string& path,
                       const std::vector<RubricLevel>& levels, int* out) {
  CREDMESH_RETURN_IF_ERROR(CheckInt(v, path, 0, L::kMaxLevelScore, out));
  for (const auto& l : levels) {
    if (l.score == *out) return Status::Ok();
  }
  std::vector<std::string> scores;
  scores.reserve(levels.size());
  for (const auto& l : levels) scores.push_back(std::to_string(l.score));
  return Err(path, "must be the score of one of the rubric's levels (" + JoinList(scores) + ")");
}

Result<PassingRule> ParsePassingRule(const Value& v, const std::string& path,
                                     const Rubric& rubric) {
  PassingRule r;
  const auto& levels = rubric.levels;
  const auto& criteria = rubric.criteria;
  CREDMESH_ASSIGN_OR_RETURN(
      Fields f, Fields::Open(v, path,
                             {"min_level_score_each", "min_total", "min_level_score_for",
                              "min_count_at_or_above"}));
  if (const Value* e = f.Find("min_level_score_each")) {
    int n = 0;
    CREDMESH_RETURN_IF_ERROR(CheckLevelScore(*e, f.PathOf("min_level_score_each"), levels, &n));
    r.min_level_score_each = n;
  }
  int64_t max_total = static_cast<int64_t>(criteria.size()) * levels.back().score;
  CREDMESH_RETURN_IF_ERROR(f.OptInt("min_total", 1, std::max<int64_t>(max_total, 1), &r.min_total));
  if (const Value* m = f.Find("min_level_score_for")) {
    std::string mpath = f.PathOf("min_level_score_for");
    if (!m->is_map()) return Err(mpath, "must be an object mapping criterion ids to scores");
    if (m->as_map().empty()) return Err(mpath, "must not be empty (omit it instead)");
    for (const auto& [cid, score] : m->as_map()) {
      if (!rubric.FindCriterion(cid)) return Err(Sel(mpath, cid), "no such criterion");
      CREDMESH_RETURN_IF_ERROR(
          CheckLevelScore(score, Sel(mpath, cid), levels, &r.min_level_score_for[cid]));
    }
  }
  if (const Value* c = f.Find("min_count_at_or_above")) {
    std::string cpath = f.PathOf("min_count_at_or_above");
    CREDMESH_ASSIGN_OR_RETURN(Fields cf, Fields::Open(*c, cpath, {"score", "count"}));
    PassingRule::CountAtOrAbove clause;
    const Value* score = cf.Find("score");
    if (!score) return Err(cf.PathOf("score"), "required");
    CREDMESH_RETURN_IF_ERROR(CheckLevelScore(*score, cf.PathOf("score"), levels, &clause.score));
    CREDMESH_RETURN_IF_ERROR(
        cf.Int("count", 1, static_cast<int64_t>(criteria.size()), &clause.count));
    r.min_count_at_or_above = clause;
  }
  if (!r.HasClause()) {
    return Err(path,
               "needs at least one of min_level_score_each, min_total, "
               "min_level_score_for, min_count_at_or_above");
  }
  // The rule is monotone in the scores, so checking the two extremes proves
  // it can be met and that it can fail.
  std::map<std::string, int> top, bottom;
  for (const auto& c : criteria) {
    top[c.id] = levels.back().score;
    bottom[c.id] = levels.front().score;
  }
  if (!r.Passes(top))
    return Err(path, "can never pass, even with every criterion at the top level");
  if (r.Passes(bottom)) return Err(path, "passes even with every criterion at the lowest level");
  return r;
}

Result<Rubric> ParseRubric(const Value& v, const std::string& path,
                           const std::vector<EvidenceSlot>& slots) {
  Rubric r;
  CREDMESH_ASSIGN_OR_RETURN(Fields f,
                            Fields::Open(v, path, {"levels", "criteria", "passing_rule"}));
  CREDMESH_ASSIGN_OR_RETURN(const Array* levels, f.List("levels", L::kMinLevels, L::kMaxLevels));
  std::string lpath = f.PathOf("levels");
  for (size_t i = 0; i < levels->size(); ++i) {
    CREDMESH_ASSIGN_OR_RETURN(RubricLevel l, ParseLevel((*levels)[i], At(lpath, i)));
    if (i > 0 && l.score <= r.levels.back().score) {
      return Err(Sel(At(lpath, i), "score"), "must be greater than the previous level's score (" +
                                                 std::to_string(r.levels.back().score) +
                                                 "); list levels lowest first");
    }
    r.levels.push_back(std::move(l));
  }
  CREDMESH_RETURN_IF_ERROR(CheckUnique(LevelIds(r.levels), lpath, "id", "level id"));

  CREDMESH_ASSIGN_OR_RETURN(const Array* criteria, f.List("criteria", 1, L::kMaxCriteria));
  std::string cpath = f.PathOf("criteria");
  std::vector<std::string> ids;
  for (size_t i = 0; i < criteria->size(); ++i) {
    CREDMESH_ASSIGN_OR_RETURN(RubricCriterion c,
                              ParseCriterion((*criteria)[i], At(cpath, i), r.levels));
    if (!c.slot.empty() && std::none_of(slots.begin(), slots.end(),
                                        [&](const EvidenceSlot& s) { return s.id == c.slot; })) {
      return Err(Sel(At(cpath, i), "slot"),
                 "no evidence slot " + Quote(c.slot) + " in submission_requirements");
    }
    ids.push_back(c.id);
    r.criteria.push_back(std::move(c));
  }
  CREDMESH_RETURN_IF_ERROR(CheckUnique(ids, cpath, "id", "criterion id"));

  const Value* rule = f.Find("passing_rule");
  if (!rule) return Err(f.PathOf("passing_rule"), "required");
  CREDMESH_ASSIGN_OR_RETURN(r.passing_rule, ParsePassingRule(*rule, f.PathOf("passing_rule"), r));
  return r;
}

Status ParseTagList(const Fields& f, std::string_view key, std::vector<std::string>* out) {
  static const std::array<std::string_view, 6> kGradeBands = {"pre-k", "k-2",  "3-5",
                                                              "6-8",   "9-12", "adult"};
  CREDMESH_ASSIGN_OR_RETURN(const Array* list, f.List(key, 0, L::kMaxTagsPerList));
  out->clear();
  for (size_t i = 0; i < list->size(); ++i) {
    std::string p = At(f.PathOf(key), i), tag;
    CREDMESH_RETURN_IF_ERROR(CheckSlug((*list)[i], p, L::kMaxTagChars, &tag));
    if (key == "grade_band" &&
        std::find(kGradeBands.begin(), kGradeBands.end(), tag) == kGradeBands.end()) {
      return Err(p, Quote(tag) + " is not a grade band (pre-k, k-2, 3-5, 6-8, 9-12, adult)");
    }
    out->push_back(std::move(tag));
  }
  return CheckUnique(*out, f.PathOf(key), "", "tag");
}

Status ParseDefinitionInto(const Value& v, const std::string& path, CredentialDefinition* d) {
  CREDMESH_ASSIGN_OR_RETURN(
      Fields f,
      Fields::Open(v, path,
                   {"id", "version", "title", "competency", "key_method", "method_components",
                    "supporting_research", "resources", "submission_requirements", "rubric",
                    "issuer", "tags", "estimated_hours", "retired"}));
  CREDMESH_RETURN_IF_ERROR(f.Slug("id", L::kMaxIdChars, &d->id));
  CREDMESH_RETURN_IF_ERROR(f.Int("version", 1, L::kMaxVersion, &d->version));
  CREDMESH_RETURN_IF_ERROR(f.Text("title", kTitleText, &d->title));
  CREDMESH_RETURN_IF_ERROR(f.Text("competency", kCompetencyText, &d->competency));
  CREDMESH_RETURN_IF_ERROR(f.Text("key_method", kProseText, &d->key_method));

  CREDMESH_ASSIGN_OR_RETURN(const Array* comps, f.List("method_components", 1, L::kMaxComponents));
  for (size_t i = 0; i < comps->size(); ++i) {
    CREDMESH_ASSIGN_OR_RETURN(auto c,
                              ParseComponent((*comps)[i], At(f.PathOf("method_components"), i)));
    d->method_components.push_back(std::move(c));
  }
  CREDMESH_ASSIGN_OR_RETURN(const Array* research,
                            f.List("supporting_research", 1, L::kMaxResearch));
  for (size_t i = 0; i < research->size(); ++i) {
    CREDMESH_ASSIGN_OR_RETURN(
        auto r, ParseResearch((*research)[i], At(f.PathOf("supporting_research"), i)));
    d->supporting_research.push_back(std::move(r));
  }
  CREDMESH_ASSIGN_OR_RETURN(const Array* resources, f.List("resources", 1, L::kMaxResources));
  for (size_t i = 0; i < resources->size(); ++i) {
    CREDMESH_ASSIGN_OR_RETURN(auto r, ParseResource((*resources)[i], At(f.PathOf("resources"), i)));
    d->resources.push_back(std::move(r));
  }

  std::string spath = f.PathOf("submission_requirements");
  CREDMESH_ASSIGN_OR_RETURN(const Array* slots, f.List("submission_requirements", 1, L::kMaxSlots));
  std::vector<std::string> slot_ids;
  for (size_t i = 0; i < slots->size(); ++i) {
    CREDMESH_ASSIGN_OR_RETURN(auto s, ParseSlot((*slots)[i], At(spath, i)));
    slot_ids.push_back(s.id);
    d->submission_requirements.push_back(std::move(s));
  }
  CREDMESH_RETURN_IF_ERROR(CheckUnique(slot_ids, spath, "id", "slot id"));

  const Value* rubric = f.Find("rubric");
  if (!rubric) return Err(f.PathOf("rubric"), "required");
  CREDMESH_ASSIGN_OR_RETURN(d->rubric,
                            ParseRubric(*rubric, f.PathOf("rubric"), d->submission_requirements));
  // Evidence nobody scores is wasted effort for the earner.
  bool has_whole_submission_criterion =
      std::any_of(d->rubric.criteria.begin(), d->rubric.criteria.end(),
                  [](const auto& c) { return c.slot.empty(); });
  if (!has_whole_submission_criterion) {
    for (size_t i = 0; i < d->submission_requirements.size(); ++i) {
      const auto& id = d->submission_requirements[i].id;
      if (std::none_of(d->rubric.criteria.begin(), d->rubric.criteria.end(),
                       [&](const auto& c) { return c.slot == id; })) {
        return Err(At(spath, i), "slot " + Quote(id) + " is not assessed by any rubric criterion");
      }
    }
  }

  const Value* issuer = f.Find("issuer");
  if (!issuer) return Err(f.PathOf("issuer"), "required");
  CREDMESH_ASSIGN_OR_RETURN(Fields inf, Fields::Open(*issuer, f.PathOf("issuer"), {"name", "url"}));
  CREDMESH_RETURN_IF_ERROR(inf.Text("name", kTitleText, &d->issuer.name));
  CREDMESH_RETURN_IF_ERROR(inf.OptUrl("url", &d->issuer.url));

  if (const Value* tags = f.Find("tags")) {
    CREDMESH_ASSIGN_OR_RETURN(
        Fields tf, Fields::Open(*tags, f.PathOf("tags"), {"subject", "grade_band", "topics"}));
    CREDMESH_RETURN_IF_ERROR(ParseTagList(tf, "subject", &d->tags.subject));
    CREDMESH_RETURN_IF_ERROR(ParseTagList(tf, "grade_band", &d->tags.grade_band));
    CREDMESH_RETURN_IF_ERROR(ParseTagList(tf, "topics", &d->tags.topics));
  }
  CREDMESH_RETURN_IF_ERROR(
      f.OptInt("estimated_hours", 1, L::kMaxEstimatedHours, &d->estimated_hours));
  CREDMESH_RETURN_IF_ERROR(f.OptBool("retired", &d->retired));

  Bytes encoded;
  EncodeValue(DefinitionToBody(*d), encoded);
  if (encoded.size() > L::kMaxDefinitionBodyBytes) {
    return Err(path, "definition too large (" + std::to_string(encoded.size()) +
                         " bytes encoded, max " + std::to_string(L::kMaxDefinitionBodyBytes) + ")");
  }
  return Status::Ok();
}

Result<StackEntry> ParseStackEntry(const Value& v, const std::string& path) {
  StackEntry e;
  if (v.is_string()) {  // shorthand: unpinned
    CREDMESH_RETURN_IF_ERROR(CheckSlug(v, path, L::kMaxIdChars, &e.definition_id));
    return e;
  }
  CREDMESH_ASSIGN_OR_RETURN(Fields f, Fields::Open(v, path, {"id", "version"}));
  CREDMESH_RETURN_IF_ERROR(f.Slug("id", L::kMaxIdChars, &e.definition_id));
  CREDMESH_RETURN_IF_ERROR(f.OptInt("version", 1, L::kMaxVersion, &e.version));
  return e;
}

}  // namespace

// Shared with catalog_bodies.cc, whose FromBody functions apply the same rules.
namespace catalog_internal {

Result<CredentialDefinition> ParseDefinition(const Value& v, const std::string& path) {
  CredentialDefinition d;
  CREDMESH_RETURN_IF_ERROR(ParseDefinitionInto(v, path, &d));
  return d;
}

Result<Stack> ParseStack(const Value& v, const std::string& path) {
  Stack s;
  CREDMESH_ASSIGN_OR_RETURN(Fields f, Fields::Open(v, path,
                                                   {"id", "version", "title", "description",
                                                    "definitions", "completion_rule", "retired"}));
  CREDMESH_RETURN_IF_ERROR(f.Slug("id", L::kMaxIdChars, &s.id));
  CREDMESH_RETURN_IF_ERROR(f.Int("version", 1, L::kMaxVersion, &s.version));
  CREDMESH_RETURN_IF_ERROR(f.Text("title", kTitleText, &s.title));
  CREDMESH_RETURN_IF_ERROR(f.Text("description", kProseText, &s.description));
  std::string dpath = f.PathOf("definitions");
  CREDMESH_ASSIGN_OR_RETURN(
      const Array* defs, f.List("definitions", L::kMinStackDefinitions, L::kMaxStackDefinitions));
  std::vector<std::string> ids;
  for (size_t i = 0; i < defs->size(); ++i) {
    CREDMESH_ASSIGN_OR_RETURN(StackEntry e, ParseStackEntry((*defs)[i], At(dpath, i)));
    ids.push_back(e.definition_id);
    s.definitions.push_back(std::move(e));
  }
  CREDMESH_RETURN_IF_ERROR(CheckUnique(ids, dpath, "", "definition"));

  const Value* rule = f.Find("completion_rule");
  std::string rpath = f.PathOf("completion_rule");
  if (!rule) return Err(rpath, "required");
  CREDMESH_ASSIGN_OR_RETURN(Fields rf, Fields::Open(*rule, rpath, {"require", "count"}));
  const Value* req = rf.Find("require");
  if (!req) return Err(rf.PathOf("require"), "required");
  if (req->is_string() && req->as_string() == "all") {
    s.completion_rule.kind = CompletionRule::Kind::kAll;
    if (rf.Has("count"))
      return Err(rf.PathOf("count"), "only allowed when require is \"at_least\"");
  } else if (req->is_string() && req->as_string() == "at_least") {
    s.completion_rule.kind = CompletionRule::Kind::kAtLeast;
    CREDMESH_RETURN_IF_ERROR(
        rf.Int("count", 1, static_cast<int64_t>(s.definitions.size()), &s.completion_rule.count));
  } else {
    return Err(rf.PathOf("require"), "must be \"all\" or \"at_least\"");
  }
  CREDMESH_RETURN_IF_ERROR(f.OptBool("retired", &s.retired));
  return s;
}

}  // namespace catalog_internal

namespace {

// Cross-references between a catalog's definitions and stacks.
Status CheckCatalogReferences(const Catalog& c) {
  std::vector<std::string> def_ids, stack_ids;
  for (const auto& d : c.definitions) def_ids.push_back(d.id);
  for (const auto& s : c.stacks) stack_ids.push_back(s.id);
  CREDMESH_RETURN_IF_ERROR(CheckUnique(def_ids, "definitions", "id", "definition id"));
  CREDMESH_RETURN_IF_ERROR(CheckUnique(stack_ids, "stacks", "id", "stack id"));
  for (size_t i = 0; i < c.stacks.size(); ++i) {
    const Stack& s = c.stacks[i];
    std::string spath = At("stacks", i);
    if (c.FindDefinition(s.id)) {
      return Err(Sel(spath, "id"), Quote(s.id) + " is already the id of a definition");
    }
    for (size_t k = 0; k < s.definitions.size(); ++k) {
      const StackEntry& e = s.definitions[k];
      std::string epath = At(Sel(spath, "definitions"), k);
      const CredentialDefinition* d = c.FindDefinition(e.definition_id);
      if (!d) return Err(epath, "no definition " + Quote(e.definition_id) + " in this catalog");
      if (e.version && *e.version > d->version) {
        return Err(epath, "pins version " + std::to_string(*e.version) +
                              " but the catalog has version " + std::to_string(d->version) +
                              " of " + Quote(d->id));
      }
      if (d->retired && !s.retired) {
        return Err(epath,
                   "definition " + Quote(d->id) + " is retired; retire the stack or drop it");
      }
    }
  }
  return Status::Ok();
}

Result<Catalog> ParseCatalogValue(const Value& v) {
  Catalog c;
  CREDMESH_ASSIGN_OR_RETURN(Fields f,
                            Fields::Open(v, "", {"format", "district", "definitions", "stacks"}));
  const Value* format = f.Find("format");
  if (!format) return Err("format", "required");
  if (!format->is_string() || format->as_string() != kCatalogFormat) {
    return Err("format",
               "unsupported format" +
                   (format->is_string() ? " " + Quote(format->as_string()) : std::string()) +
                   " (expected " + Quote(kCatalogFormat) + ")");
  }
  CREDMESH_RETURN_IF_ERROR(f.Slug("district", L::kMaxIdChars, &c.district));
  if (!f.Has("definitions")) return Err("definitions", "required");
  CREDMESH_ASSIGN_OR_RETURN(const Array* defs, f.List("definitions", 0, L::kMaxDefinitions));
  for (size_t i = 0; i < defs->size(); ++i) {
    CREDMESH_ASSIGN_OR_RETURN(auto d, ParseDefinition((*defs)[i], At("definitions", i)));
    c.definitions.push_back(std::move(d));
  }
  CREDMESH_ASSIGN_OR_RETURN(const Array* stacks, f.List("stacks", 0, L::kMaxStacks));
  for (size_t i = 0; i < stacks->size(); ++i) {
    CREDMESH_ASSIGN_OR_RETURN(auto s, ParseStack((*stacks)[i], At("stacks", i)));
    c.stacks.push_back(std::move(s));
  }
  CREDMESH_RETURN_IF_ERROR(CheckCatalogReferences(c));
  return c;
}

// ---------------------------------------------------------------------------
// Value -> pretty JSON in the documented field order.

constexpr std::string_view kKeyOrder[] = {"format",
                                          "district",
                                          "id",
                                          "version",
                                          "name",
                                          "title",
                                          "citation",
                                          "competency",
                                          "key_method",
                                          "method_components",
                                          "summary",
                                          "url",
                                          "description",
                                          "what_counts",
                                          "proof_of_student_outcome_required",
                                          "accepts",
                                          "max_files",
                                          "supporting_research",
                                          "resources",
                                          "submission_requirements",
                                          "rubric",
                                          "levels",
                                          "criteria",
                                          "score",
                                          "slot",
                                          "descriptors",
                                          "passing_rule",
                                          "min_level_score_each",
                                          "min_total",
                                          "min_level_score_for",
                                          "min_count_at_or_above",
                                          "definitions",
                                          "completion_rule",
                                          "require",
                                          "count",
                                          "stacks",
                                          "issuer",
                                          "tags",
                                          "subject",
                                          "grade_band",
                                          "topics",
                                          "estimated_hours",
                                          "retired"};

// Unknown keys (level and criterion ids) rank last, in byte order.
size_t KeyRank(const std::string& k) {
  const auto* it = std::find(std::begin(kKeyOrder), std::end(kKeyOrder), k);
  return static_cast<size_t>(it - std::begin(kKeyOrder));
}

nlohmann::ordered_json ToOrderedJson(const Value& v) {
  if (v.is_array()) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& e : v.as_array()) out.push_back(ToOrderedJson(e));
    return out;
  }
  if (v.is_map()) {
    std::vector<const std::string*> keys;
    for (const auto& [k, unused] : v.as_map()) keys.push_back(&k);
    std::stable_sort(keys.begin(), keys.end(), [](const std::string* a, const std::string* b) {
      return KeyRank(*a) < KeyRank(*b);
    });
    auto out = nlohmann::ordered_json::object();
    for (const std::string* k : keys) out[*k] = ToOrderedJson(v.as_map().at(*k));
    return out;
  }
  if (v.is_string()) return v.as_string();
  if (v.is_int()) return v.as_int();
  if (v.is_bool()) return v.as_bool();
  return nullptr;  // bodies hold no nil or bytes
}

nlohmann::ordered_json DefinitionOrderedJson(const CredentialDefinition& d) {
  auto j = ToOrderedJson(DefinitionToBody(d));
  // Descriptors read best in level order, lowest first.
  auto& criteria = j["rubric"]["criteria"];
  for (size_t i = 0; i < d.rubric.criteria.size(); ++i) {
    auto ordered = nlohmann::ordered_json::object();
    for (const auto& l : d.rubric.levels) {
      auto it = d.rubric.criteria[i].descriptors.find(l.id);
      if (it != d.rubric.criteria[i].descriptors.end()) ordered[l.id] = it->second;
    }
    criteria[i]["descriptors"] = std::move(ordered);
  }
  return j;
}

std::string Dump(const nlohmann::ordered_json& j) {
  try {
    return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  } catch (const std::exception&) {
    return "";  // unreachable with error_handler_t::replace; never throw out of here
  }
}

constexpr char kNotRepresentable[] =
    " holds a value the format cannot express (e.g. a count with require \"all\", "
    "descriptors for unknown levels)";

}  // namespace

// ---------------------------------------------------------------------------
// PassingRule, Rubric, Stack, Catalog

bool PassingRule::HasClause() const {
  return min_level_score_each || min_total || !min_level_score_for.empty() || min_count_at_or_above;
}

std::vector<std::string> PassingRule::Unmet(const std::map<std::string, int>& scores) const {
  std::vector<std::string> out;
  if (!HasClause()) out.push_back("the passing rule has no clause");
  if (scores.empty()) out.push_back("no criterion was scored");
  if (!out.empty()) return out;
  if (min_level_score_each) {
    for (const auto& [c, s] : scores) {
      if (s < *min_level_score_each) {
        out.push_back("criterion " + Quote(c) + " scored " + std::to_string(s) +
                      ", below min_level_score_each " + std::to_string(*min_level_score_each));
      }
    }
  }
  if (min_total) {
    int64_t total = 0;
    for (const auto& [c, s] : scores) total += s;
    if (total < *min_total) {
      out.push_back("total " + std::to_string(total) + " is below min_total " +
                    std::to_string(*min_total));
    }
  }
  for (const auto& [c, min] : min_level_score_for) {
    auto it = scores.find(c);
    if (it == scores.end()) {
      out.push_back("criterion " + Quote(c) + " was not scored");
    } else if (it->second < min) {
      out.push_back("criterion " + Quote(c) + " scored " + std::to_string(it->second) +
                    ", below its minimum " + std::to_string(min));
    }
  }
  if (min_count_at_or_above) {
    int n = static_cast<int>(std::count_if(scores.begin(), scores.end(), [&](const auto& e) {
      return e.second >= min_count_at_or_above->score;
    }));
    if (n < min_count_at_or_above->count) {
      out.push_back(std::to_string(n) + " criteria scored " +
                    std::to_string(min_count_at_or_above->score) + " or more; at least " +
                    std::to_string(min_count_at_or_above->count) + " required");
    }
  }
  return out;
}

bool PassingRule::Passes(const std::map<std::string, int>& scores) const {
  return Unmet(scores).empty();
}

const RubricLevel* Rubric::FindLevel(std::string_view id) const {
  for (const auto& l : levels) {
    if (l.id == id) return &l;
  }
  return nullptr;
}

const RubricCriterion* Rubric::FindCriterion(std::string_view id) const {
  for (const auto& c : criteria) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

Result<std::map<std::string, int>> Rubric::ScoresFor(
    const std::map<std::string, std::string>& level_by_criterion) const {
  for (const auto& [c, unused] : level_by_criterion) {
    if (!FindCriterion(c))
      return Status::InvalidArgument("criterion " + Quote(c) + ": not in this rubric");
  }
  std::map<std::string, int> scores;
  for (const auto& c : criteria) {
    auto it = level_by_criterion.find(c.id);
    if (it == level_by_criterion.end()) {
      return Status::InvalidArgument("criterion " + Quote(c.id) + ": no level chosen");
    }
    const RubricLevel* l = FindLevel(it->second);
    if (!l) {
      return Status::InvalidArgument("criterion " + Quote(c.id) + ": no level " +
                                     Quote(it->second) + " (levels: " + JoinList(LevelIds(levels)) +
                                     ")");
    }
    scores[c.id] = l->score;
  }
  return scores;
}

Status Rubric::CheckLevelChoices(
    const std::map<std::string, std::string>& level_by_criterion) const {
  return ScoresFor(level_by_criterion).status();
}

Result<RubricJudgement> Rubric::Judge(
    const std::map<std::string, std::string>& level_by_criterion) const {
  RubricJudgement j;
  CREDMESH_ASSIGN_OR_RETURN(j.score_by_criterion, ScoresFor(level_by_criterion));
  for (const auto& [c, s] : j.score_by_criterion) j.total += s;
  j.unmet = passing_rule.Unmet(j.score_by_criterion);
  j.passed = j.unmet.empty();
  return j;
}

const EvidenceSlot* CredentialDefinition::FindSlot(std::string_view id) const {
  for (const auto& s : submission_requirements) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

int Stack::RequiredCount() const {
  return completion_rule.kind == CompletionRule::Kind::kAll ? static_cast<int>(definitions.size())
                                                            : completion_rule.count;
}

bool Stack::IsCompletedBy(const std::vector<std::pair<std::string, int>>& earned) const {
  int satisfied = 0;
  for (const auto& e : definitions) {
    bool ok = std::any_of(earned.begin(), earned.end(), [&](const auto& award) {
      return award.first == e.definition_id && (!e.version || *e.version == award.second);
    });
    if (ok) ++satisfied;
  }
  return !definitions.empty() && satisfied >= RequiredCount();
}

const CredentialDefinition* Catalog::FindDefinition(std::string_view id) const {
  for (const auto& d : definitions) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

const Stack* Catalog::FindStack(std::string_view id) const {
  for (const auto& s : stacks) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------
// Catalog JSON

Result<Catalog> ParseCatalogJson(std::string_view text) {
  if (text.size() > L::kMaxCatalogBytes) {
    return Status::ResourceExhausted("catalog file is " + std::to_string(text.size()) +
                                     " bytes, max " + std::to_string(L::kMaxCatalogBytes));
  }
  CREDMESH_ASSIGN_OR_RETURN(Value v, ParseStrictJson(text));
  if (!v.is_map()) return Status::InvalidArgument("a catalog must be a JSON object");
  return ParseCatalogValue(v);
}

std::string CatalogToJson(const Catalog& c) {
  auto j = nlohmann::ordered_json::object();
  j["format"] = std::string(kCatalogFormat);
  j["district"] = c.district;
  j["definitions"] = nlohmann::ordered_json::array();
  for (const auto& d : c.definitions) j["definitions"].push_back(DefinitionOrderedJson(d));
  j["stacks"] = nlohmann::ordered_json::array();
  for (const auto& s : c.stacks) j["stacks"].push_back(ToOrderedJson(StackToBody(s)));
  return Dump(j);
}

std::string DefinitionToJson(const CredentialDefinition& d) {
  return Dump(DefinitionOrderedJson(d));
}

std::string StackToJson(const Stack& s) { return Dump(ToOrderedJson(StackToBody(s))); }

// The in-memory value must survive body encoding unchanged: a field the
// format cannot express (say, a count with require "all") is an error too.
Status ValidateDefinition(const CredentialDefinition& d) {
  auto parsed = DefinitionFromBody(DefinitionToBody(d));
  if (!parsed.ok()) return parsed.status();
  if (!(*parsed == d))
    return Status::InvalidArgument("definition " + Quote(d.id) + kNotRepresentable);
  return Status::Ok();
}

Status ValidateStack(const Stack& s) {
  auto parsed = StackFromBody(StackToBody(s));
  if (!parsed.ok()) return parsed.status();
  if (!(*parsed == s)) return Status::InvalidArgument("stack " + Quote(s.id) + kNotRepresentable);
  return Status::Ok();
}

Status ValidateCatalog(const Catalog& c) {
  Map m{{"format", std::string(kCatalogFormat)}, {"district", c.district}};
  Array defs, stacks;
  for (const auto& d : c.definitions) defs.push_back(DefinitionToBody(d));
  for (const auto& s : c.stacks) stacks.push_back(StackToBody(s));
  m.emplace("definitions", std::move(defs));
  m.emplace("stacks", std::move(stacks));
  auto parsed = ParseCatalogValue(Value(std::move(m)));
  if (!parsed.ok()) return parsed.status();
  if (!(*parsed == c)) return Status::InvalidArgument(std::string("catalog") + kNotRepresentable);
  return Status::Ok();
}

}  // namespace credmesh
