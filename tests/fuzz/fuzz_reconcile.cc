// libFuzzer target for reconciliation payloads: Reconciler::Respond on
// arbitrary bytes, against an in-memory item set whose size the first input
// byte picks (empty, a few, many, so that fingerprints, id lists and need
// ranges all meet real items). Besides crashes and sanitizer reports it
// aborts when a reply we produce is refused by a peer reconciler with the
// same limits: what we send must always be well-formed. Build: README.md.
#include <array>
#include <cstdlib>

#include "protocol/crypto.h"
#include "protocol/reconcile.h"

using credmesh::MemoryItemSource;
using credmesh::ReconcileLimits;
using credmesh::Reconciler;

namespace {

// n items with spread timestamps and ids hashed from their index.
MemoryItemSource Items(size_t n, uint8_t salt) {
  MemoryItemSource source;
  for (size_t i = 0; i < n; ++i) {
    const std::array<uint8_t, 2> seed = {static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8)};
    credmesh::SyncItem item;
    item.ts = 1000 + 7 * i;
    item.id = credmesh::Blake2b256(seed);
    item.id.data[31] ^= salt;
    (void)source.Insert(item);
  }
  source.Prepare();
  return source;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const std::array<size_t, 4> kSizes = {0, 3, 40, 300};
  static MemoryItemSource sources[4] = {Items(kSizes[0], 0), Items(kSizes[1], 0),
                                        Items(kSizes[2], 0), Items(kSizes[3], 0)};
  static MemoryItemSource peer = Items(100, 1);
  ReconcileLimits limits;
  limits.max_message_bytes = ReconcileLimits::kMinMessageBytes * 4;
  limits.max_ranges = 64;
  auto ours = Reconciler::Create(sources[data[0] % 4], limits);
  auto theirs = Reconciler::Create(peer, limits);
  if (!ours.ok() || !theirs.ok()) std::abort();

  auto step = ours->Respond(credmesh::ByteView(data + 1, size - 1));
  if (step.ok() && step->reply) {
    auto answer = theirs->Respond(*step->reply);
    if (!answer.ok()) std::abort();
  }
  return 0;
}
