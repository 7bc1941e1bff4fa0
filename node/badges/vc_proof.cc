#include "node/badges/vc_proof.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <regex>

#include "node/badges/jcs.h"
#include "node/badges/multibase.h"

namespace credmesh {
namespace {

nlohmann::json ProofOptions(const PublicKey& key, const std::string& created,
                            const nlohmann::json& document) {
  nlohmann::json proof = {{"type", "DataIntegrityProof"},
                          {"cryptosuite", kEddsaJcs2022},
                          {"created", created},
                          {"verificationMethod", DidKeyMethodOf(key)},
                          {"proofPurpose", "assertionMethod"}};
  if (document.contains("@context")) proof["@context"] = document["@context"];
  return proof;
}

// SHA-256(JCS(options)) || SHA-256(JCS(document)): the bytes that are signed.
Result<Bytes> HashData(const nlohmann::json& options, const nlohmann::json& document) {
  CREDMESH_ASSIGN_OR_RETURN(std::string canon_options, CanonicalizeJcs(options));
  CREDMESH_ASSIGN_OR_RETURN(std::string canon_document, CanonicalizeJcs(document));
  auto a = Sha256(AsBytes(canon_options));
  auto b = Sha256(AsBytes(canon_document));
  Bytes out(a.data.begin(), a.data.end());
  out.insert(out.end(), b.data.begin(), b.data.end());
  return out;
}

std::string StringAt(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string SubjectId(const nlohmann::json& credential) {
  auto it = credential.find("credentialSubject");
  return it != credential.end() && it->is_object() ? StringAt(*it, "id") : "";
}

}  // namespace

std::string IssuerId(const nlohmann::json& credential) {
  auto it = credential.find("issuer");
  if (it == credential.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->is_object() ? StringAt(*it, "id") : "";
}

Result<nlohmann::json> AddEddsaJcsProof(nlohmann::json document, const SigningKey& key,
                                        const std::string& created) {
  if (!document.is_object())
    return Status::InvalidArgument("eddsa-jcs-2022: document is not a JSON object");
  nlohmann::json existing = nlohmann::json::array();
  if (auto it = document.find("proof"); it != document.end()) {
    if (!it->is_array())
      return Status::InvalidArgument("eddsa-jcs-2022: document already holds a single proof");
    existing = *it;
    document.erase(it);
  }
  nlohmann::json proof = ProofOptions(key.public_key(), created, document);
  CREDMESH_ASSIGN_OR_RETURN(Bytes data, HashData(proof, document));
  Signature sig = key.Sign(data);
  proof["proofValue"] = MultibaseBase58(sig.view());
  existing.push_back(std::move(proof));
  document["proof"] = std::move(existing);
  return document;
}

Result<PublicKey> VerifyEddsaJcsProof(const nlohmann::json& secured, const nlohmann::json& proof) {
  if (!secured.is_object() || !proof.is_object())
    return Status::InvalidArgument("proof: not a JSON object");
  if (StringAt(proof, "type") != "DataIntegrityProof") {
    return Status::InvalidArgument("proof: type \"" + StringAt(proof, "type") +
                                   "\" is not DataIntegrityProof");
  }
  if (StringAt(proof, "cryptosuite") != kEddsaJcs2022) {
    return Status::InvalidArgument("proof: cryptosuite \"" + StringAt(proof, "cryptosuite") +
                                   "\" is not supported (only eddsa-jcs-2022)");
  }
  if (StringAt(proof, "proofPurpose") != "assertionMethod") {
    return Status::InvalidArgument("proof: proofPurpose is not assertionMethod");
  }
  CREDMESH_ASSIGN_OR_RETURN(PublicKey key, ParseDidKey(StringAt(proof, "verificationMethod")));
  auto sig_bytes = MultibaseDecode(StringAt(proof, "proofValue"));
  if (!sig_bytes.ok() || StringAt(proof, "proofValue")[0] != 'z') {
    return Status::InvalidArgument("proof: proofValue is not a base58btc multibase string");
  }
  auto sig = Signature::FromView(*sig_bytes);
  if (!sig) return Status::InvalidArgument("proof: proofValue is not a 64-byte Ed25519 signature");

  nlohmann::json document = secured;
  document.erase("proof");
  nlohmann::json options = proof;
  options.erase("proofValue");
  if (options.contains("@context")) {
    // §3.3.2: the document's @context must start with the proof's.
    const auto& pc = options["@context"];
    const auto& dc = document.contains("@context") ? document["@context"] : nlohmann::json();
    bool prefix = pc.is_array() && dc.is_array() && pc.size() <= dc.size() &&
                  std::equal(pc.begin(), pc.end(), dc.begin());
    if (!prefix && pc != dc)
      return Status::InvalidArgument("proof: @context is not a prefix of the document's");
    document["@context"] = pc;
  }
  CREDMESH_ASSIGN_OR_RETURN(Bytes data, HashData(options, document));
  if (!VerifySignature(key, data, *sig)) {
    return Status::Corruption(
        "proof: signature does not match the document (changed after signing?)");
  }
  return key;
}

Result<std::string> SignVcJwt(const nlohmann::json& credential, const SigningKey& key) {
  if (!credential.is_object())
    return Status::InvalidArgument("VC-JWT: credential is not a JSON object");
  std::string id = StringAt(credential, "id"), iss = IssuerId(credential),
              sub = SubjectId(credential);
  if (id.empty() || iss.empty() || sub.empty()) {
    return Status::InvalidArgument(
        "VC-JWT: credential needs id, issuer.id and credentialSubject.id");
  }
  CREDMESH_ASSIGN_OR_RETURN(int64_t nbf_ms, ParseDateTime(StringAt(credential, "validFrom")));
  nlohmann::json payload = credential;
  payload["iss"] = iss;
  payload["jti"] = id;
  payload["sub"] = sub;
  payload["nbf"] = nbf_ms / 1000;
  if (credential.contains("validUntil")) {
    CREDMESH_ASSIGN_OR_RETURN(int64_t exp_ms, ParseDateTime(StringAt(credential, "validUntil")));
    payload["exp"] = exp_ms / 1000;
  }
  nlohmann::json header = {
      {"alg", "EdDSA"}, {"kid", DidKeyMethodOf(key.public_key())}, {"typ", "JWT"}};
  std::string input;
  try {
    input =
        Base64UrlEncode(AsBytes(header.dump())) + "." + Base64UrlEncode(AsBytes(payload.dump()));
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("VC-JWT: ") + e.what());
  }
  Signature sig = key.Sign(AsBytes(input));
  return input + "." + Base64UrlEncode(sig.view());
}

Result<VerifiedJwt> VerifyVcJwt(std::string_view compact) {
  size_t d1 = compact.find('.');
  size_t d2 = d1 == std::string_view::npos ? d1 : compact.find('.', d1 + 1);
  if (d2 == std::string_view::npos || compact.find('.', d2 + 1) != std::string_view::npos) {
    return Status::InvalidArgument("VC-JWT: not a compact JWS (three base64url parts)");
  }
  auto header_bytes = Base64UrlDecode(compact.substr(0, d1));
  auto sig_bytes = Base64UrlDecode(compact.substr(d2 + 1));
  if (!header_bytes.ok() || !sig_bytes.ok()) {
    return Status::InvalidArgument("VC-JWT: a part is not base64url");
  }
  VerifiedJwt out;
  out.header = nlohmann::json::parse(header_bytes->begin(), header_bytes->end(), nullptr, false);
  if (!out.header.is_object()) {
    return Status::InvalidArgument("VC-JWT: header is not a JSON object");
  }
  if (StringAt(out.header, "alg") != "EdDSA") {
    return Status::InvalidArgument("VC-JWT: alg \"" + StringAt(out.header, "alg") +
                                   "\" is not EdDSA");
  }
  if (out.header.contains("typ") && StringAt(out.header, "typ") != "JWT") {
    return Status::InvalidArgument("VC-JWT: typ is not JWT");
  }
  auto key = ParseDidKey(StringAt(out.header, "kid"));
  if (!key.ok()) return key.status().WithContext("VC-JWT kid");
  out.key = *key;
  auto sig = Signature::FromView(*sig_bytes);
  if (!sig) return Status::InvalidArgument("VC-JWT: signature is not 64 bytes");
  if (!VerifySignature(out.key, AsBytes(compact.substr(0, d2)), *sig)) {
    return Status::Corruption("VC-JWT: signature does not match (changed after signing?)");
  }
  // The payload, the bulk of the token, is decoded and parsed only once its
  // signature (over the base64url text) holds: a forged or damaged token
  // costs one signature check, no decoding and no JSON.
  auto payload_bytes = Base64UrlDecode(compact.substr(d1 + 1, d2 - d1 - 1));
  if (!payload_bytes.ok()) return Status::InvalidArgument("VC-JWT: a part is not base64url");
  out.payload = nlohmann::json::parse(payload_bytes->begin(), payload_bytes->end(), nullptr, false);
  if (!out.payload.is_object()) {
    return Status::InvalidArgument("VC-JWT: payload is not a JSON object");
  }
  return out;
}

std::vector<std::string> CheckJwtClaims(const nlohmann::json& p) {
  std::vector<std::string> bad;
  auto claim_str = [&](const char* claim, const std::string& want, const char* field) {
    if (StringAt(p, claim) != want)
      bad.push_back(std::string("JWT claim ") + claim + " does not equal " + field);
  };
  claim_str("iss", IssuerId(p), "issuer.id");
  claim_str("jti", StringAt(p, "id"), "id");
  claim_str("sub", SubjectId(p), "credentialSubject.id");
  auto claim_time = [&](const char* claim, const char* field) {
    auto t = ParseDateTime(StringAt(p, field));
    auto it = p.find(claim);
    if (!t.ok() || it == p.end() || !it->is_number_integer() || it->get<int64_t>() != *t / 1000) {
      bad.push_back(std::string("JWT claim ") + claim + " does not equal " + field);
    }
  };
  claim_time("nbf", "validFrom");
  if (p.contains("validUntil") || p.contains("exp")) claim_time("exp", "validUntil");
  return bad;
}

Result<int64_t> ParseDateTime(std::string_view text) {
  static const std::regex kDateTime(
      R"(^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$)");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(text.begin(), text.end(), m, kDateTime)) {
    return Status::InvalidArgument("not an RFC 3339 date-time with a zone: \"" + std::string(text) +
                                   "\"");
  }
  auto num = [&](int i) { return std::stoi(m[i].str()); };
  using namespace std::chrono;
  year_month_day ymd{year{num(1)}, month{static_cast<unsigned>(num(2))},
                     day{static_cast<unsigned>(num(3))}};
  if (!ymd.ok() || num(4) > 23 || num(5) > 59 || num(6) > 60) {
    return Status::InvalidArgument("date-time out of range: \"" + std::string(text) + "\"");
  }
  int64_t secs = duration_cast<seconds>(sys_days{ymd}.time_since_epoch()).count() + num(4) * 3600 +
                 num(5) * 60 + num(6);
  if (m[8].str() != "Z") {
    int64_t off = num(9) * 3600 + num(10) * 60;
    secs -= m[8].str()[0] == '+' ? off : -off;
  }
  int64_t ms = 0;
  if (m[7].matched) ms = std::stoll((m[7].str().substr(1) + "00").substr(0, 3));
  return secs * 1000 + ms;
}

std::string FormatDateTime(int64_t unix_ms) {
  using namespace std::chrono;
  sys_seconds t{seconds{unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000}};
  sys_days day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss hms{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

}  // namespace credmesh
