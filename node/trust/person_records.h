// person_records.h: the bodies of the records that describe people, as
// opposed to their authority (trust_records.h). Both live in the trust
// library because people are the subjects of grants. Layouts (keys as
// lower-case hex, entity "person/<key hex>"):
//   person.profile  {key, name, email}  scope school/<s> or district/<d>
//   person.rekey    {old, new, reason, consent}  scope district/<d>, entity
//                   person/<old>: the person who held `old` now signs with
//                   `new`. `consent` is new's Ed25519 signature over
//                   "credmesh/person-rekey/v1\0" || old || new (32 bytes
//                   each), so nobody can tie a key to a person without its
//                   holder. Signed by `old` itself or by an admin (or the
//                   root). docs/trust.md "People", docs/records.md §9.
#pragma once

#include <string>

#include "protocol/bytes.h"
#include "protocol/crypto.h"
#include "protocol/record.h"
#include "protocol/status.h"
#include "protocol/value.h"

namespace credmesh {

inline constexpr char kRekeyKind[] = "person.rekey";
// Longest reason a rekey may carry (bytes).
inline constexpr size_t kMaxRekeyReason = 64 * 1024;

struct ProfileBody {
  PublicKey key;
  std::string name;   // ValidatePersonName
  std::string email;  // ValidateEmail, or empty
  Value ToValue() const;
  // InvalidArgument naming the field on a missing, mistyped or invalid one.
  static Result<ProfileBody> Parse(const Value& body);
};

struct RekeyBody {
  PublicKey old_key, new_key;
  std::string reason;
  Signature consent;
  Value ToValue() const;
  // Also checks that old and new differ and that `consent` is new's
  // signature; InvalidArgument otherwise.
  static Result<RekeyBody> Parse(const Value& body);
  // The body moving `old_key`'s person to `new_key`, with its consent.
  static RekeyBody Make(const PublicKey& old_key, const SigningKey& new_key, std::string reason);
};

// "credmesh/person-rekey/v1\0" || old || new: what `consent` signs.
Bytes RekeyConsentMessage(const PublicKey& old_key, const PublicKey& new_key);

// Why a person.profile or person.rekey record is malformed — its body does
// not parse, or names another key than its entity "person/<key>" — or an
// empty string when it is well formed (and for records of other kinds).
std::string PersonRecordProblem(const Record& record);

// "person/<key hex>", the entity of every record about one person's key.
std::string PersonEntity(const PublicKey& key);

}  // namespace credmesh
