// reconcile.h: range-based set reconciliation (Meyer; Negentropy-shaped) of
// one scope's items between two nodes, independent of storage and network.
// The payload grammar and the algorithm are specified in docs/protocol.md,
// "Reconciliation"; this is its reference implementation.
//
// Usage (both sides hold an ItemSource over the same scope, and the same
// short-id key, e.g. the session id):
//   initiator: msg = Initiate()                          -> send msg
//   either:    step = Respond(received)                  -> push step.have_ids,
//              send *step.reply if present; stop once step.finished.
// Id lists carry 8-byte keyed short ids; a side that lacks listed items asks
// for them inside its reply (Need ranges), and the peer's next step finds
// them as have ids. Together the two sides' have lists cover the difference
// exactly once. No state survives between calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/reconcile_source.h"
#include "protocol/status.h"

namespace credmesh {

struct ReconcileLimits {
  // Negotiated per session (WELCOME): caps on one reconciliation payload,
  // applied to what we send and to what we accept.
  size_t max_message_bytes = 1024 * 1024 - 256;
  size_t max_ranges = 1024;
  // Local tuning; peers need not agree on these.
  size_t buckets = 16;              // a mismatching range splits into this many
  size_t id_list_threshold = 32;    // T: ranges with <= T of our items (<= 4T if the peer
                                    // holds more) go as IdList, docs/protocol.md §8.4
  size_t max_ids_per_step = 65536;  // ids found (have + needed) per Respond (soft cap, see .cc)

  // Minimums that guarantee every message makes progress.
  static constexpr size_t kMinMessageBytes = 4096;
  Status Validate() const;
};

// Range modes on the wire.
enum class RangeMode : int64_t { kSkip = 0, kFingerprint = 1, kIdList = 2, kNeed = 3 };

// Keys the short ids of id lists (docs/protocol.md §8.3): SipHash-2-4 of the
// record id. Per session, so a collision never repeats.
using ShortIdKey = FixedBytes<16>;
using ShortId = FixedBytes<8>;
ShortId ShortIdOf(const ShortIdKey& key, const RecordId& id);

struct ReconcileStep {
  // The message to send back; nullopt when the received message was the
  // empty (final) message and nothing must be sent.
  std::optional<Bytes> reply;
  std::vector<RecordId> have_ids;  // we hold them, the peer lacks them: push
  // True once no further reconciliation message will arrive for this run:
  // either we received the final message, or `reply` is the final message.
  bool finished = false;
};

class Reconciler {
 public:
  using Step = ReconcileStep;

  // Errors: InvalidArgument if `limits` are out of range. `source` must
  // outlive the Reconciler and not change during a call (use a snapshot).
  static Result<Reconciler> Create(const ItemSource& source, ReconcileLimits limits = {},
                                   ShortIdKey key = {});

  // The first message of a run: one range over the whole universe, an
  // IdList if we hold at most id_list_threshold items, else a Fingerprint.
  Result<Bytes> Initiate() const;

  // Processes one message from the peer. Errors: InvalidArgument for
  // malformed or non-canonical payloads, ResourceExhausted for payloads over
  // the limits, and whatever the ItemSource returns. Never throws.
  Result<Step> Respond(ByteView message) const;

 private:
  Reconciler(const ItemSource& source, ReconcileLimits limits, ShortIdKey key)
      : source_(&source), limits_(limits), key_(key) {}
  const ItemSource* source_;
  ReconcileLimits limits_;
  ShortIdKey key_;
};

// True iff `message` is the final (empty) reconciliation message.
bool IsFinalReconcileMessage(ByteView message);

}  // namespace credmesh
