// UMAP's layout alone at millions of points: a graph shaped like a kNN graph of data in random
// order (10 edges a point, weights in (0.05, 1]; each point's edges are listed with it and
// reach points anywhere in memory but near it in the starting layout), laid out for epochs 0
// to EPOCHS (a multiple of 5) of the 200-epoch schedule Strata uses above 10,000 points
// (nothing is due in epoch 0). Prints the seconds of the set-up (the schedule) and of the
// epochs apart, the process's peak memory and a hash of the layout, the same before and after
// a change that must not alter the result.
//
// Usage: bench_umap_layout [POINTS] [EPOCHS]; prints one JSON line.

#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "bench/layout_hash.h"
#include "bench/peak_memory.h"
#include "core/base/errors.h"
#include "core/numeric/umap_layout.h"

using namespace strata;
using bench::peakMegabytes;

int main(int argc, char** argv) {
  constexpr int kEdgesPerPoint = 10;
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 10000000;
  const int epochs = argc > 2 ? std::atoi(argv[2]) : 10;
  if (n < 1 || n > INT32_MAX - kEdgesPerPoint || epochs < 0 || epochs > 200) {
    std::fprintf(stderr, "usage: bench_umap_layout [POINTS 1..2^31-11] [EPOCHS 0..200]\n");
    return 2;
  }
  // Point i is rank[i] along a chain; its edges reach the next points along the chain, which
  // sit anywhere in memory but next to it in the starting layout (as neighbours in the data
  // start near each other after PCA or a spectral start).
  std::mt19937_64 random(1);
  std::vector<int32_t> rank(static_cast<size_t>(n)), atRank(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) rank[size_t(i)] = int32_t(i);
  std::shuffle(rank.begin(), rank.end(), random);
  for (int64_t i = 0; i < n; ++i) atRank[size_t(rank[size_t(i)])] = int32_t(i);
  std::vector<UmapEdge> edges;
  edges.reserve(size_t(n) * kEdgesPerPoint);
  std::uniform_real_distribution<float> weight(0.05f, 1.0f);
  for (int64_t i = 0; i < n; ++i)
    for (int k = 1; k <= kEdgesPerPoint; ++k)
      edges.push_back({int32_t(i), atRank[size_t((rank[size_t(i)] + k) % n)], weight(random)});
  std::vector<float> y(static_cast<size_t>(2 * n));
  const int64_t rows = 1000;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = rank[size_t(i)];
    y[size_t(2 * i)] = float(r / rows) / float(n / rows + 1) * 10.f;
    y[size_t(2 * i + 1)] = float(r % rows) / float(rows) * 10.f;
  }
  UmapLayoutSettings settings;
  settings.epochs = 200;
  JobControl job;
  const auto start = std::chrono::steady_clock::now();
  auto since = [&start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  // Progress comes after epochs 0, 5, 10, ... as a fraction of 200. The first comes once the
  // schedule is built (nothing is due in epoch 0), which times the set-up apart.
  double setupSeconds = -1;
  int reached = 0;
  job.progress = [&](double f) {
    if (setupSeconds < 0) setupSeconds = since();
    reached = int(std::lround(f * settings.epochs));
    if (reached >= epochs) job.cancel.cancel();
  };
  try {
    layoutUmap(edges, y, settings, job);
    reached = settings.epochs;
  } catch (const Cancelled&) {
  }
  const double seconds = since();
  std::printf(
      "{\"impl\": \"strata\", \"what\": \"umap_layout\", \"points\": %lld, \"edges\": %zu, "
      "\"epochs\": %d, \"setup_seconds\": %.2f, \"epoch_seconds\": %.2f, \"peak_mb\": %.0f, "
      "\"layout_hash\": \"%016llx\"}\n",
      static_cast<long long>(n), edges.size(), reached, setupSeconds, seconds - setupSeconds,
      peakMegabytes(), static_cast<unsigned long long>(bench::layoutHash(y)));
  return 0;
}
