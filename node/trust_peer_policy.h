// trust_peer_policy.h: the sync layer's PeerPolicy over a district node's
// trust state (node/trust/trust_index.h, scope_policy.h): our chain, peer
// chain checks, and the CURVE keys the ZAP handler admits.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "node/sync/peer_policy.h"

namespace credmesh {

class Node;

// Over a district node. Not thread-safe except AdmitCurveKey, which the ZAP
// handler's thread may call while the owner thread runs RefreshAdmission.
class TrustPeerPolicy final : public PeerPolicy {
 public:
  explicit TrustPeerPolicy(Node& node) : node_(node) {}
  Result<std::vector<Bytes>> OwnChain() override;
  Result<NodeCertInfo> Self() override;
  Result<NodeCertInfo> VerifyPeerChain(const std::vector<Bytes>& chain,
                                       const PublicKey& authenticated) override;

  // Reloads the CURVE keys of every node certificate in effect now.
  Status RefreshAdmission() override;
  std::optional<std::string> AdmitCurveKey(const CurvePublic& key) const override;

 private:
  Node& node_;
  mutable std::mutex mu_;
  std::map<CurvePublic, PublicKey> admitted_;  // GUARDED_BY(mu_)
};

}  // namespace credmesh
