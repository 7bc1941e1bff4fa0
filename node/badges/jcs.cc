#include "node/badges/jcs.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <utility>
#include <vector>

namespace credmesh {
namespace {

// UTF-16 code units of a UTF-8 string, for RFC 8785 §3.2.3 member ordering.
// Only called on strings nlohmann already checked, so it need not validate.
std::u16string Utf16Of(const std::string& s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    char32_t cp;
    size_t n;
    if (b < 0x80)
      cp = b, n = 1;
    else if ((b >> 5) == 0x6)
      cp = b & 0x1f, n = 2;
    else if ((b >> 4) == 0xe)
      cp = b & 0x0f, n = 3;
    else
      cp = b & 0x07, n = 4;
    for (size_t k = 1; k < n && i + k < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xd800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

Status Append(const nlohmann::json& v, std::string& out) {
  using T = nlohmann::json::value_t;
  switch (v.type()) {
    case T::null:
      out += "null";
      return Status::Ok();
    case T::boolean:
      out += v.get<bool>() ? "true" : "false";
      return Status::Ok();
    case T::number_integer: {
      int64_t n = v.get<int64_t>();
      // Exact below 2^53; beyond, JavaScript would hold the nearest double.
      if (n > -(int64_t{1} << 53) && n < (int64_t{1} << 53))
        out += std::to_string(n);
      else
        out += FormatJcsNumber(static_cast<double>(n));
      return Status::Ok();
    }
    case T::number_unsigned: {
      uint64_t n = v.get<uint64_t>();
      if (n < (uint64_t{1} << 53))
        out += std::to_string(n);
      else
        out += FormatJcsNumber(static_cast<double>(n));
      return Status::Ok();
    }
    case T::number_float: {
      double d = v.get<double>();
      if (!std::isfinite(d))
        return Status::InvalidArgument("JCS: NaN and infinities have no JSON form");
      out += FormatJcsNumber(d);
      return Status::Ok();
    }
    case T::string:
      try {
        // nlohmann's escaping (ensure_ascii off) is exactly RFC 8785 §3.2.2.2:
        // the short escapes, \u00xx (lower case) for other controls, the rest raw.
        out += v.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
      } catch (const nlohmann::json::exception&) {
        return Status::InvalidArgument("JCS: string is not valid UTF-8");
      }
      return Status::Ok();
    case T::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ',';
        first = false;
        CREDMESH_RETURN_IF_ERROR(Append(e, out));
      }
      out += ']';
      return Status::Ok();
    }
    case T::object: {
      std::vector<std::pair<std::u16string, const std::string*>> keys;
      keys.reserve(v.size());
      for (auto it = v.begin(); it != v.end(); ++it)
        keys.emplace_back(Utf16Of(it.key()), &it.key());
      std::sort(keys.begin(), keys.end());
      out += '{';
      bool first = true;
      for (const auto& [_, k] : keys) {
        if (!first) out += ',';
        first = false;
        CREDMESH_RETURN_IF_ERROR(Append(nlohmann::json(*k), out));
        out += ':';
        CREDMESH_RETURN_IF_ERROR(Append(v.at(*k), out));
      }
      out += '}';
      return Status::Ok();
    }
    case T::binary:
    case T::discarded:
      break;
  }
  return Status::InvalidArgument("JCS: value has no JSON form");
}

}  // namespace

std::string FormatJcsNumber(double d) {
  if (d == 0) return "0";  // also -0
  std::string out;
  if (d < 0) {
    out += '-';
    d = -d;
  }
  // Shortest round-trip digits (what ECMAScript requires) in scientific form:
  // "d.ddde+XX". Take the digits and the decimal exponent, then lay them out
  // by the rules of Number::toString (ECMA-262 §6.1.6.1.20).
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  size_t e_pos = sci.find('e');
  std::string digits;
  for (size_t i = 0; i < e_pos; ++i) {
    if (sci[i] != '.') digits += sci[i];
  }
  // to_chars wrote the exponent, so it parses; from_chars takes the sign
  // but not a leading '+'.
  int exp10 = 0;
  const char* exp_begin = sci.c_str() + e_pos + 1;
  if (*exp_begin == '+') ++exp_begin;
  std::from_chars(exp_begin, sci.c_str() + sci.size(), exp10);
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;  // value = 0.digits * 10^n
  if (k <= n && n <= 21) {
    out += digits + std::string(n - k, '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, n) + "." + digits.substr(n);
  } else if (-6 < n && n <= 0) {
    out += "0." + std::string(-n, '0') + digits;
  } else {
    out += digits.substr(0, 1);
    if (k > 1) out += "." + digits.substr(1);
    out += n - 1 >= 0 ? "e+" : "e-";
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

Result<std::string> CanonicalizeJcs(const nlohmann::json& value) {
  std::string out;
  CREDMESH_RETURN_IF_ERROR(Append(value, out));
  return out;
}

}  // namespace credmesh
