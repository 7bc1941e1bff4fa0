// peer_policy.h: the sync layer's view of trust — which chain we present,
// whether a peer's chain is valid and bound to the key that authenticated
// the transport, which scopes a node may read, and which CURVE keys the ZAP
// handler admits. The sync sessions see only this interface; TrustPeerPolicy
// implements it over the trust layer (node/trust_index.h, scope_policy.h).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "node/curve_keys.h"
#include "node/scope_policy.h"
#include "protocol/bytes.h"
#include "protocol/status.h"

namespace credmesh {

class Node;

class PeerPolicy {
 public:
  virtual ~PeerPolicy() = default;
  // Our chain for HELLO/WELCOME: genesis record, then our node certificate.
  virtual Result<std::vector<Bytes>> OwnChain() = 0;
  // What our own certificate entitles us to (role empty if not enrolled).
  virtual Result<NodeCertInfo> Self() = 0;
  // Checks a peer's chain (docs/protocol.md §9.1). Errors: Unauthorized
  // (ERROR 401) with the reason; the certificate must name `authenticated`.
  virtual Result<NodeCertInfo> VerifyPeerChain(const std::vector<Bytes>& chain,
                                               const PublicKey& authenticated) = 0;
  virtual bool MayRead(const NodeCertInfo& node, const std::string& scope) {
    return credmesh::MayRead(node, scope);
  }
};

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
  Status RefreshAdmission();
  // The hex Ed25519 node key (ZAP User-Id) for a CURVE key, or nullopt.
  std::optional<std::string> AdmitCurveKey(const CurvePublic& key) const;

 private:
  Node& node_;
  mutable std::mutex mu_;
  std::map<CurvePublic, PublicKey> admitted_;  // GUARDED_BY(mu_)
};

}  // namespace credmesh
