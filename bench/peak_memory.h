#pragma once
// The process's peak resident memory so far, for the benchmarks that report what a step cost.

#include <sys/resource.h>

namespace strata::bench {

inline double peakMegabytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;  // Linux counts it in kilobytes
}

}  // namespace strata::bench
