#include "node/files/media_type.h"

#include <doctest/doctest.h>

namespace credmesh {
namespace {

std::string Guess(std::string_view head, const std::string& name) {
  return GuessMediaType(AsBytes(head), name);
}

TEST_CASE("media type: content signatures win over the extension") {
  CHECK(Guess("%PDF-1.7\n", "plan.bin") == "application/pdf");
  CHECK(Guess(std::string_view("\x89PNG\r\n\x1a\n....", 12), "scan.jpg") == "image/png");
  CHECK(Guess("\xff\xd8\xff\xe0", "photo") == "image/jpeg");
  CHECK(Guess(std::string_view("\0\0\0\x18"
                               "ftypmp42",
                               12),
              "clip") == "video/mp4");
  CHECK(Guess(std::string_view("\0\0\0\x18"
                               "ftypM4A ",
                               12),
              "voice.m4a") == "audio/mp4");
  CHECK(Guess(std::string_view("\0\0\0\x14"
                               "ftypqt  ",
                               12),
              "x") == "video/quicktime");
  CHECK(Guess(std::string_view("RIFF\x24\0\0\0WAVEfmt ", 16), "r") == "audio/wav");
}

TEST_CASE(
    "media type: the extension decides when the content says nothing, unknown is octet-stream") {
  CHECK(Guess("Dear students,", "reflection.TXT") == "text/plain");
  CHECK(Guess("PK\x03\x04", "unit.docx") ==
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  CHECK(Guess("", "notes.md") == "text/markdown");
  CHECK(Guess("whatever", "no-extension") == "application/octet-stream");
  CHECK(Guess("whatever", "trailing.") == "application/octet-stream");
}

}  // namespace
}  // namespace credmesh
