// command_words.h: catches a mistyped command before CLI11 parses. CLI11
// treats an unknown word as a stray positional and may go on to run a
// different command (`credmesh badge export` ran `export`); this walks the
// command words of argv through the registered command tree instead.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace credmesh::cli {

// Returns a usage error ("unknown command 'credmesh peer lst'; did you mean
// 'list'?") when a word in `args` (argv without the program name) stands
// where `app` expects a subcommand name and names none; nullopt otherwise.
// Option values (`--dir X`) are skipped; words after `--` are not checked; a
// command that takes positionals besides its subcommands takes any word.
std::optional<std::string> FindUnknownCommand(CLI::App& app, const std::vector<std::string>& args);

// The candidate closest to `word` by edit distance (or that it is a prefix
// of), when close enough to be a plausible typo; empty otherwise.
std::string ClosestName(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace credmesh::cli
