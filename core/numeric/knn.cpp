#include "core/numeric/knn.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <random>
#include <thread>
#include <unordered_set>

namespace strata {

KnnGraph exactKnn(const float* data, int64_t n, int dims, int k) {
  KnnGraph g;
  g.n = n;
  g.k = int(std::min<int64_t>(k, n - 1));
  g.indices.resize(size_t(n) * size_t(g.k));
  g.distances.resize(size_t(n) * size_t(g.k));
  std::vector<std::pair<float, int32_t>> d(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float s = 0;
      for (int c = 0; c < dims; ++c) {
        const float diff =
            data[size_t(i) * size_t(dims) + size_t(c)] - data[size_t(j) * size_t(dims) + size_t(c)];
        s += diff * diff;
      }
      d[size_t(j)] = {i == j ? INFINITY : s, int32_t(j)};
    }
    std::partial_sort(d.begin(), d.begin() + g.k, d.end());
    for (int j = 0; j < g.k; ++j) {
      g.indices[size_t(i) * size_t(g.k) + size_t(j)] = d[size_t(j)].second;
      g.distances[size_t(i) * size_t(g.k) + size_t(j)] = std::sqrt(d[size_t(j)].first);
    }
  }
  return g;
}

double knnRecall(const float* high, int highDims, const float* low, int lowDims, int64_t n, int k) {
  const KnnGraph a = exactKnn(high, n, highDims, k);
  const KnnGraph b = exactKnn(low, n, lowDims, k);
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    std::unordered_set<int32_t> mine(a.indices.begin() + i * a.k,
                                     a.indices.begin() + (i + 1) * a.k);
    int hits = 0;
    for (int j = 0; j < b.k; ++j)
      hits += int(mine.count(b.indices[size_t(i) * size_t(b.k) + size_t(j)]));
    total += double(hits) / double(a.k);
  }
  return total / double(n);
}

}  // namespace strata
