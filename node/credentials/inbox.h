// inbox.h: the read model of `credmesh inbox` — what happened that concerns
// one person, as items with stable keys — and the per-person record of what
// they have already seen, kept locally on the node (SQLite module "inbox";
// not a synced record and not a projection: `rebuild` keeps it).
//
// A person's items: for each submission they educate (or award they hold),
// every review (feedback), each attempt's decision, the award, its
// revocation and recognitions, and every superseded outcome; for each stack
// awarded to them, the award.stack and its revocation; and anywhere, the
// superseded outcomes of records they wrote (a reviewer's review, an issuer's
// award). An item is new until the person has looked at it: the
// marker is the set of item keys seen, so an item whose record arrives late
// (after a partition, with an old timestamp) is still new.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "node/credentials/lifecycle_views.h"
#include "storage/store.h"

namespace credmesh {

enum class InboxKind { kFeedback, kDecision, kAward, kRevocation, kRecognition, kSuperseded };
// "feedback", "decision", "award", "revocation", "recognition", "superseded".
std::string_view InboxKindName(InboxKind kind);

struct InboxItem {
  // Stable identity, what the marker remembers: "<kind>:<record id>" (a
  // decision: "decision:<submission>:<attempt>:<deciding review>"; superseded:
  // "superseded:<lost record>:<winning record>").
  std::string key;
  InboxKind kind = InboxKind::kFeedback;
  std::string submission;   // empty for a stack award's items
  std::string stack_award;  // a stack award's items: its id (award:stack:...)
  std::string definition;   // the credential, or the stack, awarded
  int64_t attempt = 0;      // feedback, decision
  RecordId record;  // the review, award.issue or award.stack, award.revoke or award.recognition
  uint64_t hlc = 0;
  PublicKey by;                                 // who wrote `record`
  std::string decision;                         // feedback, decision: awarded | not_yet
  std::string text;                             // feedback, revocation reason, recognition note
  int64_t ceu_hundredths = 0;                   // recognition
  std::optional<SupersededOutcome> superseded;  // kSuperseded
  bool is_new = false;                          // not seen before (LookAtInbox)
};

// Every current item concerning `person`, by (hlc, kind in enum order, key).
Result<std::vector<InboxItem>> InboxItems(Store& store, const PublicKey& person);

// The per-person marker. Migrate before use.
class InboxMarks {
 public:
  static Status Migrate(Database& db);
  // REQUIRES: Migrate(db) succeeded. `db` must outlive this.
  explicit InboxMarks(Database& db) : db_(db) {}
  // The keys `person` has seen.
  Result<std::set<std::string>> Seen(const PublicKey& person);
  // When `person` last looked (Unix ms); nullopt if never.
  Result<std::optional<int64_t>> LastLooked(const PublicKey& person);
  // Remembers `keys` as seen and `now_ms` as the last look, in one transaction.
  Status MarkSeen(const PublicKey& person, const std::vector<std::string>& keys, int64_t now_ms);

 private:
  Database& db_;
};

struct InboxView {
  std::vector<InboxItem> items;  // all current items, is_new set
  size_t new_items = 0;
  std::optional<int64_t> last_looked_ms;  // before this look
};
// One look at the inbox: every item with is_new for those not seen before,
// then marks them all seen at `now_ms`. Migrates the marker's tables.
Result<InboxView> LookAtInbox(Store& store, const PublicKey& person, int64_t now_ms);

}  // namespace credmesh
