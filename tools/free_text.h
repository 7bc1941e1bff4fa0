// free_text.h: the one way a command takes free text (reflections, feedback,
// evidence text, reasons, notes). Every such value can be typed on the
// command line or read from a file: `--X TEXT` or `--X-file F`, and a
// positional TEXT or `--text-file F`; F `-` reads standard input. The text
// is at most kMaxFreeText bytes of UTF-8 (stated in --help); over it, or
// unreadable, is a usage error (exit 2) naming the option.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "node/credentials/credential_records.h"

namespace credmesh::cli {

// The limit of every free-text value: the credential records' text limit.
inline constexpr size_t kMaxFreeText = kMaxCredentialText;

enum class TextNeed { kOptional, kRequired };

// Adds `name` ("--feedback", or a positional such as "TEXT") and its file
// form ("--feedback-file", or "--text-file" for a positional) to `cmd`,
// both filling `target`; at most one of them may be given, exactly one when
// `need` is kRequired. `help` says what the text is; the limit and the file
// form are appended.
void AddFreeText(CLI::App* cmd, const std::string& name, std::string& target,
                 const std::string& help, TextNeed need = TextNeed::kOptional);

}  // namespace credmesh::cli
