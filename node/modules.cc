// modules.cc: the authorizer and projections every node runs with.
#include "node/node.h"

namespace credmesh {

std::unique_ptr<Authorizer> MakeAuthorizer(Node& /*node*/) { return nullptr; }

std::vector<std::unique_ptr<Projection>> MakeProjections(Node& /*node*/) { return {}; }

}  // namespace credmesh
