// bench_files: evidence file chunking on this machine. Prints, for one file
// of --mb MiB (default 256) in a temporary directory:
//   - raw BLAKE2b-256 throughput and raw sequential write throughput (the
//     yardsticks, measured in the same run);
//   - ChunkFile (hash + durable write of each 256 KiB chunk) MB/s, first
//     attach and re-attach of the same file (all chunks already stored);
//   - AssembleFile (read and check each chunk, hash the whole file, write)
//     MB/s.
// Figures and how to read them: docs/benchmarks.md, "Evidence files".
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "node/files/chunk_store.h"
#include "node/files/file_chunker.h"
#include "protocol/crypto.h"
#include "tests/temp_dir.h"

namespace credmesh {
namespace {

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int Main(int argc, char** argv) {
  int64_t mb = 256;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--mb") == 0 && i + 1 < argc) {
      mb = std::atoll(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: bench_files [--mb N]\n");
      return 2;
    }
  }
  TempDir t("credmesh-bench-files");
  const int64_t bytes = mb * 1024 * 1024;
  Bytes block(1 << 20);
  RandomBytes(block.data(), block.size());

  auto t0 = std::chrono::steady_clock::now();
  {
    std::ofstream f(t.File("video.mp4"), std::ios::binary);
    for (int64_t i = 0; i < mb; ++i) {
      block[0] = static_cast<uint8_t>(i);  // no two MiB alike
      f.write(reinterpret_cast<const char*>(block.data()),
              static_cast<std::streamsize>(block.size()));
    }
  }
  const double write_s = Seconds(t0);

  t0 = std::chrono::steady_clock::now();
  Blake2bHasher h;
  for (int64_t i = 0; i < mb; ++i) h.Update(block);
  (void)h.Final();
  const double hash_s = Seconds(t0);

  auto store = ChunkStore::Open(t.File("chunks"));
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 1;
  t0 = std::chrono::steady_clock::now();
  auto m = ChunkFile(*store, t.File("video.mp4"), {});
  const double chunk_s = Seconds(t0);
  if (!m.ok()) return std::fprintf(stderr, "%s\n", m.status().ToString().c_str()), 1;
  t0 = std::chrono::steady_clock::now();
  auto again = ChunkFile(*store, t.File("video.mp4"), {});
  const double rechunk_s = Seconds(t0);
  if (!again.ok()) return 1;
  t0 = std::chrono::steady_clock::now();
  Status s = AssembleFile(*store, *m, t.File("out.mp4"));
  const double assemble_s = Seconds(t0);
  if (!s.ok()) return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;

  auto rate = [&](double sec) { return static_cast<double>(bytes) / (1024.0 * 1024.0) / sec; };
  std::printf("file: %lld MiB, %zu chunks of %lld KiB\n", static_cast<long long>(mb),
              m->chunks.size(), static_cast<long long>(kChunkSize / 1024));
  std::printf("raw BLAKE2b-256:        %8.1f MiB/s\n", rate(hash_s));
  std::printf("raw sequential write:   %8.1f MiB/s (page cache, no fsync)\n", rate(write_s));
  std::printf("attach (ChunkFile):     %8.1f MiB/s  (%.0f%% of raw hash rate)\n", rate(chunk_s),
              100.0 * hash_s / chunk_s);
  std::printf("re-attach, all stored:  %8.1f MiB/s\n", rate(rechunk_s));
  std::printf("get (AssembleFile):     %8.1f MiB/s\n", rate(assemble_s));
  return 0;
}

}  // namespace
}  // namespace credmesh

int main(int argc, char** argv) { return credmesh::Main(argc, argv); }
