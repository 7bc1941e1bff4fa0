#include "tools/catalog_text.h"

#include <sstream>

namespace credmesh::cli {
namespace {

// Display width of UTF-8 text: code points (continuation bytes do not count).
size_t Columns(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

void Section(std::ostream& out, const char* title) { out << "\n" << title << "\n"; }

std::string LevelName(const Rubric& rubric, int score) {
  for (const RubricLevel& l : rubric.levels) {
    if (l.score == score) return l.title + " (" + std::to_string(score) + ")";
  }
  return "score " + std::to_string(score);
}

}  // namespace

std::string Bullet(std::string_view text, size_t indent, size_t width) {
  std::string out = Wrap(text, indent + 2, width);
  out[indent] = '-';
  return out;
}

std::string Wrap(std::string_view text, size_t indent, size_t width) {
  const std::string pad(indent, ' ');
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == std::string_view::npos ? nl : nl - start);
    std::string cur = pad;
    size_t cols = indent;
    size_t i = 0;
    while (i < line.size()) {
      size_t j = line.find(' ', i);
      std::string_view word = line.substr(i, j == std::string_view::npos ? j : j - i);
      i = j == std::string_view::npos ? line.size() : j + 1;
      if (word.empty()) continue;
      const size_t w = Columns(word);
      if (cols > indent && cols + 1 + w > width) {
        out += cur + "\n";
        cur = pad;
        cols = indent;
      }
      if (cols > indent) {
        cur += ' ';
        ++cols;
      }
      cur += word;
      cols += w;
    }
    out += cur + "\n";
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

std::string AcceptsText(const EvidenceSlot& slot) {
  std::string kinds = slot.accepts_text && slot.accepts_file ? "text or file"
                      : slot.accepts_file                    ? "file"
                                                             : "text";
  if (slot.accepts_file) {
    kinds += ", up to " + std::to_string(slot.max_files.value_or(CatalogLimits::kMaxFilesPerSlot)) +
             " files";
  }
  return kinds;
}

void PrintCriterion(std::ostream& out, const RubricCriterion& c, const Rubric& rubric,
                    size_t indent) {
  const std::string pad(indent, ' ');
  out << pad << c.id << ": " << c.title << "  ["
      << (c.slot.empty() ? "the whole submission" : "slot " + c.slot) << "]\n";
  size_t name_width = 0;
  for (const RubricLevel& l : rubric.levels) name_width = std::max(name_width, Columns(l.id));
  for (const RubricLevel& l : rubric.levels) {
    auto it = c.descriptors.find(l.id);
    const std::string label = l.id + std::string(name_width - Columns(l.id), ' ');
    out << pad << "  " << label << " " << l.score << "  ";
    // The descriptor wraps under itself.
    std::string body = Wrap(it == c.descriptors.end() ? "" : it->second,
                            indent + 2 + name_width + 1 + std::to_string(l.score).size() + 2);
    out << body.substr(body.find_first_not_of(' '));
  }
}

std::vector<std::string> PassingRuleLines(const Rubric& rubric) {
  const PassingRule& r = rubric.passing_rule;
  std::vector<std::string> out;
  if (r.min_level_score_each) {
    out.push_back("every criterion at least " + LevelName(rubric, *r.min_level_score_each));
  }
  if (r.min_total) out.push_back("total score at least " + std::to_string(*r.min_total));
  for (const auto& [criterion, score] : r.min_level_score_for) {
    out.push_back(criterion + " at least " + LevelName(rubric, score));
  }
  if (r.min_count_at_or_above) {
    out.push_back("at least " + std::to_string(r.min_count_at_or_above->count) + " criteria at " +
                  LevelName(rubric, r.min_count_at_or_above->score) + " or above");
  }
  return out;
}

std::string DefinitionCard(const CredentialDefinition& d) {
  std::ostringstream out;
  out << d.title << "\n"
      << d.id << " v" << d.version << (d.retired ? "  [retired: no new submissions]" : "")
      << "  ·  issued by " << d.issuer.name
      << (d.issuer.url.empty() ? "" : " <" + d.issuer.url + ">") << "\n";
  std::vector<std::string> facts;
  if (d.estimated_hours) facts.push_back("about " + std::to_string(*d.estimated_hours) + " hours");
  for (const auto& [label, tags] :
       {std::pair{"subject", &d.tags.subject}, std::pair{"grades", &d.tags.grade_band},
        std::pair{"topics", &d.tags.topics}}) {
    if (!tags->empty()) facts.push_back(std::string(label) + ": " + Join(*tags, ", "));
  }
  if (!facts.empty()) out << Join(facts, "  ·  ") << "\n";

  Section(out, "COMPETENCY");
  out << Wrap(d.competency, 2);
  Section(out, "KEY METHOD");
  out << Wrap(d.key_method, 2);
  Section(out, "METHOD COMPONENTS");
  for (size_t i = 0; i < d.method_components.size(); ++i) {
    const MethodComponent& c = d.method_components[i];
    out << "  " << i + 1 << ". " << c.title << "\n";
    if (!c.description.empty()) out << Wrap(c.description, 5);
  }
  Section(out, "SUPPORTING RESEARCH");
  for (const ResearchCitation& r : d.supporting_research) {
    out << Bullet(r.citation, 2);
    if (!r.summary.empty()) out << Wrap(r.summary, 4);
    if (!r.url.empty()) out << "    " << r.url << "\n";
  }
  Section(out, "RESOURCES");
  for (const Resource& r : d.resources) {
    out << "  - " << r.title << (r.url.empty() ? "" : "  " + r.url) << "\n";
    if (!r.description.empty()) out << Wrap(r.description, 4);
  }
  Section(out, "SUBMISSION REQUIREMENTS");
  out << "  A pre-reflection and a post-reflection, and evidence in every slot:\n";
  for (size_t i = 0; i < d.submission_requirements.size(); ++i) {
    const EvidenceSlot& s = d.submission_requirements[i];
    out << "  " << i + 1 << ". " << s.id << ": " << s.title << "  [" << AcceptsText(s) << "]\n";
    out << Wrap(s.what_counts, 5);
    if (s.proof_of_student_outcome_required) {
      out << "     * requires proof of student outcome: evidence added with --student-outcome\n";
    }
  }
  Section(out, "RUBRIC");
  std::vector<std::string> levels;
  for (const RubricLevel& l : d.rubric.levels) {
    levels.push_back(l.id + " " + std::to_string(l.score) + " \"" + l.title + "\"");
  }
  out << Wrap("levels, lowest first: " + Join(levels, ", "), 2);
  for (const RubricCriterion& c : d.rubric.criteria) {
    out << "\n";
    PrintCriterion(out, c, d.rubric, 2);
  }
  out << "\n  awarded when:\n";
  for (const std::string& line : PassingRuleLines(d.rubric)) out << "    - " << line << "\n";
  return out.str();
}

std::string StackCard(const Stack& s) {
  std::ostringstream out;
  out << s.title << "\n"
      << s.id << " v" << s.version << " (stack)" << (s.retired ? "  [retired]" : "") << "\n";
  Section(out, "DESCRIPTION");
  out << Wrap(s.description, 2);
  Section(out, "MICRO-CREDENTIALS");
  for (const StackEntry& e : s.definitions) {
    out << "  - " << e.definition_id
        << (e.version ? " (version " + std::to_string(*e.version) + " only)" : "") << "\n";
  }
  out << "\n  complete with "
      << (s.completion_rule.kind == CompletionRule::Kind::kAll
              ? std::string("all of them")
              : "at least " + std::to_string(s.completion_rule.count) + " of them")
      << "\n";
  return out.str();
}

}  // namespace credmesh::cli
