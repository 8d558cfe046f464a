#pragma once
// t-SNE (van der Maaten 2014): input affinities from an approximate kNN graph (HNSW) with a
// per-point perplexity search, Barnes-Hut repulsion on a quadtree, PCA initialisation and
// the usual early-exaggeration schedule. Two dimensions.

#include <cstdint>
#include <vector>

#include "core/job.h"

namespace strata {

struct TsneParameters {
  double perplexity = 30;
  int iterations = 750;
  int exaggerationIterations = 250;
  double exaggeration = 12;
  double learningRate = 0;  // 0: automatic, max(n / exaggeration / 4, 50) as scikit-learn
  double theta = 0.5;       // Barnes-Hut accuracy (0 = exact)
  uint64_t seed = 0;
  int threads = 2;
};

// Returns [n, 2].
std::vector<float> tsne(const float* data, int64_t n, int dims, const TsneParameters& p,
                        const JobControl& job = {});

}  // namespace strata
