// bench_trust: what one arriving trust record costs a node that holds N
// pending (quarantined) grants signed by keys nobody granted — the load that
// used to stall a hub, since every batch holding a trust record re-read and
// re-decided every trust record held. Times, on a node database in a temp
// directory, one transaction each:
//   - ingesting one more pending grant (decided alone);
//   - ingesting a root grant that admits one of the N signers (its grant
//     becomes valid: the affected set is a couple of records);
//   - ingesting a revocation of that grant;
//   - Ledger::Rebuild, the full recompute, which is what each of those
//     ingests cost before trust settling became incremental.
//
//   bench_trust              N = 20,000
//   bench_trust --pending N
//
// Figures: docs/benchmarks.md.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bench/parallel_for.h"
#include "node/ledger.h"
#include "node/trust/trust_authorizer.h"
#include "node/trust/trust_records.h"
#include "protocol/crypto.h"
#include "protocol/hlc.h"
#include "storage/store.h"

namespace credmesh {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::string kDistrict = "valley";

double Millis(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

[[noreturn]] void Die(const Status& s) {
  std::fprintf(stderr, "%s\n", s.ToString().c_str());
  std::exit(1);
}

VerifiedRecord Make(const std::string& kind, const std::string& entity, uint64_t hlc, Value body,
                    const SigningKey& key) {
  auto r = VerifiedRecord::Create(kind, "district/" + kDistrict, entity, hlc, std::move(body), key);
  if (!r.ok()) Die(r.status());
  return std::move(*r);
}

VerifiedRecord Grant(const SigningKey& signer, const PublicKey& subject, uint64_t hlc) {
  GrantBody g;
  g.subject = subject;
  g.role = Role::kAdmin;
  g.scope = "district/" + kDistrict;
  g.not_before_ms = HybridClock::Millis(hlc);
  g.not_after_ms = g.not_before_ms + 365LL * 86'400'000;
  g.name = "bench";
  return Make(kGrantKind, "person/" + subject.hex(), hlc, g.ToValue(), signer);
}

// Median of `runs` timings of fn(i) in milliseconds.
template <typename Fn>
double Median(int runs, const Fn& fn) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    fn(i);
    ms.push_back(Millis(start));
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

int Main(int argc, char** argv) {
  size_t pending = 20000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--pending") == 0 && i + 1 < argc) {
      pending = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: bench_trust [--pending N]\n");
      return 2;
    }
  }
  EnsureSodium();
  const int64_t now = SystemClock::Instance().NowMillis();
  const uint64_t t0 = HybridClock::Make(now - 86'400'000, 0);
  SigningKey root = SigningKey::Generate();

  uint8_t rnd[8];
  RandomBytes(rnd, sizeof rnd);
  fs::path dir = fs::temp_directory_path() / ("credmesh-bench-" + ToHex(ByteView(rnd, sizeof rnd)));
  fs::create_directories(dir);
  {
    auto store = Store::Open((dir / "credmesh.db").string());
    if (!store.ok()) Die(store.status());
    TrustAuthorizer auth(kDistrict, root.public_key());
    auto ledger = Ledger::Open(**store, SystemClock::Instance(), &auth, {});
    if (!ledger.ok()) Die(ledger.status());
    auto ingest = [&](std::vector<VerifiedRecord> recs) {
      auto s = (*ledger)->IngestVerified(std::move(recs));
      if (!s.ok()) Die(s.status());
    };

    GenesisBody g{"Valley USD", kDistrict, root.public_key()};
    std::vector<VerifiedRecord> first;
    first.push_back(Make(kGenesisKind, "district/" + kDistrict, t0, g.ToValue(), root));
    ingest(std::move(first));

    // N grants, each by a key of its own that nobody granted (setup).
    std::fprintf(stderr, "signing %zu pending grants...\n", pending);
    std::vector<std::optional<SigningKey>> strangers(pending);
    std::vector<std::optional<VerifiedRecord>> grants(pending);
    bench::ParallelFor(pending, [&](size_t i) {
      strangers[i] = SigningKey::Generate();
      grants[i] = Grant(*strangers[i], SigningKey::Generate().public_key(), t0 + 10 + i);
    });
    for (size_t b = 0; b < pending; b += 2048) {
      std::vector<VerifiedRecord> batch;
      for (size_t i = b; i < std::min(pending, b + 2048); ++i) batch.push_back(*grants[i]);
      ingest(std::move(batch));
    }
    std::printf("credmesh bench_trust: %zu pending grants held (median of timed runs)\n\n",
                pending);

    const TrustWork w0 = auth.work();
    const int runs = 21;
    double one = Median(runs, [&](int i) {
      std::vector<VerifiedRecord> r;
      r.push_back(Grant(SigningKey::Generate(), SigningKey::Generate().public_key(),
                        t0 + 5 + static_cast<uint64_t>(i)));
      ingest(std::move(r));
    });
    const uint64_t decided = (auth.work().trust_records_decided - w0.trust_records_decided) / runs;
    std::printf("  %-52s %9.3f ms  (%llu trust record(s) decided)\n", "ingest 1 more pending grant",
                one, static_cast<unsigned long long>(decided));

    std::vector<RecordId> admitting;
    double admit = Median(runs, [&](int i) {
      std::vector<VerifiedRecord> r;
      r.push_back(Grant(root, strangers[static_cast<size_t>(i)]->public_key(), t0 + 1));
      admitting.push_back(r.back().id());
      ingest(std::move(r));
    });
    std::printf("  %-52s %9.3f ms\n", "ingest a root grant admitting 1 of them", admit);

    double revoke = Median(runs, [&](int i) {
      RevokeBody rv{admitting[static_cast<size_t>(i)], "bench"};
      std::vector<VerifiedRecord> r;
      r.push_back(Make(kRevokeKind, "revoke/" + rv.target.hex(), t0 + 2, rv.ToValue(), root));
      ingest(std::move(r));
    });
    std::printf("  %-52s %9.3f ms\n", "ingest a revocation of such a grant", revoke);

    double full = Median(3, [&](int) {
      if (Status s = (*ledger)->Rebuild(); !s.ok()) Die(s);
    });
    std::printf("  %-52s %9.3f ms  (what each of the above cost before)\n",
                "full recompute (Ledger::Rebuild)", full);
  }
  fs::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace credmesh

int main(int argc, char** argv) { return credmesh::Main(argc, argv); }
