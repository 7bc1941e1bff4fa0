// bench_ingest: this machine's raw single-core Ed25519 verify rate next to
// credmesh's sign rate, record verify rate and verified ingest into the store
// (Ledger::Ingest into a fresh node database, 1 and 2 verify threads).
//
//   bench_ingest            100k and 1M records
//   bench_ingest --quick    100k only
//   bench_ingest --records N [--records M ...]
//   bench_ingest --store-only   only the store's share (records verified first)
//   bench_ingest --batch N      records per Ingest call (one transaction; 10,000)
//
// Figures and how to read them: docs/benchmarks.md.
#include <sodium.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench/parallel_for.h"
#include "bench/raw_verify.h"
#include "node/ledger.h"
#include "protocol/crypto.h"
#include "protocol/hlc.h"
#include "protocol/record.h"
#include "protocol/verify_batch.h"
#include "storage/store.h"

namespace credmesh {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Records per Ingest call, one transaction each (--batch).
size_t batch_records = 10000;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

Record MakeNote(const SigningKey& key, uint64_t hlc, size_t i) {
  Record r;
  r.kind = "note";
  r.scope = "school/pine";
  r.entity = "note-" + std::to_string(i);
  r.hlc = hlc;
  // A body of the size of a typical catalog or submission record.
  r.body = Value::Map{
      {"text", "Grade 7 science: photosynthesis worksheet, revision " + std::to_string(i)},
      {"lang", "en"},
      {"tags", Value::Array{"science", "grade-7"}}};
  SignRecord(r, key);
  return r;
}

// Signs `count` records on all cores (setup, not measured).
std::vector<Bytes> Generate(const SigningKey& key, size_t count, uint64_t hlc0) {
  std::vector<Bytes> out(count);
  bench::ParallelFor(count, [&](size_t i) { out[i] = EncodeRecord(MakeNote(key, hlc0 + i, i)); });
  return out;
}

struct IngestResult {
  double seconds = 0;
  size_t stored = 0;
};

// Ingests `records` into a fresh node database in batches of batch_records. With
// `pre_verified` (consumed), the records were verified before the clock
// started and only Ledger::IngestVerified is timed: the store's share.
IngestResult Ingest(const std::vector<Bytes>& records, unsigned threads,
                    std::vector<VerifiedRecord>* pre_verified = nullptr) {
  uint8_t rnd[8];
  RandomBytes(rnd, sizeof rnd);
  fs::path dir = fs::temp_directory_path() / ("credmesh-bench-" + ToHex(ByteView(rnd, sizeof rnd)));
  fs::create_directories(dir);
  IngestResult out;
  {
    auto store = Store::Open((dir / "credmesh.db").string());
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
      std::exit(1);
    }
    auto ledger = Ledger::Open(**store, SystemClock::Instance(), nullptr, {});
    if (!ledger.ok()) {
      std::fprintf(stderr, "%s\n", ledger.status().ToString().c_str());
      std::exit(1);
    }
    auto start = Clock::now();
    for (size_t b = 0; b < records.size(); b += batch_records) {
      const auto first = static_cast<ptrdiff_t>(b);
      const auto last = static_cast<ptrdiff_t>(std::min(records.size(), b + batch_records));
      Result<IngestSummary> s = Status::Internal("not run");
      if (pre_verified) {
        s = (*ledger)->IngestVerified(
            std::vector<VerifiedRecord>(std::make_move_iterator(pre_verified->begin() + first),
                                        std::make_move_iterator(pre_verified->begin() + last)));
      } else {
        s = (*ledger)->Ingest(std::vector<Bytes>(records.begin() + first, records.begin() + last),
                              threads);
      }
      if (!s.ok() || s->rejected != 0) {
        std::fprintf(stderr, "ingest failed: %s\n",
                     s.ok() ? "rejected records" : s.status().ToString().c_str());
        std::exit(1);
      }
      out.stored += s->inserted;
    }
    out.seconds = Seconds(start);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return out;
}

// Prints `rate` against the raw single-core verify rate measured right
// before and right after it (their mean): the speed of a shared VM drifts by
// up to ±25% within minutes, so one yardstick at the start of the run is not
// good enough for a figure measured several minutes later.
struct Yardstick {
  const Bytes& message;
  const SigningKey& key;
  double Measure() const { return bench::RawVerifyRate(message, key); }
  template <typename F>
  void Row(const char* what, F&& measure_rate) const {
    const double before = Measure();
    const double rate = measure_rate();
    const double after = Measure();
    const double raw = (before + after) / 2;
    std::printf("  %-44s %12.0f /s  %6.1f%% of raw (raw %.0f /s around it)\n", what, rate,
                100.0 * rate / raw, raw);
    std::fflush(stdout);
  }
};

int Main(int argc, char** argv) {
  std::vector<size_t> sizes;
  bool quick = false;
  bool store_only = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else if (std::strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
      batch_records = std::max<size_t>(1, std::strtoull(argv[++i], nullptr, 10));
    } else if (std::strcmp(argv[i], "--store-only") == 0) {
      store_only = true;
    } else if (std::strcmp(argv[i], "--records") == 0 && i + 1 < argc) {
      sizes.push_back(std::strtoull(argv[++i], nullptr, 10));
    } else {
      std::fprintf(stderr,
                   "usage: bench_ingest [--quick] [--store-only] [--batch N] [--records N]...\n");
      return 2;
    }
  }
  if (sizes.empty())
    sizes = quick ? std::vector<size_t>{100000} : std::vector<size_t>{100000, 1000000};
  size_t max_n = 0;
  for (size_t n : sizes) max_n = std::max(max_n, n);

  EnsureSodium();
  SigningKey key = SigningKey::Generate();
  const uint64_t hlc0 = HybridClock::Make(SystemClock::Instance().NowMillis() - 3600 * 1000, 0);
  Record sample = MakeNote(key, hlc0, 123456);
  const Bytes sample_msg = SigningMessage(sample);
  std::printf("credmesh bench_ingest: %u hardware threads, SQLite %s, libsodium %s\n",
              std::thread::hardware_concurrency(), sqlite3_libversion(), sodium_version_string());
  std::printf("typical record: %zu bytes encoded, %zu bytes signed\n\n",
              EncodeRecord(sample).size(), sample_msg.size());

  const Yardstick yardstick{sample_msg, key};
  const double raw = yardstick.Measure();
  std::printf("  %-44s %12.0f /s  (the 100%% line, measured again around each figure)\n",
              "raw Ed25519 verify, 1 core", raw);

  // Sign: VerifiedRecord::Create (sign, encode, and the verify Create does).
  yardstick.Row("sign (VerifiedRecord::Create), 1 core", [&] {
    const size_t n = 20000;
    auto start = Clock::now();
    for (size_t i = 0; i < n; ++i) {
      auto r = VerifiedRecord::Create(
          "note", "school/pine", "note-" + std::to_string(i), hlc0 + i,
          Value::Map{{"text", "Grade 7 science worksheet " + std::to_string(i)}}, key);
      if (!r.ok()) std::exit(1);
    }
    return static_cast<double>(n) / Seconds(start);
  });

  std::fprintf(stderr, "generating %zu signed records...\n", max_n);
  const std::vector<Bytes> all = Generate(key, max_n, hlc0);

  yardstick.Row("verify (VerifiedRecord::Verify), 1 core", [&] {
    const size_t n = std::min<size_t>(all.size(), 100000);
    auto start = Clock::now();
    for (size_t i = 0; i < n; ++i) {
      auto v = VerifiedRecord::Verify(all[i]);
      if (!v.ok()) std::exit(1);
    }
    return static_cast<double>(n) / Seconds(start);
  });

  for (size_t n : sizes) {
    std::vector<Bytes> records(all.begin(), all.begin() + static_cast<ptrdiff_t>(n));
    for (unsigned threads : {1u, 2u}) {
      if (store_only) break;
      char label[96];
      std::snprintf(label, sizeof label, "ingest %zuk records, verify_threads=%u", n / 1000,
                    threads);
      yardstick.Row(label, [&] {
        IngestResult r = Ingest(records, threads);
        if (r.stored != n) {
          std::fprintf(stderr, "stored %zu of %zu\n", r.stored, n);
          std::exit(1);
        }
        return static_cast<double>(n) / r.seconds;
      });
    }
    // The store's share: the same ingest with verification done beforehand.
    std::vector<VerifiedRecord> verified;
    verified.reserve(n);
    for (auto& v : VerifyRecords(records, std::thread::hardware_concurrency())) {
      if (!v.ok()) return 1;
      verified.push_back(std::move(*v));
    }
    IngestResult r = Ingest(records, 1, &verified);
    std::printf("  %-44s %12.0f /s  %6.1f us/record\n",
                ("store only, " + std::to_string(n / 1000) + "k pre-verified records").c_str(),
                static_cast<double>(n) / r.seconds, 1e6 * r.seconds / static_cast<double>(n));
  }
  // How far the machine drifted over the run.
  const double raw_end = yardstick.Measure();
  std::printf("\n  %-44s %12.0f /s  (%+.1f%% vs. the start of the run)\n",
              "raw Ed25519 verify, 1 core, again at the end", raw_end,
              100.0 * (raw_end - raw) / raw);
  return 0;
}

}  // namespace
}  // namespace credmesh

int main(int argc, char** argv) { return credmesh::Main(argc, argv); }
