// heap_tuning.h: how the node process keeps the memory it frees. Evidence
// file transfer (docs/protocol.md §16) allocates and frees 256 KiB chunk
// buffers by the thousand, on several threads at once (the sync threads and
// ZeroMQ's I/O thread, which frees what another thread allocated). With
// glibc's defaults each freed run of more than about 512 KiB at the top of a
// heap is handed back to the kernel and faulted in again, page by page, by
// the next allocation: a third of a transfer's CPU time (docs/benchmarks.md).
#pragma once

#include <cstddef>

namespace credmesh {

// Above this size an allocation is its own mapping (returned when freed);
// chunk frames (256 KiB and their envelope) stay below it.
inline constexpr size_t kHeapMmapThreshold = 1 << 20;
// Free memory at the top of a heap is returned to the kernel only past this
// size: above the few credit windows (2 MiB each) a transfer has in flight.
inline constexpr size_t kHeapTrimThreshold = 8 << 20;

// Sets both thresholds for the whole process (glibc's mallopt; a no-op
// elsewhere). Call once, early, before threads start: the node's command
// line does, and so do benchmarks that stand for a node. Returns false if
// the C library refused either setting.
bool KeepFreedChunkBuffers();

}  // namespace credmesh
