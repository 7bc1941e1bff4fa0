// person_names.h: what a person's name and e-mail address may be, checked
// where people are created on the command line and where person records
// (trust.grant names, person.profile, person.rekey) are decoded from any
// source, so a peer cannot plant a name that spoofs another on a terminal.
// Pure functions. docs/trust.md "People".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "protocol/status.h"

namespace credmesh {

inline constexpr size_t kMaxPersonName = 128;  // bytes of UTF-8
inline constexpr size_t kMaxEmail = 254;       // RFC 5321 path limit

// Ok, or InvalidArgument saying what is wrong, when `name` is empty, longer
// than kMaxPersonName bytes, not UTF-8, begins or ends with a space, or holds
// a control character (U+0000-001F, U+007F-009F), a line or paragraph
// separator (U+2028, U+2029) or a bidi embedding, override or isolate
// (U+202A-202E, U+2066-2069).
Status ValidatePersonName(std::string_view name);

// Ok, or InvalidArgument, unless `email` is local@domain: at most kMaxEmail
// bytes; local part 1..64 of ASCII letters, digits and !#$%&'*+/=?^_`{|}~-
// in dot-separated runs; domain of two or more dot-separated labels of
// letters, digits and inner hyphens, each 1..63 bytes.
Status ValidateEmail(std::string_view email);

// The form names are compared in: ASCII letters lower-cased and runs of
// spaces collapsed, so "Ed  Educator" and "ed educator" are one name.
std::string PersonNameKey(std::string_view name);

}  // namespace credmesh
