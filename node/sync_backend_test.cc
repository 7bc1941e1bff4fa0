#include "node/sync_backend.h"

#include <doctest/doctest.h>

#include "node/sync_test_world.h"

namespace credmesh {
namespace {

using testing::MakeClient;
using testing::MakeServer;
using testing::RunPair;
using testing::SyncPeer;
using testing::SyncWorld;

TEST_CASE("sync backend: received records join the item set, merged when the scope completes") {
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  pine.Notes("school/pine", 500, "s");
  // The hub loads its (empty) set of school/pine before receiving anything.
  auto before = w.hub->backend->cache().Get("school/pine");
  REQUIRE(before.ok());
  CHECK((*before)->size() == 0);

  auto c = MakeClient(*w.hub, pine, w.clock, {"school/pine"});
  auto s = MakeServer(pine, w.hub->key(), w.clock);
  RunPair(*c, *s);
  REQUIRE(c->completed());

  auto after = w.hub->backend->cache().Get("school/pine");
  REQUIRE(after.ok());
  // Every record received was added, and already merged: the next session's
  // first query does not pay for merging 500 insertions.
  CHECK((*after)->pending() == 0);
  CHECK((*after)->size() == 500);
  auto total = (*after)->Summarize(Bound::Min(), Bound::Infinity());
  REQUIRE(total.ok());
  CHECK(total->count == 500);
}

}  // namespace
}  // namespace credmesh
