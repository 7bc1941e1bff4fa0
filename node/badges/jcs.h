// jcs.h: the JSON Canonicalization Scheme (RFC 8785) over nlohmann::json —
// the byte form that eddsa-jcs-2022 proofs hash and sign. Pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "protocol/status.h"

namespace credmesh {

// The RFC 8785 serialization of `value`: no whitespace; object members sorted
// by the UTF-16 code units of their names; strings with only the mandatory
// escapes (\" \\ \b \f \n \r \t, other controls as \u00xx) and raw UTF-8
// otherwise; numbers as ECMAScript's Number.prototype.toString prints the
// IEEE-754 double they denote (integers beyond 2^53 are rounded to a double,
// as a JavaScript parser would). InvalidArgument for NaN, infinities, a
// binary value, or a string that is not valid UTF-8.
Result<std::string> CanonicalizeJcs(const nlohmann::json& value);

// The shortest ECMAScript rendering of a finite double ("1e+21", "0.000001",
// "5e-324", "-0" prints "0"). REQUIRES: std::isfinite(d).
std::string FormatJcsNumber(double d);

}  // namespace credmesh
