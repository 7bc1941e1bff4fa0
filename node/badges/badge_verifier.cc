#include "node/badges/badge_verifier.h"

#include <algorithm>
#include <cctype>

#include "node/badges/multibase.h"
#include "node/badges/open_badge.h"
#include "node/badges/status_list.h"
#include "node/badges/vc_proof.h"

namespace credmesh {
namespace {

const nlohmann::json kNull;

const nlohmann::json& At(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::string Str(const nlohmann::json& j, const char* key) {
  const auto& v = At(j, key);
  return v.is_string() ? v.get<std::string>() : "";
}

bool HasType(const nlohmann::json& j, const char* type) {
  const auto& t = At(j, "type");
  if (t.is_string()) return t == type;
  return t.is_array() && std::find(t.begin(), t.end(), nlohmann::json(type)) != t.end();
}

// The fields OB 3.0 requires of an OpenBadgeCredential and its achievement.
void CheckRequiredFields(const nlohmann::json& c, std::vector<std::string>& problems) {
  const auto& ctx = At(c, "@context");
  if (!ctx.is_array() || ctx.empty() || ctx[0] != kVcContextV2) {
    problems.push_back("@context must start with " + std::string(kVcContextV2));
  } else if (std::none_of(ctx.begin(), ctx.end(), [](const nlohmann::json& x) {
               return x.is_string() && x.get<std::string>().starts_with(
                                           "https://purl.imsglobal.org/spec/ob/v3p0/context");
             })) {
    problems.push_back("@context lacks the OB 3.0 context");
  }
  if (!At(c, "type").is_array() || !HasType(c, "VerifiableCredential") ||
      !(HasType(c, "OpenBadgeCredential") || HasType(c, "AchievementCredential"))) {
    problems.push_back("type must be an array with VerifiableCredential and OpenBadgeCredential");
  }
  for (const char* f : {"id", "validFrom", "name"}) {
    if (Str(c, f).empty()) problems.push_back(std::string("missing ") + f);
  }
  if (IssuerId(c).empty()) problems.push_back("missing issuer.id");
  const auto& s = At(c, "credentialSubject");
  if (!HasType(s, "AchievementSubject"))
    problems.push_back("credentialSubject is not an AchievementSubject");
  if (Str(s, "id").empty() && !At(s, "identifier").is_array()) {
    problems.push_back("credentialSubject has neither id nor identifier");
  }
  const auto& a = At(s, "achievement");
  if (!HasType(a, "Achievement"))
    problems.push_back("credentialSubject.achievement is not an Achievement");
  for (const char* f : {"id", "name", "description"}) {
    if (Str(a, f).empty())
      problems.push_back(std::string("missing credentialSubject.achievement.") + f);
  }
  if (!At(a, "criteria").is_object())
    problems.push_back("missing credentialSubject.achievement.criteria");
}

// The fields CLR 2.0 requires of a ClrCredential and its ClrSubject.
void CheckClrFields(const nlohmann::json& c, std::vector<std::string>& problems) {
  const auto& ctx = At(c, "@context");
  if (!ctx.is_array() || ctx.empty() || ctx[0] != kVcContextV2) {
    problems.push_back("@context must start with " + std::string(kVcContextV2));
  } else if (std::none_of(ctx.begin(), ctx.end(), [](const nlohmann::json& x) {
               return x.is_string() && x.get<std::string>().starts_with(
                                           "https://purl.imsglobal.org/spec/clr/v2p0/context");
             })) {
    problems.push_back("@context lacks the CLR 2.0 context");
  }
  if (!At(c, "type").is_array() || !HasType(c, "VerifiableCredential"))
    problems.push_back("type must be an array with VerifiableCredential and ClrCredential");
  for (const char* f : {"id", "validFrom", "name"}) {
    if (Str(c, f).empty()) problems.push_back(std::string("missing ") + f);
  }
  if (IssuerId(c).empty()) problems.push_back("missing issuer.id");
  const auto& s = At(c, "credentialSubject");
  if (!HasType(s, "ClrSubject")) problems.push_back("credentialSubject is not a ClrSubject");
  const auto& vcs = At(s, "verifiableCredential");
  if (!vcs.is_array() || vcs.empty())
    problems.push_back("credentialSubject.verifiableCredential must list at least one credential");
  const auto& assoc = At(s, "association");
  if (!assoc.is_null() && !assoc.is_array()) problems.push_back("association must be a list");
  for (const auto& as : assoc.is_array() ? assoc : nlohmann::json::array()) {
    if (Str(as, "associationType").empty() || Str(as, "sourceId").empty() ||
        Str(as, "targetId").empty()) {
      problems.push_back("an association lacks associationType, sourceId or targetId");
      break;
    }
  }
}

// The signing times a badge carries (proof.created, validFrom) name whole
// seconds and the signer signed somewhere within one. Trust is checked at its
// last millisecond, so a badge exported in the same second as its issuer's
// grant verifies (docs/badges.md, "How the verifier knows the district's keys").
int64_t LastMillisOfSecond(int64_t ms) {
  int64_t second = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  return second * 1000 + 999;
}

// Verifies the proof of a JSON credential; returns the signing key and time.
Status CheckDataIntegrity(const nlohmann::json& doc, PublicKey& key, int64_t& signed_ms,
                          BadgeVerdict& v) {
  const auto& proof = At(doc, "proof");
  std::vector<nlohmann::json> proofs;
  if (proof.is_array())
    proofs.assign(proof.begin(), proof.end());
  else if (proof.is_object())
    proofs.push_back(proof);
  if (proofs.empty()) return Status::InvalidArgument("no proof: the credential is not signed");
  std::string why;
  for (const auto& p : proofs) {
    auto k = VerifyEddsaJcsProof(doc, p);
    if (!k.ok()) {
      why += (why.empty() ? "" : "; ") + k.status().message();
      continue;
    }
    key = *k;
    auto created = ParseDateTime(Str(p, "created"));
    auto from = ParseDateTime(Str(doc, "validFrom"));
    signed_ms = created.ok() ? *created : from.ok() ? *from : 0;
    v.checks.push_back("eddsa-jcs-2022 proof by " + DidKeyOf(key) + " verifies");
    return Status::Ok();
  }
  return Status::Corruption(why);
}

void CheckStatus(const nlohmann::json& cred, const BadgeVerifyOptions& o, BadgeVerdict& v) {
  const auto& st = At(cred, "credentialStatus");
  if (st.is_null()) {
    v.revocation = "not checked: the credential has no credentialStatus";
    return;
  }
  if (Str(st, "type") != "BitstringStatusListEntry" || Str(st, "statusPurpose") != "revocation") {
    v.revocation =
        "not checked: unsupported credentialStatus (want a revocation BitstringStatusListEntry)";
    return;
  }
  if (o.trust == nullptr) {
    v.revocation = "not checked: no trusted key to check the status list's signer against";
    return;
  }
  if (o.status_list.empty()) {
    v.revocation = "not checked: no status list given (" + Str(st, "statusListCredential") + ")";
    return;
  }
  auto list = nlohmann::json::parse(o.status_list, nullptr, false);
  if (!list.is_object()) {
    v.problems.push_back("status list: not a JSON credential");
    return;
  }
  if (Str(list, "id") != Str(st, "statusListCredential")) {
    v.problems.push_back("status list: its id " + Str(list, "id") +
                         " is not the credential's statusListCredential " +
                         Str(st, "statusListCredential"));
    return;
  }
  PublicKey key;
  int64_t signed_ms = 0;
  BadgeVerdict scratch;
  if (auto s = CheckDataIntegrity(list, key, signed_ms, scratch); !s.ok()) {
    v.problems.push_back("status list: " + s.message());
    return;
  }
  if (auto s = o.trust->Check(key, LastMillisOfSecond(signed_ms)); !s.ok()) {
    v.problems.push_back("status list: signer not trusted: " + s.message());
    return;
  }
  const auto& subj = At(list, "credentialSubject");
  if (!HasType(list, "BitstringStatusListCredential") ||
      Str(subj, "statusPurpose") != "revocation") {
    v.problems.push_back("status list: not a revocation BitstringStatusListCredential");
    return;
  }
  auto bits = StatusBitstring::Decode(Str(subj, "encodedList"));
  if (!bits.ok()) {
    v.problems.push_back(bits.status().message());
    return;
  }
  std::string idx_text = Str(st, "statusListIndex");
  uint64_t idx = 0;
  bool idx_ok =
      !idx_text.empty() && idx_text.size() < 12 &&
      std::all_of(idx_text.begin(), idx_text.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  if (idx_ok) idx = std::stoull(idx_text);
  if (!idx_ok || idx >= bits->size()) {
    v.problems.push_back("credentialStatus: statusListIndex \"" + idx_text +
                         "\" is not an index of the list");
    return;
  }
  if (bits->Get(idx)) {
    v.revocation = "revoked";
    v.problems.push_back("revoked: bit " + idx_text + " of status list " + Str(list, "id") +
                         " is set");
  } else {
    v.revocation = "not revoked";
    v.checks.push_back("status list " + Str(list, "id") + " (signed " + Str(list, "validFrom") +
                       ") says not revoked");
  }
}

}  // namespace

Status TrustedKeys::Check(const PublicKey& key, int64_t) const {
  if (keys_.count(key)) return Status::Ok();
  return Status::Unauthorized(DidKeyOf(key) + " is not among the --trust keys");
}

Status EitherTrust::Check(const PublicKey& key, int64_t at_ms) const {
  std::string why;
  for (const IssuerTrust* t : {a_, b_}) {
    if (!t) continue;
    Status s = t->Check(key, at_ms);
    if (s.ok()) return s;
    why += (why.empty() ? "" : "; ") + s.message();
  }
  return Status::Unauthorized(
      why.empty() ? "no trusted issuer keys (give --trust or an enrolled --dir)" : why);
}

nlohmann::json BadgeVerdict::ToJson() const {
  return {{"valid", valid},
          {"verdict", verdict},
          {"format", format},
          {"id", Str(credential, "id")},
          {"name", Str(credential, "name")},
          {"issuer", IssuerId(credential)},
          {"signed_by", issuer_key},
          {"revocation", revocation},
          {"problems", problems},
          {"checks", checks}};
}

namespace {

BadgeVerdict VerifyOne(std::string_view text, const BadgeVerifyOptions& o, bool nested);

// A CLR's credentials: each verified as a badge on its own (proof, issuer,
// fields, dates, revocation); the CLR is valid only if all of them are.
void CheckEmbeddedBadges(const nlohmann::json& clr, const BadgeVerifyOptions& o, bool nested,
                         BadgeVerdict& v) {
  if (nested) {
    v.problems.push_back("a CLR inside a CLR is not supported");
    return;
  }
  const auto& vcs = At(At(clr, "credentialSubject"), "verifiableCredential");
  size_t ok = 0, revoked = 0, unchecked = 0;
  for (size_t i = 0; vcs.is_array() && i < vcs.size(); ++i) {
    const auto& vc = vcs[i];
    BadgeVerdict inner =
        vc.is_string() ? VerifyOne(vc.get<std::string>(), o, true) : VerifyOne(vc.dump(), o, true);
    const std::string what =
        "verifiableCredential[" + std::to_string(i) + "] (" + Str(inner.credential, "name") + ")";
    if (inner.revocation == "revoked") ++revoked;
    if (inner.revocation.rfind("not checked", 0) == 0) ++unchecked;
    if (inner.verdict == kVerdictValid) {
      ++ok;
    } else if (inner.verdict != kVerdictUnverifiable) {  // the CLR itself says so already
      for (const auto& p : inner.problems) v.problems.push_back(what + ": " + p);
    }
  }
  if (vcs.is_array() && ok == vcs.size())
    v.checks.push_back("all " + std::to_string(ok) + " embedded badge(s) verify");
  v.revocation = revoked ? std::to_string(revoked) + " embedded badge(s) revoked"
                 : unchecked
                     ? "not checked for " + std::to_string(unchecked) + " embedded badge(s)" +
                           (o.status_list.empty() ? " (no status list given)" : "")
                     : "not revoked";
}

}  // namespace

BadgeVerdict VerifyBadge(std::string_view text, const BadgeVerifyOptions& o) {
  return VerifyOne(text, o, false);
}

namespace {

BadgeVerdict VerifyOne(std::string_view text, const BadgeVerifyOptions& o, bool nested) {
  BadgeVerdict v;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  PublicKey key;
  int64_t signed_ms = 0;
  if (!text.empty() && text.front() == '{') {
    v.format = "data-integrity";
    v.credential = nlohmann::json::parse(text, nullptr, false);
    if (!v.credential.is_object()) {
      v.problems.push_back("not a JSON object");
      return v;
    }
    if (auto s = CheckDataIntegrity(v.credential, key, signed_ms, v); !s.ok()) {
      v.problems.push_back(s.message());
      return v;
    }
  } else {
    v.format = "vc-jwt";
    auto jwt = VerifyVcJwt(text);
    if (!jwt.ok()) {
      v.problems.push_back(jwt.status().message());
      return v;
    }
    key = jwt->key;
    v.credential = jwt->payload;
    for (auto& p : CheckJwtClaims(v.credential)) v.problems.push_back(p);
    auto from = ParseDateTime(Str(v.credential, "validFrom"));
    signed_ms = from.ok() ? *from : 0;
    v.checks.push_back("VC-JWT EdDSA signature by " + DidKeyOf(key) + " verifies");
  }
  v.issuer_key = DidKeyOf(key);

  // The signer must be the issuer named in the credential, and trusted.
  auto issuer_key = ParseDidKey(IssuerId(v.credential));
  bool nobody_to_trust = false;
  if (!issuer_key.ok() || *issuer_key != key) {
    v.problems.push_back("issuer.id " + IssuerId(v.credential) + " is not the signing key " +
                         DidKeyOf(key));
  } else if (o.trust == nullptr) {
    nobody_to_trust = true;
    v.problems.push_back(
        "unverifiable: nobody to trust here (no district root on this node and no --trust "
        "key), so the signature proves only that " +
        DidKeyOf(key) + " signed it, not that an issuer of any district did");
  } else if (Status s = o.trust->Check(key, LastMillisOfSecond(signed_ms)); !s.ok()) {
    v.problems.push_back("issuer not trusted: " + s.message());
  } else {
    v.checks.push_back("issuer " + DidKeyOf(key) + " is trusted");
  }

  const bool clr = HasType(v.credential, "ClrCredential");
  size_t before = v.problems.size();
  if (clr) {
    CheckClrFields(v.credential, v.problems);
    if (v.problems.size() == before) v.checks.push_back("required CLR 2.0 fields present");
  } else {
    CheckRequiredFields(v.credential, v.problems);
    if (v.problems.size() == before) v.checks.push_back("required OB 3.0 fields present");
  }

  auto from = ParseDateTime(Str(v.credential, "validFrom"));
  if (!from.ok()) {
    v.problems.push_back("validFrom: " + from.status().message());
  } else if (o.now_ms < *from) {
    v.problems.push_back("not yet valid: validFrom " + Str(v.credential, "validFrom") +
                         " is after now (" + FormatDateTime(o.now_ms) + ")");
  }
  if (v.credential.contains("validUntil")) {
    auto until = ParseDateTime(Str(v.credential, "validUntil"));
    if (!until.ok())
      v.problems.push_back("validUntil: " + until.status().message());
    else if (o.now_ms >= *until)
      v.problems.push_back("expired: validUntil " + Str(v.credential, "validUntil"));
  }
  if (from.ok() && o.now_ms >= *from)
    v.checks.push_back("within its validity period at " + FormatDateTime(o.now_ms));

  if (clr) {
    CheckEmbeddedBadges(v.credential, o, nested, v);
  } else {
    CheckStatus(v.credential, o, v);
  }
  v.valid = v.problems.empty();
  v.verdict = v.valid                                       ? kVerdictValid
              : (nobody_to_trust && v.problems.size() == 1) ? kVerdictUnverifiable
                                                            : kVerdictNotValid;
  return v;
}

}  // namespace
}  // namespace credmesh
