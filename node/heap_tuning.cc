#include "node/heap_tuning.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace credmesh {

bool KeepFreedChunkBuffers() {
#if defined(__GLIBC__)
  // Setting either turns off glibc's own adjustment of both, so both are set.
  return mallopt(M_MMAP_THRESHOLD, static_cast<int>(kHeapMmapThreshold)) == 1 &&
         mallopt(M_TRIM_THRESHOLD, static_cast<int>(kHeapTrimThreshold)) == 1;
#else
  return true;
#endif
}

}  // namespace credmesh
