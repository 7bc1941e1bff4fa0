// record_store.h: the table of signed records. Only VerifiedRecord values can
// be inserted, so nothing unverified is ever stored. Every stored record has
// an authorization state decided by the node layer (node/ledger.h).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "protocol/record.h"
#include "storage/sqlite.h"

namespace credmesh {

enum class RecordState : int {
  kValid = 0,    // verified and authorized: counts for derived state
  kPending = 1,  // verified, waiting (for a grant, or for our clock to catch up)
  kDenied = 2,   // verified, but its author was not authorized at its timestamp
};
std::string_view RecordStateName(RecordState s);

struct RecordRow {
  RecordId id;
  std::string kind;
  std::string scope;
  std::string entity;
  uint64_t hlc = 0;
  PublicKey author;
  RecordState state = RecordState::kValid;
  std::string reason;  // why pending/denied; empty when valid
  int64_t received_ms = 0;
  size_t size = 0;  // encoded bytes
};

struct RecordQuery {
  std::optional<std::string> kind;
  std::optional<std::string> kind_prefix;  // e.g. "trust."
  std::optional<std::string> scope;
  std::optional<std::string> entity;
  std::optional<PublicKey> author;
  std::optional<RecordState> state;
  std::optional<uint64_t> min_hlc;  // inclusive
  size_t limit = 0;                 // 0: no limit
  bool newest_first = false;        // default: ascending (hlc, id)
};

class RecordStore {
 public:
  // Creates or upgrades the records schema, including the validity log
  // (table record_state_log: seq, row = the record's rowid, scope), to which
  // triggers append every record that becomes or stops being valid, or is
  // deleted while valid; it keeps the last kStateLogKeep entries.
  static Status Migrate(Database& db);
  static constexpr int64_t kStateLogKeep = 65536;
  // REQUIRES: Migrate(db) succeeded. `db` must outlive the store.
  explicit RecordStore(Database& db) : db_(db) {}

  // Inserts `rec`; returns false (and changes nothing) if its id is present.
  Result<bool> Insert(const VerifiedRecord& rec, RecordState state, std::string_view reason,
                      int64_t received_ms);
  Status SetState(const RecordId& id, RecordState state, std::string_view reason);
  // Removes the record `id` (a no-op if absent). Only for records that
  // count for nothing, such as evicted quarantine.
  Status Delete(const RecordId& id);
  Result<bool> Contains(const RecordId& id);
  Result<std::optional<RecordRow>> GetRow(const RecordId& id);
  // The stored bytes, not re-verified.
  Result<std::optional<Bytes>> GetBytes(const RecordId& id);
  // Loads and re-verifies (signature and id) a stored record.
  Result<VerifiedRecord> Load(const RecordId& id);
  // Finds records whose hex id starts with `prefix` (for the CLI).
  Result<std::vector<RecordId>> FindByIdPrefix(const std::string& hex_prefix, size_t limit);
  Result<std::vector<RecordRow>> List(const RecordQuery& q);
  // Calls `fn` with each matching row and its bytes; stops at the first error.
  Status ForEach(const RecordQuery& q,
                 const std::function<Status(const RecordRow&, ByteView bytes)>& fn);
  Result<int64_t> Count(const RecordQuery& q);
  // Largest timestamp stored, 0 if none.
  Result<uint64_t> MaxHlc();

 private:
  Database& db_;
};

}  // namespace credmesh
