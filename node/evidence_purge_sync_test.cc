// A purge travels like any record: written at the hub, it reaches a school
// through an ordinary sync session, and the school deletes the file's
// chunks once the session's records are committed.
#include <doctest/doctest.h>

#include "node/credentials/credential_records.h"
#include "node/evidence_purge.h"
#include "node/sync/sync_test_world.h"

namespace credmesh {
namespace {

using testing::MakeClient;
using testing::MakeServer;
using testing::RunPair;
using testing::ScopesFor;
using testing::SyncPeer;
using testing::SyncWorld;

void SyncPineWithHub(SyncWorld& w, SyncPeer& pine) {
  auto client = MakeClient(pine, *w.hub, w.clock, ScopesFor("pine"));
  auto server = MakeServer(*w.hub, pine.key(), w.clock);
  RunPair(*client, *server);
  REQUIRE(pine.backend->Flush().ok());
  REQUIRE(w.hub->backend->Flush().ok());
}

TEST_CASE("evidence purge over sync: a purge written at the hub deletes the school's chunks") {
  SyncWorld w;
  SyncPeer& pine = w.School("pine");
  auto chunks = ChunkStore::Open(pine.node->Path(Node::kChunkDir));
  REQUIRE(chunks.ok());
  const Bytes part1(262144, 0x11), part2(500, 0x22);
  auto c1 = chunks->Put(part1);
  auto c2 = chunks->Put(part2);
  REQUIRE(c1.ok());
  REQUIRE(c2.ok());

  // The evidence, at Pine (signed by the district root, which may write
  // anything in its district: the trust rules are tested elsewhere).
  EvidenceBody e;
  e.slot = "video";
  e.file = EvidenceFile{"class.mp4", "video/mp4", 262144 + 500, Hash256{}, 262144, {*c1, *c2}};
  e.file->hash = Blake2b256(AsBytes("class.mp4 content"));
  REQUIRE(pine.node->ledger()
              .Write(kSubmissionEvidenceKind, "school/pine", "sub-1", e.ToValue(), w.root)
              .ok());
  SyncPineWithHub(w, pine);
  w.clock.Advance(1000);

  // The hub, which holds the record but none of the bytes, purges the file.
  auto purge =
      w.hub->node->ledger().Write(kEvidencePurgeKind, "school/pine", PurgeEntity(e.file->hash),
                                  PurgeBody{e.file->hash, "privacy request"}.ToValue(), w.root);
  REQUIRE(purge.ok());
  CHECK(chunks->Has(*c1));  // not at Pine yet

  SyncPineWithHub(w, pine);
  CHECK_FALSE(chunks->Has(*c1));
  CHECK_FALSE(chunks->Has(*c2));
  CHECK(chunks->IsPurged(*c1));
  CHECK_FALSE(chunks->PutVerified(*c2, part2).ok());
  EvidencePurges at_pine(pine.node->store().db());
  auto tomb = at_pine.Find("school/pine", e.file->hash);
  REQUIRE(tomb.ok());
  REQUIRE(tomb->has_value());
  CHECK((*tomb)->record == purge->id());
  CHECK((*tomb)->reason == "privacy request");
  CHECK(*at_pine.IsPurged(e.file->hash));
  CHECK(*at_pine.PendingChanges() == 0);
}

}  // namespace
}  // namespace credmesh
