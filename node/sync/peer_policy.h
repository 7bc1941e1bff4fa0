// peer_policy.h: the sync layer's view of trust — which chain we present,
// whether a peer's chain is valid and bound to the key that authenticated
// the transport, which scopes a node may read, and which CURVE keys the ZAP
// handler admits. The sync sessions see only this interface; TrustPeerPolicy
// (node/trust_peer_policy.h) implements it over the trust layer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "node/sync/curve_keys.h"
#include "node/trust/scope_policy.h"
#include "protocol/bytes.h"
#include "protocol/status.h"

namespace credmesh {

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
  // Reloads which CURVE keys the ZAP handler admits (new certificates,
  // revocations). The default admits nobody beyond what AdmitCurveKey says.
  virtual Status RefreshAdmission() { return Status::Ok(); }
  // The hex Ed25519 node key (ZAP User-Id) for a CURVE key, or nullopt to
  // refuse the handshake. Called on the ZAP handler's thread.
  virtual std::optional<std::string> AdmitCurveKey(const CurvePublic& /*key*/) const {
    return std::nullopt;
  }
};

// The scopes of `requested` that records may travel in between `self` and
// `peer`: those both nodes may read (docs/protocol.md §9.2). A sync server
// grants these; a bundle for `peer` carries these (node/bundle).
inline std::vector<std::string> GrantedScopes(PeerPolicy& policy, const NodeCertInfo& peer,
                                              const NodeCertInfo& self,
                                              const std::vector<std::string>& requested) {
  std::vector<std::string> granted;
  for (const std::string& s : requested) {
    if (policy.MayRead(peer, s) && policy.MayRead(self, s)) granted.push_back(s);
  }
  return granted;
}

}  // namespace credmesh
