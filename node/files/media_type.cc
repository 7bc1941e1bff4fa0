#include "node/files/media_type.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <string_view>

namespace credmesh {
namespace {

bool StartsWith(ByteView head, std::string_view magic, size_t at = 0) {
  return head.size() >= at + magic.size() &&
         std::memcmp(head.data() + at, magic.data(), magic.size()) == 0;
}

struct Magic {
  std::string_view bytes;
  size_t offset;
  const char* type;
};

// Signatures of the formats evidence usually comes in. Order matters where
// one is a prefix of another (ZIP-based office files are told apart by
// extension below).
constexpr std::array kMagic = {
    Magic{"%PDF-", 0, "application/pdf"},   Magic{"\x89PNG\r\n\x1a\n", 0, "image/png"},
    Magic{"\xff\xd8\xff", 0, "image/jpeg"}, Magic{"GIF87a", 0, "image/gif"},
    Magic{"GIF89a", 0, "image/gif"},        Magic{"ftypqt", 4, "video/quicktime"},
    Magic{"ftyp", 4, "video/mp4"},          Magic{"\x1a\x45\xdf\xa3", 0, "video/webm"},
    Magic{"OggS", 0, "audio/ogg"},          Magic{"ID3", 0, "audio/mpeg"},
    Magic{"fLaC", 0, "audio/flac"},
};

struct Extension {
  std::string_view ext;
  const char* type;
};

constexpr std::array kExtensions = {
    Extension{"pdf", "application/pdf"},
    Extension{"png", "image/png"},
    Extension{"jpg", "image/jpeg"},
    Extension{"jpeg", "image/jpeg"},
    Extension{"gif", "image/gif"},
    Extension{"webp", "image/webp"},
    Extension{"heic", "image/heic"},
    Extension{"mp4", "video/mp4"},
    Extension{"m4v", "video/mp4"},
    Extension{"mov", "video/quicktime"},
    Extension{"webm", "video/webm"},
    Extension{"mp3", "audio/mpeg"},
    Extension{"m4a", "audio/mp4"},
    Extension{"wav", "audio/wav"},
    Extension{"ogg", "audio/ogg"},
    Extension{"txt", "text/plain"},
    Extension{"md", "text/markdown"},
    Extension{"csv", "text/csv"},
    Extension{"html", "text/html"},
    Extension{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    Extension{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    Extension{"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    Extension{"odt", "application/vnd.oasis.opendocument.text"},
    Extension{"doc", "application/msword"},
    Extension{"zip", "application/zip"},
};

}  // namespace

std::string GuessMediaType(ByteView head, const std::string& name) {
  std::string ext;
  if (size_t dot = name.rfind('.'); dot != std::string::npos && dot + 1 < name.size()) {
    ext = name.substr(dot + 1);
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return std::tolower(c); });
  }
  const bool riff = StartsWith(head, "RIFF");
  if (riff && StartsWith(head, "WAVE", 8)) return "audio/wav";
  if (riff && StartsWith(head, "WEBP", 8)) return "image/webp";
  for (const auto& m : kMagic) {
    if (!StartsWith(head, m.bytes, m.offset)) continue;
    // An MP4 container named .m4a is audio; the container alone cannot tell.
    if (std::string_view(m.type) == "video/mp4" && ext == "m4a") return "audio/mp4";
    return m.type;
  }
  for (const auto& e : kExtensions) {
    if (ext == e.ext) return e.type;
  }
  return "application/octet-stream";
}

}  // namespace credmesh
