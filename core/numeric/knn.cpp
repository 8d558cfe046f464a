#include "core/numeric/knn.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <random>
#include <thread>
#include <unordered_set>

namespace strata {

std::vector<Neighbour> nearestNeighbours(const float* points, int64_t n, int dims,
                                         const float* query, int64_t k, int64_t exclude) {
  // The k smallest (distance, index) pairs so far, as a max-heap: the same k, in the same
  // order, as sorting all n pairs, without holding them.
  const size_t m = size_t(std::clamp<int64_t>(k, 0, n - (exclude >= 0 && exclude < n ? 1 : 0)));
  std::vector<std::pair<float, int64_t>> best;
  best.reserve(m + 1);
  for (int64_t j = 0; j < n && m > 0; ++j) {
    if (j == exclude) continue;
    const float* p = points + size_t(j) * size_t(dims);
    float s = 0;
    for (int c = 0; c < dims; ++c) {
      const float diff = query[c] - p[c];
      s += diff * diff;
    }
    const std::pair<float, int64_t> candidate{s, j};
    if (best.size() < m) {
      best.push_back(candidate);
      std::push_heap(best.begin(), best.end());
    } else if (candidate < best.front()) {
      std::pop_heap(best.begin(), best.end());
      best.back() = candidate;
      std::push_heap(best.begin(), best.end());
    }
  }
  std::sort_heap(best.begin(), best.end());
  std::vector<Neighbour> out(best.size());
  for (size_t j = 0; j < best.size(); ++j) out[j] = {best[j].second, best[j].first};
  return out;
}

KnnGraph exactKnn(const float* data, int64_t n, int dims, int k) {
  KnnGraph g;
  g.n = n;
  g.k = int(std::min<int64_t>(k, n - 1));
  g.indices.resize(size_t(n) * size_t(g.k));
  g.distances.resize(size_t(n) * size_t(g.k));
  for (int64_t i = 0; i < n; ++i) {
    const std::vector<Neighbour> near =
        nearestNeighbours(data, n, dims, data + size_t(i) * size_t(dims), g.k, i);
    for (int j = 0; j < g.k; ++j) {
      g.indices[size_t(i) * size_t(g.k) + size_t(j)] = int32_t(near[size_t(j)].index);
      g.distances[size_t(i) * size_t(g.k) + size_t(j)] = std::sqrt(near[size_t(j)].squaredDistance);
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
