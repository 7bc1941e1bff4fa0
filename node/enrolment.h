// enrolment.h: founding a district and enrolling nodes over files (USB stick,
// e-mail). A school writes an enrolment request; the hub, holding the root
// key, answers with a certificate bundle; the school installs it.
// File formats: docs/trust.md, "Enrolment files".
#pragma once

#include <string>
#include <vector>

#include "node/node.h"
#include "node/trust/trust_records.h"

namespace credmesh {

inline constexpr int64_t kDefaultCertValidityMs = 2LL * 365 * 86'400'000;  // two years

// DIR/enrolment-request.json: a node's public key and name, self-signed so
// the hub knows the requester holds the key.
struct EnrolmentRequest {
  static constexpr char kFormat[] = "credmesh-enrolment-request/1";
  PublicKey node_key;
  std::string name;
  Signature signature;

  static EnrolmentRequest Create(const SigningKey& node_key, std::string name);
  std::string ToJson() const;
  // Parses and verifies the self-signature.
  static Result<EnrolmentRequest> Parse(const std::string& json_text);
};

// The hub's answer: the signed trust records the node needs (genesis, hub
// certificate(s), the node's own certificate) plus where and who the hub is.
struct CertificateBundle {
  static constexpr char kFormat[] = "credmesh-certificate-bundle/1";
  std::string district;
  std::string school;
  PublicKey root_key;
  PublicKey hub_key;
  std::string hub_address;
  std::vector<Bytes> records;  // encoded signed records

  std::string ToJson() const;
  static Result<CertificateBundle> Parse(const std::string& json_text);
};

// On a fresh hub whose config names the district and root key: writes the
// genesis record and the hub's own node certificate, both signed by `root`.
Status FoundDistrict(Node& hub, const SigningKey& root, const std::string& district_name);

// Has `root` certify the requesting node as a school (`school` non-empty) and
// returns the bundle to hand to it. Fails if the request's key is already
// certified for another school.
Result<CertificateBundle> IssueNodeCertificate(Node& hub, const SigningKey& root,
                                               const EnrolmentRequest& request,
                                               const std::string& school, int64_t validity_ms);

// Installs `bundle` into the node in `dir`: checks it is for this node and
// signed by the root it names, records district/school/root/hub in the
// config, ingests the records and re-decides every stored record.
Status InstallBundle(const std::string& dir, Clock& clock, const CertificateBundle& bundle);

// What this node's installed certificate says (role empty when none is valid
// now); used by `status` and the sync layer's MayRead.
Result<NodeCertInfo> OwnCertificate(Node& node);

}  // namespace credmesh
