#pragma once
// UMAP (McInnes et al. 2018): a fuzzy simplicial set from an approximate kNN graph (HNSW),
// laid out by stochastic gradient descent with negative sampling. PCA initialisation.

#include <cstdint>
#include <vector>

#include "core/base/job.h"
#include "core/numeric/knn.h"

namespace strata {

struct UmapParameters {
  int neighbours = 15;  // as umap-learn's n_neighbors, which counts the point itself
  double minDistance = 0.1;
  double spread = 1.0;
  int epochs = 0;  // 0: 500 below 10,000 points, else 200 (as umap-learn)
  double learningRate = 1.0;
  int negativeSamples = 5;
  uint64_t seed = 0;
  KnnEffort graphEffort = KnnEffort::Standard;  // how hard the kNN graph's construction searches
  int threads = 2;  // for the kNN search and the layout (the result does not depend on it)
};

// The curve 1 / (1 + a d^(2b)) that best fits the target membership for these settings.
void umapCurve(double spread, double minDistance, double& a, double& b);

// Returns [n, 2].
std::vector<float> umap(const float* data, int64_t n, int dims, const UmapParameters& p,
                        const JobControl& job = {});

}  // namespace strata
