// sync_backend.h: what a sync session needs from a node's storage — the item
// set of a scope (valid records only, docs/protocol.md §3), records by id,
// and the one ingest path (Ledger: verify, authorize, store exactly like a
// local write). Sessions talk only to this interface, so they can be tested
// without sockets.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "node/ledger.h"
#include "protocol/reconcile_source.h"
#include "protocol/record.h"
#include "storage/store.h"

namespace credmesh {

struct SyncIngestResult {
  size_t inserted = 0;            // new records stored
  size_t duplicates = 0;          // already held
  std::vector<RecordId> refused;  // refused by local policy, answered with ERROR 422: stored
                                  // as denied, or not stored (timestamp too far ahead)
};

class SyncBackend {
 public:
  virtual ~SyncBackend() = default;
  // The item set of `scope`. The pointer stays valid until the next call of
  // any method of the backend.
  virtual Result<const ItemSource*> Items(const std::string& scope) = 0;
  // Appends to `out` the encodings of the valid records of `scope` among
  // `ids`, and to `missing` every other id (unknown, other scope, quarantined).
  virtual Status Fetch(const std::string& scope, const std::vector<RecordId>& ids,
                       std::vector<Bytes>& out, std::vector<RecordId>& missing) = 0;
  // Stores verified records (REQUIRES: all of one granted scope) that the
  // peer with node key `from` sent, through the ledger (which counts what
  // each peer leaves in quarantine). Fails only on a storage error, storing
  // none of `records`. Records stored may stay uncommitted until Flush().
  virtual Result<SyncIngestResult> Ingest(std::vector<VerifiedRecord> records,
                                          const PublicKey& from) = 0;
  // Makes every record Ingest stored durable. Sessions call it whenever they
  // have stored all they received, and before they close. Default: nothing
  // to do (each Ingest committed on its own).
  virtual Status Flush() { return Status::Ok(); }
  // A scope's transfer just completed: a quiet moment to bring its item set
  // up to date, so the next session's first query is fast. Default: nothing.
  virtual void ScopeCompleted(const std::string& scope) { (void)scope; }
  // Brings the item sets up to every record committed now, including those
  // written outside this backend (another process, the CLI writing while the
  // daemon serves). Sessions call it when they begin, so a session
  // reconciles at least what was committed when it began (docs/protocol.md
  // §13). Default: nothing to pick up.
  virtual Status Refresh() { return Status::Ok(); }
};

// Per-scope in-memory item sets loaded from the records table and kept
// current: Refresh() adds records stored since the last call (by rowid) and
// reloads only the loaded scopes in which a record stored before became or
// stopped being valid (the table's validity log, storage/record_store.h).
class ScopeItemCache {
 public:
  explicit ScopeItemCache(Store& store) : store_(store) {}
  // The current items of `scope` (valid records), loaded on first use.
  Result<const MemoryItemSource*> Get(const std::string& scope);
  // Picks up records inserted or re-decided since the last call.
  Status Refresh();
  // Adds an item known to be valid now; a no-op for scopes not loaded.
  Status Add(const std::string& scope, const SyncItem& item);
  // Number of items of a loaded scope (0 if not loaded).
  size_t Size(const std::string& scope);
  // Merges what Refresh/Add queued into a loaded scope's set.
  void Prepare(const std::string& scope);
  // Ids of records Refresh() saw stored in a state other than valid since
  // the last call.
  std::vector<RecordId> TakeRefused() { return std::exchange(last_refused_, {}); }
  // Forgets everything loaded: after a rollback the sets may hold records
  // the table no longer has, and rowids above those seen will be reused.
  // Each scope loads again from the table when next asked for.
  void Reset();
  // Times a scope's set was read whole from the table (for tests).
  uint64_t loads() const { return loads_; }

 private:
  struct Entry {
    MemoryItemSource items;
  };
  Status Load(const std::string& scope, Entry& e);
  Store& store_;
  std::map<std::string, std::unique_ptr<Entry>> scopes_;
  int64_t max_rowid_ = -1;  // highest rowid seen by Refresh; -1 before the first
  int64_t log_seq_ = 0;     // last validity log entry seen by Refresh
  uint64_t loads_ = 0;
  std::vector<RecordId> last_refused_;
};

// The backend of a real node: its store, its ledger, an item cache.
class LedgerSyncBackend final : public SyncBackend {
 public:
  static constexpr size_t kGroupRecords = 65536;
  LedgerSyncBackend(Store& store, Ledger& ledger, size_t group_records = kGroupRecords)
      : store_(store), ledger_(ledger), cache_(store), group_limit_(group_records) {}
  LedgerSyncBackend(const LedgerSyncBackend&) = delete;
  LedgerSyncBackend& operator=(const LedgerSyncBackend&) = delete;
  ~LedgerSyncBackend() override;  // commits what Flush() has not
  Result<const ItemSource*> Items(const std::string& scope) override;
  Status Fetch(const std::string& scope, const std::vector<RecordId>& ids, std::vector<Bytes>& out,
               std::vector<RecordId>& missing) override;
  // Each call is atomic; consecutive calls share one transaction until
  // Flush() or `group_records` records, because at a million records one
  // commit per 1,024-record frame spends more on rewriting the same index
  // pages to the WAL than on inserting (docs/benchmarks.md).
  // A failed call stores none of its records; if SQLite rolled the whole
  // group back (it may, on an I/O error or a full disk) or the group's
  // commit failed, the records of the earlier calls since the last Flush
  // are gone too, and the error says so. Either way the item sets stay
  // equal to what the table holds.
  Result<SyncIngestResult> Ingest(std::vector<VerifiedRecord> records,
                                  const PublicKey& from) override;
  // Errors: the commit's; the group is then rolled back.
  Status Flush() override;
  void ScopeCompleted(const std::string& scope) override;
  Status Refresh() override { return cache_.Refresh(); }
  ScopeItemCache& cache() { return cache_; }

 private:
  // After a failed ingest: drops the group if SQLite already rolled it back.
  Status Recover(Status failure, size_t call_records);
  Store& store_;
  Ledger& ledger_;
  ScopeItemCache cache_;
  std::optional<Transaction> group_;  // open across Ingest calls until Flush
  size_t group_limit_;
  size_t group_records_ = 0;
};

}  // namespace credmesh
