// Streams a bundle much larger than any buffer and checks, through the
// writer's and reader's own buffer counters, that memory did not grow with it.
#include <doctest/doctest.h>

#include "node/bundle/bundle_test_world.h"

namespace credmesh {

TEST_CASE("a 64 MiB bundle streams with buffers bounded by one frame" *
          doctest::test_suite("slow")) {
  testing::SyncWorld w;
  testing::SyncPeer& pine = w.School("pine");
  SigningKey ed = testing::AddEducator(w, pine, "pine");
  // Two files of 32 MiB + a bit (manifests stay well inside a record).
  size_t file_bytes = 0;
  for (int f = 0; f < 2; ++f) {
    Bytes data(32 * 1024 * 1024 + 4096);
    RandomBytes(data.data(), data.size());
    testing::AttachEvidence(w, pine, "pine", ed, "video" + std::to_string(f) + ".bin", data);
    file_bytes += data.size();
  }
  pine.Notes("school/pine", 2000, "n");
  const std::string path = w.dir + "/large.bundle";
  auto out = testing::ExportFor(pine, *w.hub, path);
  REQUIRE_MESSAGE(out.ok(), out.status().ToString());
  CHECK(out->io.bytes > 64ull * 1024 * 1024);
  CHECK(out->io.bytes >= file_bytes);
  CHECK(std::filesystem::file_size(path) == out->io.bytes);
  // The frame buffers never exceed two frames' worth, whatever the total.
  const size_t bound = 2 * kMaxBundleFrame + 4096;
  CHECK(out->io.peak_buffer_bytes <= bound);
  CHECK(out->io.peak_buffer_bytes >= kMaxBundleChunk);  // the counter does count

  auto in = testing::ImportInto(*w.hub, path);
  REQUIRE_MESSAGE(in.ok(), in.status().ToString());
  CHECK(in->io.bytes == out->io.bytes);
  CHECK(in->io.peak_buffer_bytes <= bound);
  CHECK(in->chunks_new == out->io.counts.chunks);
  CHECK(in->ingest.inserted + in->ingest.duplicates == out->io.counts.records);
}

}  // namespace credmesh
