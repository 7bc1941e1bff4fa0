// process_cpu.h: the CPU time a benchmark process has used, for figures
// that must hold on a shared machine, where wall time does not.
#pragma once

#include <sys/resource.h>

namespace credmesh::bench {

// User + system seconds of this process so far, all its threads.
inline double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace credmesh::bench
