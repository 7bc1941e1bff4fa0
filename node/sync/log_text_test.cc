#include "node/sync/log_text.h"

#include <doctest/doctest.h>

namespace credmesh {
namespace {

using namespace std::string_literals;

TEST_CASE("log text: plain text and valid UTF-8 pass unchanged") {
  CHECK(EscapeForLog("record refused: scope school/pine") == "record refused: scope school/pine");
  CHECK(EscapeForLog("Élève – café ✓ 𝄞") == "Élève – café ✓ 𝄞");
  CHECK(EscapeForLog("") == "");
}

TEST_CASE("log text: a peer cannot forge a line, a colour or a reordering") {
  // A forged second log line.
  const std::string forged = "bye\nts=2026-12-03T00:00:00Z event=sync_ok peer=hub\r";
  const std::string e = EscapeForLog(forged);
  CHECK(e == "bye\\nts=2026-12-03T00:00:00Z event=sync_ok peer=hub\\r");
  CHECK(e.find('\n') == std::string::npos);
  CHECK(e.find('\r') == std::string::npos);
  // Terminal escapes, other controls, NUL and DEL.
  CHECK(EscapeForLog("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m");
  CHECK(EscapeForLog("a\0b\x07\x7f\tc"s) == "a\\x00b\\x07\\x7f\\tc");
  // A literal backslash is doubled, so an escape cannot be faked.
  CHECK(EscapeForLog("\\n") == "\\\\n");
  // C1 controls, line separators and bidi overrides (valid UTF-8).
  CHECK(EscapeForLog("\xc2\x9b"
                     "2J") == "\\u{009b}2J");
  CHECK(EscapeForLog("a\xe2\x80\xa8"
                     "b") == "a\\u{2028}b");
  // NOLINTNEXTLINE(misc-misleading-bidirectional): an escaped override, on purpose
  CHECK(EscapeForLog("\xe2\x80\xae"
                     "gpj.exe") == "\\u{202e}gpj.exe");
}

TEST_CASE("log text: invalid UTF-8 is escaped byte by byte") {
  CHECK(EscapeForLog("\xff\xfe") == "\\xff\\xfe");
  CHECK(EscapeForLog("\xc0\xaf") == "\\xc0\\xaf");                    // overlong '/'
  CHECK(EscapeForLog("\xed\xa0\x80") == "\\xed\\xa0\\x80");           // a surrogate
  CHECK(EscapeForLog("ok\xe2\x82") == "ok\\xe2\\x82");                // truncated
  CHECK(EscapeForLog("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  // Every result is on one line and only printable or valid multi-byte.
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  for (char c : EscapeForLog(all)) {
    const auto u = static_cast<unsigned char>(c);
    CHECK((u >= 0x20 && u < 0x7f));
  }
}

}  // namespace
}  // namespace credmesh
