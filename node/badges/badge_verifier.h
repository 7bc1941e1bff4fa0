// badge_verifier.h: offline verification of an exported OB 3.0 badge — either
// a JSON credential with an embedded eddsa-jcs-2022 DataIntegrityProof or a
// compact VC-JWT. Checks, in order: the proof; that the signing key is the
// issuer's (issuer.id is its did:key) and is trusted to issue for the
// district at signing time; the fields OB 3.0 requires; the validity period
// against an injected "now"; and revocation when a status list is given.
// No network, no clock of its own.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/status.h"

namespace credmesh {

// Who may sign badges. Check returns OK if `key` may issue at `at_ms`, else
// Unauthorized with the reason.
class IssuerTrust {
 public:
  virtual ~IssuerTrust() = default;
  virtual Status Check(const PublicKey& key, int64_t at_ms) const = 0;
};

// A fixed set of keys, trusted at any time (`badge verify --trust did:key:...`).
class TrustedKeys final : public IssuerTrust {
 public:
  void Add(const PublicKey& key) { keys_.insert(key); }
  bool empty() const { return keys_.empty(); }
  Status Check(const PublicKey& key, int64_t at_ms) const override;

 private:
  std::set<PublicKey> keys_;
};

// Trusted if any of `a`, `b` trusts (either may be null).
class EitherTrust final : public IssuerTrust {
 public:
  EitherTrust(const IssuerTrust* a, const IssuerTrust* b) : a_(a), b_(b) {}
  Status Check(const PublicKey& key, int64_t at_ms) const override;

 private:
  const IssuerTrust* a_;
  const IssuerTrust* b_;
};

struct BadgeVerifyOptions {
  int64_t now_ms = 0;
  // null: nobody to trust (a node with no district root, no --trust): the
  // badge is at best "unverifiable", never valid.
  const IssuerTrust* trust = nullptr;
  // The text of a BitstringStatusListCredential (signed, JSON), or empty.
  std::string status_list;
};

inline constexpr char kVerdictValid[] = "valid";
inline constexpr char kVerdictNotValid[] = "not valid";
inline constexpr char kVerdictUnverifiable[] = "unverifiable";

struct BadgeVerdict {
  bool valid = false;
  // kVerdictValid; kVerdictUnverifiable when the only thing missing is a
  // trusted issuer key to check against (options.trust null); else
  // kVerdictNotValid.
  std::string verdict = kVerdictNotValid;
  std::string format;                 // "data-integrity" | "vc-jwt" | "" (unreadable)
  nlohmann::json credential;          // the credential as read (JWT: the payload)
  std::string issuer_key;             // did:key of the signer, when the proof checked out
  std::string revocation;             // "not revoked" | "revoked" | "not checked: ..."
  std::vector<std::string> problems;  // why it is not valid; empty iff valid
  std::vector<std::string> checks;    // what was checked and passed
  nlohmann::json ToJson() const;
};

BadgeVerdict VerifyBadge(std::string_view file_text, const BadgeVerifyOptions& options);

}  // namespace credmesh
