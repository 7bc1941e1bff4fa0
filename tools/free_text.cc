#include "tools/free_text.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>

#include "protocol/value.h"  // IsValidUtf8

namespace credmesh::cli {
namespace {

std::string LimitText() { return std::to_string(kMaxFreeText / 1024) + " KiB"; }

// "" if `text` is acceptable free text, else why not.
std::string FreeTextProblem(const std::string& text, size_t size) {
  if (size > kMaxFreeText) {
    return "the text is over the limit of " + std::to_string(kMaxFreeText) + " bytes (" +
           LimitText() + ")";
  }
  if (!IsValidUtf8(text)) return "the text is not valid UTF-8";
  return "";
}

// Reads at most kMaxFreeText + 1 bytes of `in`, so a huge input is refused
// without reading it all.
std::string ReadBounded(std::istream& in) {
  std::string out(kMaxFreeText + 1, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<size_t>(in.gcount()));
  return out;
}

// CLI11 transform of a --X-file value: replaces the path by the file's text.
std::string ReadTextFile(std::string& value) {
  std::string text;
  if (value == "-") {
    text = ReadBounded(std::cin);
  } else {
    std::ifstream f(value, std::ios::binary);
    if (!f) return "cannot read " + value;
    text = ReadBounded(f);
    if (f.bad()) return "cannot read " + value;
  }
  std::string problem = FreeTextProblem(text, text.size());
  if (!problem.empty()) return (value == "-" ? "standard input: " : value + ": ") + problem;
  value = std::move(text);
  return "";
}

std::string CheckText(const std::string& value) { return FreeTextProblem(value, value.size()); }

}  // namespace

void AddFreeText(CLI::App* cmd, const std::string& name, std::string& target,
                 const std::string& help, TextNeed need) {
  const bool positional = name.rfind("--", 0) != 0;
  const std::string file_name = positional ? "--text-file" : name + "-file";
  CLI::App* group = cmd->add_option_group(
      positional ? "text" : name.substr(2),
      help + " (at most " + LimitText() + "), as " + name + " or from a file");
  CLI::Option* text = group->add_option(name, target, help + "; at most " + LimitText());
  text->check(CLI::Validator(CheckText, ""));
  CLI::Option* file = group->add_option(
      file_name, target,
      "Read " + name + " from file F (- for standard input); at most " + LimitText());
  file->type_name("F")->transform(CLI::Validator(ReadTextFile, ""));
  text->excludes(file);
  group->require_option(need == TextNeed::kRequired ? 1 : 0, 1);
}

}  // namespace credmesh::cli
