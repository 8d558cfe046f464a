#pragma once
// Approximate k-nearest-neighbour graphs (HNSW, from Debian's hnswlib) and exact ones for
// checks, plus the neighbourhood-preservation score used to judge layouts.

#include <cstdint>
#include <vector>

#include "core/base/job.h"

namespace strata {

struct KnnGraph {
  int64_t n = 0;
  int k = 0;
  std::vector<int32_t> indices;  // [n, k], nearest first, self excluded
  std::vector<float> distances;  // [n, k], Euclidean
};

// How hard an approximate graph's construction searches (hnswlib's efConstruction). Standard
// (40) finds as many of the true neighbours as pynndescent, umap-learn's graph, in under half
// its time; on real data such as Fashion-MNIST nearly all of them (recall 0.999). Thorough (64)
// is about 1.3 times slower and finds more where the data's intrinsic dimension is high (on a
// 32-D Gaussian mixture, recall 0.84 against 0.75). README: the benchmark section.
enum class KnnEffort { Standard, Thorough };

// Built on `threads` threads; the result depends on the data, the seed and the effort only (and
// on whether the CPU has AVX2, which changes distance rounding). Defined in approximate_knn.cpp.
KnnGraph approximateKnn(const float* data, int64_t n, int dims, int k, uint64_t seed = 0,
                        const JobControl& job = {}, int threads = 2,
                        KnnEffort effort = KnnEffort::Standard);
KnnGraph exactKnn(const float* data, int64_t n, int dims, int k);

struct Neighbour {
  int64_t index = 0;
  float squaredDistance = 0;
};

// The k rows of `points` ([n, dims]) nearest to `query` (dims values), by exact Euclidean
// distance, nearest first, equal distances by index; the row `exclude` (-1: none) is skipped.
// Fewer when fewer rows remain.
std::vector<Neighbour> nearestNeighbours(const float* points, int64_t n, int dims,
                                         const float* query, int64_t k, int64_t exclude = -1);

// Mean fraction of each point's k nearest neighbours in `high` that are also among its k
// nearest in `low` (kNN recall; 1 = neighbourhoods fully kept). Exact search on both sides.
double knnRecall(const float* high, int highDims, const float* low, int lowDims, int64_t n, int k);

}  // namespace strata
