#include "node/trust_peer_policy.h"

#include "node/enrolment.h"
#include "node/node.h"
#include "node/trust/trust_index.h"
#include "node/trust/trust_records.h"
#include "protocol/hlc.h"

namespace credmesh {
namespace {

uint64_t NowHlc(Node& node) { return HybridClock::Make(node.clock().NowMillis(), 0xffff); }

}  // namespace

Result<std::vector<Bytes>> TrustPeerPolicy::OwnChain() {
  const NodeConfig& c = node_.config();
  if (c.district.empty())
    return Status::FailedPrecondition("this node is not enrolled in a district");
  RecordStore& rs = node_.store().records();
  RecordQuery gq;
  gq.kind = kGenesisKind;
  gq.scope = "district/" + c.district;
  gq.state = RecordState::kValid;
  CREDMESH_ASSIGN_OR_RETURN(auto genesis, rs.List(gq));
  if (genesis.empty())
    return Status::FailedPrecondition("no valid genesis record for district " + c.district);
  CREDMESH_ASSIGN_OR_RETURN(auto facts,
                            TrustIndex(node_.store().db()).FactsOf(node_.identity().public_key()));
  const uint64_t now = NowHlc(node_);
  for (const TrustFact& f : facts) {
    if ((f.role != Role::kSchoolNode && f.role != Role::kHubNode) || !f.InEffectAt(now)) continue;
    CREDMESH_ASSIGN_OR_RETURN(auto g, rs.GetBytes(genesis.front().id));
    CREDMESH_ASSIGN_OR_RETURN(auto cert, rs.GetBytes(f.id));
    if (!g || !cert) return Status::Internal("chain records vanished");
    return std::vector<Bytes>{std::move(*g), std::move(*cert)};
  }
  return Status::FailedPrecondition("this node holds no node certificate in effect");
}

Result<NodeCertInfo> TrustPeerPolicy::Self() { return OwnCertificate(node_); }

Result<NodeCertInfo> TrustPeerPolicy::VerifyPeerChain(const std::vector<Bytes>& chain,
                                                      const PublicKey& authenticated) {
  const NodeConfig& c = node_.config();
  if (chain.size() != 2) return Status::Unauthorized("chain must be [genesis, node certificate]");
  auto genesis = VerifiedRecord::Verify(chain[0]);
  auto cert = VerifiedRecord::Verify(chain[1]);
  if (!genesis.ok() || !cert.ok()) return Status::Unauthorized("chain record fails verification");
  auto root = PublicKey::FromHex(c.root_key);
  if (!root) return Status::Unauthorized("this node knows no district root");
  auto held = node_.store().records().GetRow(genesis->id());
  if (!held.ok()) return held.status();
  if (genesis->record().kind != kGenesisKind || !*held || (*held)->state != RecordState::kValid) {
    return Status::Unauthorized("genesis is not this district's (" + c.district + ")");
  }
  const Record& r = cert->record();
  if (r.kind != kNodeCertKind || r.author != *root || r.scope != "district/" + c.district) {
    return Status::Unauthorized("not a node certificate of district " + c.district);
  }
  auto body = NodeCertBody::Parse(r.body);
  if (!body.ok()) return Status::Unauthorized("certificate body: " + body.status().message());
  if (body->node_key != authenticated) {
    return Status::Unauthorized("certificate is for " + ShortKey(body->node_key) +
                                ", not the authenticated key " + ShortKey(authenticated));
  }
  // The trust index holds the certificate's validity and revocations as the
  // district's records decide them.
  CREDMESH_ASSIGN_OR_RETURN(auto facts, TrustIndex(node_.store().db()).FactsOf(authenticated));
  const uint64_t now = NowHlc(node_);
  for (const TrustFact& f : facts) {
    if (f.id != cert->id()) continue;
    if (!f.InEffectAt(now)) return Status::Unauthorized("certificate expired or revoked");
    NodeCertInfo info;
    info.role = RoleName(f.role);
    info.district = c.district;
    info.school = body->school;
    return info;
  }
  return Status::Unauthorized("certificate unknown to this node, or not valid");
}

Status TrustPeerPolicy::RefreshAdmission() {
  CREDMESH_ASSIGN_OR_RETURN(auto facts, TrustIndex(node_.store().db()).LoadAll());
  const uint64_t now = NowHlc(node_);
  std::map<CurvePublic, PublicKey> admitted;
  for (const TrustFact& f : facts) {
    if ((f.role != Role::kSchoolNode && f.role != Role::kHubNode) || !f.InEffectAt(now)) continue;
    auto curve = CurveFromPublicKey(f.subject);
    if (curve.ok()) admitted[*curve] = f.subject;
  }
  std::lock_guard<std::mutex> lock(mu_);
  admitted_ = std::move(admitted);
  return Status::Ok();
}

std::optional<std::string> TrustPeerPolicy::AdmitCurveKey(const CurvePublic& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = admitted_.find(key);
  if (it == admitted_.end()) return std::nullopt;
  return it->second.hex();
}

}  // namespace credmesh
