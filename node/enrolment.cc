#include "node/enrolment.h"

#include <nlohmann/json.hpp>

#include "node/trust/trust_index.h"
#include "protocol/hlc.h"

namespace credmesh {
namespace {

constexpr char kRequestDomain[] = "credmesh/enrolment-request/v1";

Bytes RequestMessage(const PublicKey& key, const std::string& name) {
  Bytes m(kRequestDomain, kRequestDomain + sizeof kRequestDomain);  // includes the NUL
  m.insert(m.end(), key.data.begin(), key.data.end());
  m.insert(m.end(), name.begin(), name.end());
  return m;
}

Result<nlohmann::json> ParseObject(const std::string& text, const char* format) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::InvalidArgument("not a JSON object");
  if (j.value("format", "") != format) {
    return Status::InvalidArgument(std::string("format must be \"") + format + "\"");
  }
  return j;
}

Result<PublicKey> KeyFrom(const nlohmann::json& j, const char* field) {
  auto k = PublicKey::FromHex(j.value(field, ""));
  if (!k) return Status::InvalidArgument(std::string(field) + " must be 64 hex digits");
  return *k;
}

Result<VerifiedRecord> WriteCert(Node& node, const SigningKey& root, const PublicKey& key,
                                 Role role, const std::string& school, const std::string& name,
                                 int64_t validity_ms) {
  NodeCertBody c;
  c.node_key = key;
  c.role = role;
  c.school = school;
  c.name = name;
  c.not_before_ms = node.clock().NowMillis();
  c.not_after_ms = c.not_before_ms + validity_ms;
  return node.ledger().Write(kNodeCertKind, "district/" + node.config().district,
                             "node/" + key.hex(), c.ToValue(), root);
}

}  // namespace

EnrolmentRequest EnrolmentRequest::Create(const SigningKey& key, std::string name) {
  EnrolmentRequest r;
  r.node_key = key.public_key();
  r.name = std::move(name);
  r.signature = key.Sign(RequestMessage(r.node_key, r.name));
  return r;
}

std::string EnrolmentRequest::ToJson() const {
  nlohmann::json j = {{"format", kFormat},
                      {"node_key", node_key.hex()},
                      {"name", name},
                      {"role", "school"},
                      {"signature", signature.hex()}};
  return j.dump(2) + "\n";
}

Result<EnrolmentRequest> EnrolmentRequest::Parse(const std::string& text) {
  CREDMESH_ASSIGN_OR_RETURN(auto j, ParseObject(text, kFormat));
  EnrolmentRequest r;
  CREDMESH_ASSIGN_OR_RETURN(r.node_key, KeyFrom(j, "node_key"));
  r.name = j.value("name", "");
  auto sig = Signature::FromHex(j.value("signature", ""));
  if (!sig) return Status::InvalidArgument("signature must be 128 hex digits");
  r.signature = *sig;
  if (!VerifySignature(r.node_key, RequestMessage(r.node_key, r.name), r.signature)) {
    return Status::Unauthorized("enrolment request signature does not verify");
  }
  return r;
}

std::string CertificateBundle::ToJson() const {
  auto recs = nlohmann::json::array();
  for (const Bytes& b : records) recs.push_back(ToHex(b));
  nlohmann::json j = {{"format", kFormat},        {"district", district},
                      {"school", school},         {"root_key", root_key.hex()},
                      {"hub_key", hub_key.hex()}, {"hub_address", hub_address},
                      {"records", recs}};
  return j.dump(2) + "\n";
}

Result<CertificateBundle> CertificateBundle::Parse(const std::string& text) {
  CREDMESH_ASSIGN_OR_RETURN(auto j, ParseObject(text, kFormat));
  CertificateBundle b;
  b.district = j.value("district", "");
  b.school = j.value("school", "");
  b.hub_address = j.value("hub_address", "");
  CREDMESH_ASSIGN_OR_RETURN(b.root_key, KeyFrom(j, "root_key"));
  CREDMESH_ASSIGN_OR_RETURN(b.hub_key, KeyFrom(j, "hub_key"));
  if (b.district.empty()) return Status::InvalidArgument("bundle names no district");
  if (!j.contains("records") || !j["records"].is_array()) {
    return Status::InvalidArgument("bundle has no records array");
  }
  for (const auto& r : j["records"]) {
    auto bytes = r.is_string() ? FromHex(r.get<std::string>()) : std::nullopt;
    if (!bytes) return Status::InvalidArgument("bundle record is not hex");
    b.records.push_back(std::move(*bytes));
  }
  return b;
}

Status FoundDistrict(Node& hub, const SigningKey& root, const std::string& district_name) {
  const NodeConfig& c = hub.config();
  GenesisBody g{district_name, c.district, root.public_key()};
  auto genesis = hub.ledger().Write(kGenesisKind, "district/" + c.district,
                                    "district/" + c.district, g.ToValue(), root);
  if (!genesis.ok()) return genesis.status().WithContext("genesis");
  auto cert = WriteCert(hub, root, hub.identity().public_key(), Role::kHubNode, "", c.name,
                        kDefaultCertValidityMs);
  return cert.ok() ? Status::Ok() : cert.status().WithContext("hub certificate");
}

Result<CertificateBundle> IssueNodeCertificate(Node& hub, const SigningKey& root,
                                               const EnrolmentRequest& request,
                                               const std::string& school, int64_t validity_ms) {
  const NodeConfig& c = hub.config();
  if (school.empty() || Slugify(school) != school) {
    return Status::InvalidArgument(
        "school id must be lower-case letters, digits and '-' (e.g. pine)");
  }
  if (root.public_key().hex() != c.root_key) {
    return Status::Unauthorized("this key is not the root key of district " + c.district);
  }
  CREDMESH_ASSIGN_OR_RETURN(auto existing, TrustIndex(hub.store().db()).FactsOf(request.node_key));
  for (const TrustFact& f : existing) {
    if (f.scope != "school/" + school && f.revoked_hlc == TrustFact::kNever) {
      return Status::FailedPrecondition("node " + ShortKey(request.node_key) +
                                        " already holds a certificate for " + f.scope +
                                        "; revoke it first");
    }
  }
  CREDMESH_ASSIGN_OR_RETURN(
      VerifiedRecord cert,
      WriteCert(hub, root, request.node_key, Role::kSchoolNode, school, request.name, validity_ms));
  CertificateBundle b;
  b.district = c.district;
  b.school = school;
  b.root_key = root.public_key();
  b.hub_key = hub.identity().public_key();
  b.hub_address = c.AdvertisedAddress();
  RecordQuery q;
  q.kind = kGenesisKind;
  q.state = RecordState::kValid;
  CREDMESH_ASSIGN_OR_RETURN(auto genesis, hub.store().records().List(q));
  q.kind = kNodeCertKind;
  q.author = root.public_key();
  CREDMESH_ASSIGN_OR_RETURN(auto certs, hub.store().records().List(q));
  for (const auto* rows : {&genesis, &certs}) {
    for (const RecordRow& row : *rows) {
      CREDMESH_ASSIGN_OR_RETURN(VerifiedRecord rec, hub.store().records().Load(row.id));
      auto body = NodeCertBody::Parse(rec.record().body);
      bool wanted = rec.record().kind == kGenesisKind || rec.id() == cert.id() ||
                    (body.ok() && body->role == Role::kHubNode);
      if (wanted) b.records.push_back(rec.bytes());
    }
  }
  return b;
}

Status InstallBundle(const std::string& dir, Clock& clock, const CertificateBundle& bundle) {
  // Check the bundle before touching the node: signed by the root it names,
  // carrying the genesis and a certificate for this very node.
  CREDMESH_ASSIGN_OR_RETURN(auto node, Node::Open(dir, clock));
  const PublicKey self = node->identity().public_key();
  bool genesis = false, own = false, hub = false;
  for (const Bytes& b : bundle.records) {
    CREDMESH_ASSIGN_OR_RETURN(VerifiedRecord rec, VerifiedRecord::Verify(b));
    const Record& r = rec.record();
    if (r.author != bundle.root_key) continue;
    if (r.kind == kGenesisKind) {
      auto g = GenesisBody::Parse(r.body);
      genesis |= g.ok() && g->root == bundle.root_key && g->district == bundle.district;
    } else if (r.kind == kNodeCertKind) {
      auto c = NodeCertBody::Parse(r.body);
      if (!c.ok()) continue;
      own |= c->node_key == self && c->school == bundle.school;
      hub |= c->node_key == bundle.hub_key && c->role == Role::kHubNode;
    }
  }
  if (!genesis) return Status::InvalidArgument("bundle holds no genesis signed by its root key");
  if (!own) {
    return Status::InvalidArgument("bundle holds no certificate for this node (" + ShortKey(self) +
                                   "); was it issued for another request?");
  }
  if (!hub) return Status::InvalidArgument("bundle holds no certificate for the hub key it names");
  const NodeConfig& old = node->config();
  if (!old.root_key.empty() && old.root_key != bundle.root_key.hex()) {
    return Status::FailedPrecondition("this node already belongs to district " + old.district +
                                      " with another root key");
  }
  NodeConfig& c = node->mutable_config();
  c.role = "school";
  c.district = bundle.district;
  c.school = bundle.school;
  c.root_key = bundle.root_key.hex();
  c.hub_key = bundle.hub_key.hex();
  c.hub_address = bundle.hub_address;
  CREDMESH_RETURN_IF_ERROR(node->SaveConfig());
  node.reset();
  // Reopen: the node now runs with the district's authorizer.
  CREDMESH_ASSIGN_OR_RETURN(node, Node::Open(dir, clock));
  CREDMESH_ASSIGN_OR_RETURN(auto summary, node->ledger().Ingest(bundle.records));
  (void)summary;
  CREDMESH_RETURN_IF_ERROR(node->ledger().Rebuild());
  CREDMESH_ASSIGN_OR_RETURN(NodeCertInfo info, OwnCertificate(*node));
  if (info.role.empty())
    return Status::FailedPrecondition("installed, but the certificate is not valid now");
  return Status::Ok();
}

Result<NodeCertInfo> OwnCertificate(Node& node) {
  const NodeConfig& c = node.config();
  if (c.district.empty() || c.root_key.empty()) return NodeCertInfo{};
  TrustIndex index(node.store().db());
  return NodeCertificateOf(index, node.identity().public_key(),
                           HybridClock::Make(node.clock().NowMillis(), 0xffff), c.district);
}

}  // namespace credmesh
