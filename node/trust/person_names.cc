#include "node/trust/person_names.h"

#include <cstdint>

#include "protocol/value.h"

namespace credmesh {
namespace {

// Decodes the code point starting at s[i] (s is valid UTF-8) and advances i.
uint32_t NextCodePoint(std::string_view s, size_t& i) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t c = b(i);
  if (c < 0x80) {
    ++i;
    return c;
  }
  if ((c & 0xE0) == 0xC0) {
    uint32_t cp = ((c & 0x1Fu) << 6) | (b(i + 1) & 0x3Fu);
    i += 2;
    return cp;
  }
  if ((c & 0xF0) == 0xE0) {
    uint32_t cp = ((c & 0x0Fu) << 12) | ((b(i + 1) & 0x3Fu) << 6) | (b(i + 2) & 0x3Fu);
    i += 3;
    return cp;
  }
  uint32_t cp = ((c & 0x07u) << 18) | ((b(i + 1) & 0x3Fu) << 12) | ((b(i + 2) & 0x3Fu) << 6) |
                (b(i + 3) & 0x3Fu);
  i += 4;
  return cp;
}

std::string Hex4(uint32_t cp) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string out = "U+";
  for (int shift = 12; shift >= 0; shift -= 4) out += kDigits[(cp >> shift) & 0xF];
  return out;
}

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsLocalPartChar(char c) {
  static constexpr std::string_view kSpecials = "!#$%&'*+/=?^_`{|}~-";
  return IsAsciiAlnum(c) || kSpecials.find(c) != std::string_view::npos;
}

Status BadEmail(std::string_view email, const std::string& why) {
  return Status::InvalidArgument("e-mail address \"" + std::string(email.substr(0, 64)) +
                                 "\" is not valid: " + why);
}

}  // namespace

Status ValidatePersonName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("the name is empty");
  if (name.size() > kMaxPersonName) {
    return Status::InvalidArgument("the name is " + std::to_string(name.size()) +
                                   " bytes long; at most " + std::to_string(kMaxPersonName) +
                                   " are allowed");
  }
  if (!IsValidUtf8(name)) return Status::InvalidArgument("the name is not valid UTF-8");
  if (name.front() == ' ' || name.back() == ' ') {
    return Status::InvalidArgument("the name begins or ends with a space");
  }
  for (size_t i = 0; i < name.size();) {
    const uint32_t cp = NextCodePoint(name, i);
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      return Status::InvalidArgument("the name holds a control character (" + Hex4(cp) + ")");
    }
    if (cp == 0x2028 || cp == 0x2029) {
      return Status::InvalidArgument("the name holds a line separator (" + Hex4(cp) + ")");
    }
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
      return Status::InvalidArgument("the name holds a bidi override (" + Hex4(cp) +
                                     "), which can make it display as another name");
    }
  }
  return Status::Ok();
}

Status ValidateEmail(std::string_view email) {
  if (email.empty()) return BadEmail(email, "it is empty");
  if (email.size() > kMaxEmail) {
    return BadEmail(email, "longer than " + std::to_string(kMaxEmail) + " bytes");
  }
  const size_t at = email.rfind('@');
  if (at == std::string_view::npos) return BadEmail(email, "no '@'");
  const std::string_view local = email.substr(0, at), domain = email.substr(at + 1);
  if (local.empty() || local.size() > 64)
    return BadEmail(email, "the part before '@' must be 1..64 bytes");
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return BadEmail(email, "dots before '@' must separate non-empty parts");
  }
  for (char c : local) {
    if (c != '.' && !IsLocalPartChar(c)) {
      return BadEmail(email,
                      "the part before '@' may hold only letters, digits, dots and "
                      "!#$%&'*+/=?^_`{|}~-");
    }
  }
  if (domain.find('.') == std::string_view::npos) {
    return BadEmail(email, "the domain needs a dot (e.g. pine.org)");
  }
  size_t start = 0;
  while (start <= domain.size()) {
    size_t dot = domain.find('.', start);
    if (dot == std::string_view::npos) dot = domain.size();
    const std::string_view label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63) {
      return BadEmail(email, "each part of the domain must be 1..63 bytes");
    }
    if (label.front() == '-' || label.back() == '-') {
      return BadEmail(email, "a domain part may not begin or end with '-'");
    }
    for (char c : label) {
      if (c != '-' && !IsAsciiAlnum(c)) {
        return BadEmail(email, "the domain may hold only letters, digits, '-' and dots");
      }
    }
    start = dot + 1;
  }
  return Status::Ok();
}

std::string PersonNameKey(std::string_view name) {
  std::string out;
  bool space = false;
  for (char c : name) {
    if (c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

}  // namespace credmesh
