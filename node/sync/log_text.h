// log_text.h: the one way text a peer supplied (ERROR and BYE text, scope
// names, agent strings, anything derived from them) is made safe to write
// into a log, a terminal or the peers table: it can never start a new line,
// move the cursor, recolour a terminal or reorder what is displayed.
#pragma once

#include <string>
#include <string_view>

namespace credmesh {

// Returns `text` with every byte or character that could forge or hide log
// content escaped, and everything else unchanged:
//   backslash -> \\, CR -> \r, LF -> \n, TAB -> \t;
//   other C0 controls, DEL (ESC included) and bytes that are not part of
//   valid UTF-8 (overlong forms, surrogates, truncated sequences) -> \xHH;
//   C1 controls (U+0080..U+009F), line and paragraph separators
//   (U+2028, U+2029) and bidirectional controls (U+200E, U+200F,
//   U+202A..U+202E, U+2066..U+2069) -> \u{HHHH}.
// The result is printable UTF-8 on one line; escaping is unambiguous since
// a literal backslash is doubled.
std::string EscapeForLog(std::string_view text);

}  // namespace credmesh
