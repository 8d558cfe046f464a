#pragma once
// UMAP's layout: stochastic gradient descent on the fuzzy graph's edges with negative sampling,
// on umap-learn's schedule, split over two threads in a way that keeps the result independent of
// the thread count and of timing.

#include <cstdint>
#include <vector>

#include "core/base/job.h"

namespace strata {

struct UmapEdge {
  int32_t a, b;
  float w;
};

struct UmapLayoutSettings {
  int epochs = 200;
  double learningRate = 1.0;
  int negativeSamples = 5;
  double a = 1.577, b = 0.895;  // the curve 1 / (1 + a d^(2b))
  uint64_t seed = 0;
  int threads = 2;
};

// Moves `y` ([n, 2], the starting layout) in place. Reports progress from 0 to 1.
void layoutUmap(const std::vector<UmapEdge>& edges, std::vector<float>& y,
                const UmapLayoutSettings& s, const JobControl& job);

}  // namespace strata
