#include "core/numeric/umap.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/numeric/knn.h"
#include "core/numeric/pca.h"
#include "core/numeric/umap_layout.h"

namespace strata {

void umapCurve(double spread, double minDistance, double& a, double& b) {
  // Least squares over d in (0, 3 spread], as umap-learn's find_ab_params, by Gauss-Newton.
  std::vector<double> xs, ys;
  for (int i = 1; i <= 300; ++i) {
    const double x = 3.0 * spread * i / 300.0;
    xs.push_back(x);
    ys.push_back(x < minDistance ? 1.0 : std::exp(-(x - minDistance) / spread));
  }
  a = 1.0, b = 1.0;
  for (int iter = 0; iter < 200; ++iter) {
    double jtj[2][2] = {{0, 0}, {0, 0}}, jtr[2] = {0, 0};
    for (size_t i = 0; i < xs.size(); ++i) {
      const double x2b = std::pow(xs[i], 2 * b);
      const double f = 1.0 / (1.0 + a * x2b);
      const double r = f - ys[i];
      const double dfa = -x2b * f * f;
      const double dfb = -a * x2b * 2 * std::log(xs[i]) * f * f;
      jtj[0][0] += dfa * dfa, jtj[0][1] += dfa * dfb, jtj[1][1] += dfb * dfb;
      jtr[0] += dfa * r, jtr[1] += dfb * r;
    }
    jtj[1][0] = jtj[0][1];
    const double det = jtj[0][0] * jtj[1][1] - jtj[0][1] * jtj[1][0];
    if (std::abs(det) < 1e-18) break;
    const double da = (jtj[1][1] * jtr[0] - jtj[0][1] * jtr[1]) / det;
    const double db = (jtj[0][0] * jtr[1] - jtj[1][0] * jtr[0]) / det;
    a = std::max(1e-3, a - da);
    b = std::max(1e-3, b - db);
    if (std::abs(da) < 1e-10 && std::abs(db) < 1e-10) break;
  }
}

namespace {

// Fuzzy membership of each directed edge: exp(-(d - rho) / sigma), summing to
// log2(neighbourhood) over the k = neighbourhood - 1 neighbours (umap-learn's n_neighbors counts
// the point itself).
std::vector<float> directedMemberships(const KnnGraph& g, int64_t n, int k) {
  std::vector<float> weight(size_t(n) * size_t(k));
  const double target = std::log2(double(k + 1));
  for (int64_t i = 0; i < n; ++i) {
    const float* d = g.distances.data() + size_t(i) * size_t(k);
    double rho = 0;
    for (int j = 0; j < k; ++j)
      if (d[j] > 0) {
        rho = d[j];
        break;
      }
    double lo = 0, hi = INFINITY, sigma = 1.0;
    for (int iter = 0; iter < 64; ++iter) {
      double sum = 0;
      for (int j = 0; j < k; ++j) sum += std::exp(-std::max(0.0, d[j] - rho) / sigma);
      if (std::abs(sum - target) < 1e-5) break;
      if (sum > target) {
        hi = sigma;
        sigma = (lo + hi) / 2;
      } else {
        lo = sigma;
        sigma = std::isinf(hi) ? sigma * 2 : (lo + hi) / 2;
      }
    }
    for (int j = 0; j < k; ++j)
      weight[size_t(i) * size_t(k) + size_t(j)] =
          float(std::exp(-std::max(0.0, d[j] - rho) / sigma));
  }
  return weight;
}

// Fuzzy union: w_ij + w_ji - w_ij w_ji over the symmetric edge set.
std::vector<UmapEdge> fuzzyUnion(const KnnGraph& g, const std::vector<float>& weight, int64_t n,
                                 int k) {
  std::vector<UmapEdge> edges;
  std::vector<std::pair<int64_t, float>> directed;  // key a * n + b
  directed.reserve(size_t(n) * size_t(k));
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < k; ++j)
      directed.push_back({i * n + g.indices[size_t(i) * size_t(k) + size_t(j)],
                          weight[size_t(i) * size_t(k) + size_t(j)]});
  std::sort(directed.begin(), directed.end());
  auto find = [&](int64_t key) -> float {
    auto it = std::lower_bound(directed.begin(), directed.end(), std::make_pair(key, -1.0f));
    return it != directed.end() && it->first == key ? it->second : 0.0f;
  };
  for (const auto& [key, w] : directed) {
    const int64_t a = key / n, b = key % n;
    const float back = find(b * n + a);
    if (back > 0 && b < a) continue;  // the pair is emitted once, from its smaller end
    edges.push_back({int32_t(a), int32_t(b), w + back - w * back});
  }
  return edges;
}

// PCA initialisation scaled to a box of side 10, as umap-learn does for its init arrays.
std::vector<float> pcaStart(const float* data, int64_t n, int dims) {
  std::vector<float> y(size_t(n) * 2);
  const PcaModel pca = fitPca(data, n, dims, std::min(2, dims));
  const std::vector<float> init = pca.transform(data, n);
  for (int c = 0; c < 2; ++c) {
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < n; ++i) {
      const double v = c < pca.components ? init[size_t(i * pca.components + c)] : 0.0;
      lo = std::min(lo, v), hi = std::max(hi, v);
    }
    for (int64_t i = 0; i < n; ++i) {
      const double v = c < pca.components ? init[size_t(i * pca.components + c)] : 0.0;
      y[size_t(2 * i + c)] = hi > lo ? float(10.0 * (v - lo) / (hi - lo)) : 0.0f;
    }
  }
  return y;
}

}  // namespace

std::vector<float> umap(const float* data, int64_t n, int dims, const UmapParameters& p,
                        const JobControl& job) {
  if (n < 4) throw std::invalid_argument("UMAP needs at least four points");
  if (n > INT32_MAX) throw std::invalid_argument("UMAP takes at most 2^31 - 1 points");
  // umap-learn's n_neighbors includes the point itself: n_neighbors - 1 others.
  const int k = int(std::min<int64_t>(std::max(1, p.neighbours - 1), n - 1));
  JobControl knnJob{job.cancel, [&job](double f) { job.report(0.3 * f); }};
  const KnnGraph g = approximateKnn(data, n, dims, k, p.seed, knnJob, p.threads, p.graphEffort);
  const std::vector<UmapEdge> edges = fuzzyUnion(g, directedMemberships(g, n, k), n, k);
  job.report(0.35);

  std::vector<float> y = pcaStart(data, n, dims);
  UmapLayoutSettings layout;
  umapCurve(p.spread, p.minDistance, layout.a, layout.b);
  layout.epochs = p.epochs > 0 ? p.epochs : (n <= 10000 ? 500 : 200);
  layout.learningRate = p.learningRate;
  layout.negativeSamples = p.negativeSamples;
  layout.seed = p.seed;
  layout.threads = p.threads;
  layoutUmap(edges, y, layout, job.range(0.35, 1.0));
  job.report(1.0);
  return y;
}

}  // namespace strata
