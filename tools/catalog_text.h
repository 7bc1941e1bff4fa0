// catalog_text.h: catalog definitions and stacks as text for people — the
// card `catalog show` prints (competency, key method, components, research,
// resources, submission requirements, rubric) and the rubric pieces the
// review queue and the interactive `review add` print beside the evidence.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "node/credentials/catalog_model.h"

namespace credmesh::cli {

// `text` word-wrapped to `width` columns, every line indented by `indent`
// spaces; the text's own newlines are kept. Ends with a newline.
std::string Wrap(std::string_view text, size_t indent, size_t width = 80);
// Wrap with a "- " bullet at `indent` and the text hanging after it.
std::string Bullet(std::string_view text, size_t indent, size_t width = 80);

// The whole definition, section by section.
std::string DefinitionCard(const CredentialDefinition& d);
std::string StackCard(const Stack& s);

// "text", "file, up to 3 files", "text or file, up to 10 files".
std::string AcceptsText(const EvidenceSlot& slot);
// The criterion's title, what it judges, then one line per level with its
// descriptor, lowest first, each line starting with `indent` spaces.
void PrintCriterion(std::ostream& out, const RubricCriterion& c, const Rubric& rubric,
                    size_t indent);
// The passing rule in words, one clause per line ("every criterion at least
// Developing (2)").
std::vector<std::string> PassingRuleLines(const Rubric& rubric);

}  // namespace credmesh::cli
