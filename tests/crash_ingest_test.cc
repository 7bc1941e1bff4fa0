// A node killed with SIGKILL in the middle of a batch ingest keeps a database
// that opens, that `credmesh verify` passes, and that holds either the whole
// batch or none of it (docs/design.md §3, "The ledger": batch ingest is one transaction).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "node/node.h"
#include "protocol/crypto.h"
#include "tests/temp_dir.h"

// NOLINTNEXTLINE(readability-redundant-declaration): POSIX asks the program to declare it
extern char** environ;

namespace credmesh::crash_ingest_test {
namespace {

// `count` signed notes of a typical size, stamped from `hlc0` upwards.
std::vector<Bytes> MakeBatch(const SigningKey& key, size_t count, uint64_t hlc0,
                             const std::string& tag) {
  std::vector<Bytes> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    Record r;
    r.kind = "note";
    r.scope = "school/pine";
    r.entity = tag + "-" + std::to_string(i);
    r.hlc = hlc0 + i;
    r.body = Value::Map{
        {"text", "a note of about the usual length for a record body, #" + std::to_string(i)}};
    SignRecord(r, key);
    out.push_back(EncodeRecord(r));
  }
  return out;
}

// Runs `credmesh verify --dir DIR`; returns its exit code (-1 if it did not exit).
int RunVerify(const std::string& dir) {
  const std::string bin = CREDMESH_BINARY_DIR "/tools/credmesh";
  std::vector<std::string> args = {bin, "verify", "--dir", dir};
  std::vector<char*> argv;
  argv.reserve(args.size());
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  REQUIRE_MESSAGE(rc == 0, "cannot run " << bin);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Forks a child that opens the node in `dir`, writes one byte to a pipe when
// ready, ingests `batches` one Ledger::Ingest call each, and exits 0.
// Returns the child's pid after it signalled ready.
pid_t StartIngester(const std::string& dir, const std::vector<std::vector<Bytes>>& batches) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    int code = 0;
    {
      auto node = Node::Open(dir, SystemClock::Instance());
      if (!node.ok()) _exit(10);
      char c = 'r';
      if (write(fds[1], &c, 1) != 1) _exit(11);
      for (const auto& batch : batches) {
        auto s = (*node)->ledger().Ingest(batch, 1);
        if (!s.ok() || s->inserted != batch.size()) {
          code = 12;
          break;
        }
      }
    }
    _exit(code);  // no atexit handlers, no doctest teardown in the child
  }
  close(fds[1]);
  char c = 0;
  ssize_t n = read(fds[0], &c, 1);
  close(fds[0]);
  REQUIRE_MESSAGE(n == 1, "the ingesting child failed before it was ready");
  return pid;
}

struct Outcome {
  int64_t count = 0;
  bool killed = false;  // false: the child had finished before the kill
};

// Kills `pid` after `delay_ms`, reaps it, then checks the node in `dir`.
Outcome KillAndCheck(pid_t pid, int delay_ms, const std::string& dir) {
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  kill(pid, SIGKILL);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  Outcome out;
  out.killed = WIFSIGNALED(status);
  if (!out.killed) {
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
  }
  {
    auto node = Node::Open(dir, SystemClock::Instance());
    REQUIRE_MESSAGE(node.ok(), node.status().ToString());
    auto problems = (*node)->store().CheckIntegrity();
    REQUIRE(problems.ok());
    CHECK(problems->empty());
    auto count = (*node)->store().records().Count({});
    REQUIRE(count.ok());
    out.count = *count;
  }
  CHECK(RunVerify(dir) == 0);
  return out;
}

uint64_t NowHlc() { return HybridClock::Make(SystemClock::Instance().NowMillis(), 0); }

// Duration of an uninterrupted run, used only to spread the kill delays over
// the interesting window (never asserted on).
int MeasureMs(const std::string& dir, const std::vector<std::vector<Bytes>>& batches) {
  REQUIRE(Node::Init(dir, NodeConfig{}).ok());
  auto start = std::chrono::steady_clock::now();
  pid_t pid = StartIngester(dir, batches);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start);
  return std::max<int>(1, static_cast<int>(ms.count()));
}

TEST_CASE("crash: SIGKILL during one large batch ingest leaves all of it or none" *
          doctest::test_suite("slow")) {
  constexpr size_t kRecords = 10000;
  constexpr int kKills = 4;
  TempDir tmp("credmesh-crash-test");
  SigningKey key = SigningKey::Generate();
  const std::vector<std::vector<Bytes>> batches = {MakeBatch(key, kRecords, NowHlc(), "big")};

  const int full_ms = MeasureMs(tmp.File("calibrate"), batches);
  int none = 0, all = 0;
  for (int i = 0; i < kKills; ++i) {
    // Deterministic per iteration. Verification comes first and stores
    // nothing, so the delays cover the second half of a run (inserts and
    // commit) and a little past its end.
    std::mt19937 rng(1000 + i);
    const int delay = std::uniform_int_distribution<int>(full_ms / 2, full_ms * 6 / 5)(rng);
    CAPTURE(i);
    CAPTURE(delay);
    const std::string dir = tmp.File("node" + std::to_string(i));
    REQUIRE(Node::Init(dir, NodeConfig{}).ok());
    Outcome o = KillAndCheck(StartIngester(dir, batches), delay, dir);
    CHECK((o.count == 0 || o.count == static_cast<int64_t>(kRecords)));
    if (!o.killed) CHECK(o.count == static_cast<int64_t>(kRecords));
    (o.count == 0 ? none : all)++;
  }
  MESSAGE("full ingest " << full_ms << " ms; after kills: " << none << " empty, " << all
                         << " complete");
}

TEST_CASE("crash: SIGKILL during a sequence of batches leaves whole batches only" *
          doctest::test_suite("slow")) {
  constexpr size_t kBatch = 1000;
  constexpr size_t kBatches = 6;
  constexpr int kKills = 3;
  TempDir tmp("credmesh-crash-test");
  SigningKey key = SigningKey::Generate();
  std::vector<std::vector<Bytes>> batches;
  const uint64_t hlc0 = NowHlc();
  for (size_t b = 0; b < kBatches; ++b) {
    batches.push_back(MakeBatch(key, kBatch, hlc0 + b * kBatch, "b" + std::to_string(b)));
  }
  const int full_ms = MeasureMs(tmp.File("calibrate"), batches);
  for (int i = 0; i < kKills; ++i) {
    std::mt19937 rng(2000 + i);
    const int delay = std::uniform_int_distribution<int>(0, full_ms)(rng);
    CAPTURE(i);
    CAPTURE(delay);
    const std::string dir = tmp.File("node" + std::to_string(i));
    REQUIRE(Node::Init(dir, NodeConfig{}).ok());
    Outcome o = KillAndCheck(StartIngester(dir, batches), delay, dir);
    CHECK(o.count % static_cast<int64_t>(kBatch) == 0);
    CHECK(o.count <= static_cast<int64_t>(kBatch * kBatches));
    if (!o.killed) CHECK(o.count == static_cast<int64_t>(kBatch * kBatches));
    MESSAGE("kill after " << delay << " of ~" << full_ms << " ms: " << o.count / kBatch << " of "
                          << kBatches << " batches stored");
  }
}

}  // namespace
}  // namespace credmesh::crash_ingest_test
