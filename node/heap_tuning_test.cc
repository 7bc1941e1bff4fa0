#include "node/heap_tuning.h"

#include <doctest/doctest.h>
#include <sys/resource.h>

#include <cstring>
#include <vector>

// Under ASan or TSan the sanitizer's allocator replaces glibc's (and keeps
// freed memory in quarantine): the tuning does not apply there.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CREDMESH_SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CREDMESH_SANITIZER_ALLOCATOR 1
#endif
#endif

namespace credmesh {
#if !defined(CREDMESH_SANITIZER_ALLOCATOR)
namespace {

long MinorFaults() {
  struct rusage u {};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

// A credit window of chunk buffers allocated, written and freed, as a
// transfer does over and over.
void OneWindow() {
  std::vector<unsigned char*> window;
  for (int i = 0; i < 8; ++i) {
    auto* p = new unsigned char[262196];
    std::memset(p, i, 262196);
    window.push_back(p);
  }
  for (unsigned char* p : window) delete[] p;
}

}  // namespace
#endif

TEST_CASE("heap tuning: freed chunk buffers are reused, not faulted in again") {
#if defined(CREDMESH_SANITIZER_ALLOCATOR)
  (void)KeepFreedChunkBuffers();
  MESSAGE("a sanitizer's allocator: glibc's heap tuning does not apply");
#else
  REQUIRE(KeepFreedChunkBuffers());
  OneWindow();  // the heap grows once
  const long before = MinorFaults();
  for (int i = 0; i < 20; ++i) OneWindow();
  // Untuned, every window gives its 2 MiB back to the kernel and takes it
  // again: about 512 faults of 4 KiB pages each time, 10,000 in all.
  CHECK(MinorFaults() - before < 200);
#endif
}

}  // namespace credmesh
