#include "tools/command_words.h"

#include <algorithm>

namespace credmesh::cli {
namespace {

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<CLI::App*> NamedSubcommands(CLI::App& app) {
  // Unnamed subcommands are CLI11 option groups, not commands.
  return app.get_subcommands([](CLI::App* sub) { return !sub->get_name().empty(); });
}

}  // namespace

std::string ClosestName(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    if (!word.empty() && c.rfind(word, 0) == 0) return c;  // a prefix: `sub` -> submission
    size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::optional<std::string> FindUnknownCommand(CLI::App& app, const std::vector<std::string>& args) {
  CLI::App* current = &app;
  std::string path = app.get_name();
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word == "--") break;
    if (word.size() > 1 && word[0] == '-') {
      if (word.find('=') != std::string::npos) continue;
      const CLI::Option* opt = current->get_option_no_throw(word);
      if (opt && opt->get_type_size_max() > 0) ++i;  // its value follows
      continue;
    }
    std::vector<CLI::App*> subs = NamedSubcommands(*current);
    if (subs.empty()) return std::nullopt;  // a command's own positionals
    auto match =
        std::find_if(subs.begin(), subs.end(), [&](CLI::App* s) { return s->check_name(word); });
    if (match != subs.end()) {
      current = *match;
      path += " " + word;
      continue;
    }
    // A command with both subcommands and positionals of its own
    // (`portfolio PERSON` / `portfolio export`): the word is its argument.
    if (!current->get_options([](const CLI::Option* o) { return o->get_positional(); }).empty())
      return std::nullopt;
    std::vector<std::string> names;
    names.reserve(subs.size());
    for (CLI::App* s : subs) names.push_back(s->get_name());
    std::string msg = "unknown command '" + path + " " + word + "'";
    if (std::string near = ClosestName(word, names); !near.empty())
      msg += "; did you mean '" + near + "'?";
    return msg + " (" + path + " --help lists the commands)";
  }
  return std::nullopt;
}

}  // namespace credmesh::cli
