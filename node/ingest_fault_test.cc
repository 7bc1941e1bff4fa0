// Storage faults while records come in: the ledger's Ingest and the sync
// backend's grouped Ingest/Flush, run against a real node whose SQLite I/O
// goes through FaultVfs, failing the 1st, 2nd, ... write (or fsync, or
// truncate) until the run gets through. Each failure must leave all or none
// of the batch, report kIoError, and leave a database that reopens
// consistent: integrity check, every record re-verifies, and rebuilding the
// derived state changes nothing.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "node/sync/sync_test_world.h"
#include "storage/fault_vfs.h"

namespace credmesh {
namespace {

namespace fs = std::filesystem;
using testing::SyncPeer;
using testing::SyncWorld;
using Op = FaultVfs::Op;
using Fault = FaultVfs::Fault;

// Every row of every table, as sorted text: equal dumps mean equal content.
std::vector<std::string> Dump(Database& db) {
  auto tables = db.Prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  REQUIRE(tables.ok());
  std::vector<std::string> rows;
  while (*tables->Step()) {
    const std::string table = tables->ColumnText(0);
    auto st = db.Prepare("SELECT * FROM \"" + table + "\"");
    REQUIRE(st.ok());
    const int cols = sqlite3_column_count(st->handle());
    while (*st->Step()) {
      std::string row = table;
      for (int c = 0; c < cols; ++c) {
        const int type = sqlite3_column_type(st->handle(), c);
        row += type == SQLITE_BLOB   ? "|x" + ToHex(st->ColumnBlob(c))
               : type == SQLITE_NULL ? std::string("|null")
                                     : "|" + st->ColumnText(c);
      }
      rows.push_back(std::move(row));
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// What `credmesh verify` checks, plus: the derived state equals a recompute.
void CheckConsistent(Node& node) {
  auto problems = node.store().CheckIntegrity();
  REQUIRE(problems.ok());
  CHECK(problems->empty());
  Status each = node.store().records().ForEach({}, [](const RecordRow& row, ByteView bytes) {
    auto rec = VerifiedRecord::VerifyWithId(Bytes(bytes.begin(), bytes.end()), row.id);
    CHECK(rec.ok());
    if (rec.ok()) CHECK(rec->record().scope == row.scope);
    return Status::Ok();
  });
  CHECK(each.ok());
  const std::vector<std::string> before = Dump(node.store().db());
  REQUIRE(node.ledger().Rebuild().ok());
  CHECK(Dump(node.store().db()) == before);
}

// A copy of a node's directory taken while it is open and idle: the WAL is
// checkpointed into the database file first.
void Snapshot(Node& node, const std::string& to) {
  REQUIRE(node.store().db().Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(node.dir())) {
    const std::string name = e.path().filename().string();
    if (name.ends_with("-wal") || name.ends_with("-shm")) continue;
    fs::copy(e.path(), fs::path(to) / name, fs::copy_options::recursive);
  }
}

std::string FreshCopy(const std::string& from, const std::string& to) {
  fs::remove_all(to);
  fs::copy(from, to, fs::copy_options::recursive);
  return to;
}

std::unique_ptr<Node> OpenNode(const std::string& dir, Clock& clock) {
  auto n = Node::Open(dir, clock);
  REQUIRE(n.ok());
  return std::move(*n);
}

struct FaultCase {
  const char* what;
  Op op;
  Fault fault;
  bool persistent;
  const char* pragmas;  // run on the node's connection before the batch
};

// Writes fail on the commit's WAL frames; fsyncs where the connection
// syncs: the header of a new WAL, at commit with synchronous=FULL, in a
// checkpoint after every commit (SQLite ignores a failed checkpoint: the
// commit stands).
const FaultCase kWrite = {"nth write, I/O error", Op::kWrite, Fault::kIoError, false, ""};
const FaultCase kDiskFull = {"nth write on, disk full", Op::kWrite, Fault::kDiskFull, true, ""};
const FaultCase kCommitSync = {"nth fsync at commit", Op::kSync, Fault::kIoError, false,
                               "PRAGMA synchronous=FULL"};
const FaultCase kCheckpointSync = {"nth fsync in a checkpoint", Op::kSync, Fault::kIoError, false,
                                   "PRAGMA wal_autocheckpoint=1"};
// The WAL is cut back when a commit restarts it after a checkpoint; SQLite
// ignores a failed cut. Needs two commits, so only the grouped backend.
const FaultCase kTruncate = {"nth truncate of the WAL", Op::kTruncate, Fault::kIoError, false,
                             "PRAGMA wal_autocheckpoint=1; PRAGMA journal_size_limit=0"};

void CheckFailure(const Status& s, const FaultCase& c) {
  CHECK(s.code() == Status::Code::kIoError);
  if (c.fault == Fault::kDiskFull) CHECK(s.message().find("disk full") != std::string::npos);
}

// The hub's faults must not depend on what other tests left registered.
struct FaultWorld {
  std::unique_ptr<FaultVfs> vfs;
  std::unique_ptr<SyncWorld> world;
  FaultWorld() {
    auto v = FaultVfs::Install("credmesh-ingest-fault", /*make_default=*/true);
    REQUIRE(v.ok());
    vfs = std::move(*v);
    vfs->set_syncs_reach_disk(false);  // no power cuts here: save the disk's time
    world = std::make_unique<SyncWorld>();
  }
  FaultWorld(const FaultWorld&) = delete;
  FaultWorld& operator=(const FaultWorld&) = delete;
  ~FaultWorld() { world.reset(); }  // every connection closes before the VFS goes
};

TEST_CASE("ledger ingest: a storage fault at any write or fsync stores all of a batch or none") {
  FaultWorld fw;
  SyncWorld& w = *fw.world;
  // The hub as it was before Pine enrolled, then Pine's whole store as one
  // batch: its certificate (a trust record) makes its notes valid in the same
  // batch, and notes by an unknown signer wait in quarantine.
  const std::string before_pine = w.dir + "/template-before";
  Snapshot(*w.hub->node, before_pine);
  SyncPeer& pine = w.School("pine");
  pine.Notes("school/pine", 40, "p");
  SigningKey stranger = SigningKey::Generate();
  std::vector<Bytes> batch;
  for (int i = 0; i < 5; ++i) {
    auto r = VerifiedRecord::Create("note", "school/pine", "s" + std::to_string(i),
                                    pine.node->ledger().hlc().Now(), Value::Map{{"text", "?"}},
                                    stranger);
    REQUIRE(r.ok());
    batch.push_back(r->bytes());
  }
  REQUIRE(pine.node->store()
              .records()
              .ForEach({},
                       [&](const RecordRow&, ByteView bytes) {
                         batch.emplace_back(bytes.begin(), bytes.end());
                         return Status::Ok();
                       })
              .ok());

  std::vector<std::string> none, all;
  {
    auto hub = OpenNode(FreshCopy(before_pine, w.dir + "/ref"), w.clock);
    none = Dump(hub->store().db());
    auto s = hub->ledger().Ingest(batch);
    REQUIRE(s.ok());
    CHECK(s->pending == 5);
    CHECK(s->valid >= 40);
    all = Dump(hub->store().db());
  }

  for (const FaultCase& c : {kWrite, kDiskFull, kCommitSync, kCheckpointSync}) {
    CAPTURE(std::string(c.what));
    int injected = 0, failed = 0;
    for (int64_t nth = 1; nth < 1000; ++nth) {
      CAPTURE(nth);
      const std::string dir = FreshCopy(before_pine, w.dir + "/run");
      Status result;
      bool hit = false;
      {
        auto hub = OpenNode(dir, w.clock);
        if (*c.pragmas) REQUIRE(hub->store().db().Exec(c.pragmas).ok());
        fw.vfs->Arm({c.op, nth, c.fault, c.persistent});
        auto s = hub->ledger().Ingest(batch);
        result = s.ok() ? Status::Ok() : s.status();
        hit = fw.vfs->Failures() > 0;
        // Closing checkpoints: let that through, as after the disk recovers.
        fw.vfs->Disarm();
      }
      auto hub = OpenNode(dir, w.clock);
      const std::vector<std::string> after = Dump(hub->store().db());
      if (result.ok()) {
        CHECK(after == all);
      } else {
        ++failed;
        CheckFailure(result, c);
        // A failed fsync after the commit frame was written may still have
        // committed the whole batch; anything else must leave none of it.
        const bool kept_all = c.op == Op::kSync && after == all;
        CHECK((after == none || kept_all));
      }
      CheckConsistent(*hub);
      if (!hit) break;  // the nth call no longer exists: the batch went through
      ++injected;
    }
    CHECK(injected >= 1);
    // Every failed write reaches the caller; a failed checkpoint does not.
    if (c.op == Op::kWrite) CHECK(failed == injected);
  }
}

// Valid records of `scope` in the table, and in the backend's item set.
std::set<RecordId> TableIds(Node& node, const std::string& scope) {
  RecordQuery q;
  q.scope = scope;
  q.state = RecordState::kValid;
  auto rows = node.store().records().List(q);
  REQUIRE(rows.ok());
  std::set<RecordId> out;
  for (const auto& r : *rows) out.insert(r.id);
  return out;
}

std::set<RecordId> CachedIds(LedgerSyncBackend& backend, const std::string& scope) {
  auto items = backend.Items(scope);
  REQUIRE(items.ok());
  auto list = (*items)->List(Bound::Min(), Bound::Infinity(), 1'000'000);
  REQUIRE(list.ok());
  std::set<RecordId> out;
  for (const SyncItem& it : *list) out.insert(it.id);
  return out;
}

TEST_CASE("sync backend: a storage fault in a grouped ingest or its flush keeps calls whole" *
          doctest::test_suite("slow")) {
  FaultWorld fw;
  SyncWorld& w = *fw.world;
  SyncPeer& pine = w.School("pine");
  constexpr size_t kRecords = 90, kCall = 30, kGroup = 45;
  pine.Notes("school/pine", kRecords, "p");
  const std::string tmpl = w.dir + "/template";
  Snapshot(*w.hub->node, tmpl);
  // Three calls, as three RECORDS frames; the group commits inside the
  // second call, the rest at Flush.
  std::vector<std::vector<VerifiedRecord>> calls(kRecords / kCall);
  {
    RecordQuery q;
    q.scope = "school/pine";
    auto rows = pine.node->store().records().List(q);
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == kRecords);
    for (size_t i = 0; i < rows->size(); ++i) {
      auto r = pine.node->store().records().Load((*rows)[i].id);
      REQUIRE(r.ok());
      calls[i / kCall].push_back(std::move(*r));
    }
  }
  auto run_all = [&](LedgerSyncBackend& b) -> Status {
    for (const auto& call : calls) {
      auto r = b.Ingest(call, pine.key());
      if (!r.ok()) {
        // As a session does when it fails: it still flushes when it closes.
        (void)b.Flush();
        return r.status();
      }
    }
    return b.Flush();
  };

  std::vector<std::string> all;
  {
    auto hub = OpenNode(FreshCopy(tmpl, w.dir + "/ref"), w.clock);
    LedgerSyncBackend backend(hub->store(), hub->ledger(), kGroup);
    REQUIRE(run_all(backend).ok());
    all = Dump(hub->store().db());
  }

  for (const FaultCase& c : {kWrite, kDiskFull, kCommitSync, kCheckpointSync, kTruncate}) {
    CAPTURE(std::string(c.what));
    int injected = 0;
    for (int64_t nth = 1; nth < 1000; ++nth) {
      CAPTURE(nth);
      const std::string dir = FreshCopy(tmpl, w.dir + "/run");
      bool hit = false;
      {
        auto hub = OpenNode(dir, w.clock);
        if (*c.pragmas) REQUIRE(hub->store().db().Exec(c.pragmas).ok());
        LedgerSyncBackend backend(hub->store(), hub->ledger(), kGroup);
        REQUIRE(CachedIds(backend, "school/pine").empty());  // the item set is loaded
        fw.vfs->Arm({c.op, nth, c.fault, c.persistent});
        Status s = run_all(backend);
        hit = fw.vfs->Failures() > 0;
        fw.vfs->Disarm();
        if (!s.ok()) CheckFailure(s, c);
        // Whatever was lost, the item set the node offers its peers is
        // what the table holds, and each call is stored whole or not at all.
        const std::set<RecordId> held = TableIds(*hub, "school/pine");
        CHECK(CachedIds(backend, "school/pine") == held);
        for (const auto& call : calls) {
          const size_t n = std::count_if(call.begin(), call.end(), [&](const VerifiedRecord& r) {
            return held.count(r.id()) > 0;
          });
          CHECK((n == 0 || n == call.size()));
        }
        // Once the disk recovers, the peer's next attempt completes it.
        if (!s.ok()) {
          REQUIRE(run_all(backend).ok());
          CHECK(TableIds(*hub, "school/pine").size() == kRecords);
          CHECK(CachedIds(backend, "school/pine") == TableIds(*hub, "school/pine"));
        }
      }
      auto hub = OpenNode(dir, w.clock);
      CHECK(Dump(hub->store().db()) == all);
      CheckConsistent(*hub);
      if (!hit) break;
      ++injected;
    }
    CHECK(injected >= 1);
  }
}

}  // namespace
}  // namespace credmesh
