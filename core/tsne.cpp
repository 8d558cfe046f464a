#include "core/tsne.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <thread>

#include "core/knn.h"
#include "core/pca.h"

namespace strata {
namespace {

// Sparse symmetric P in CSR form.
struct SparseP {
  std::vector<int64_t> rowStart;
  std::vector<int32_t> columns;
  std::vector<double> values;
};

SparseP inputAffinities(const KnnGraph& g, double perplexity) {
  const int64_t n = g.n;
  const int k = g.k;
  std::vector<double> conditional(size_t(n) * size_t(k));
  const double target = std::log(perplexity);
  for (int64_t i = 0; i < n; ++i) {
    const float* d = g.distances.data() + size_t(i) * size_t(k);
    double beta = 1.0, lo = 0, hi = INFINITY;
    double* p = conditional.data() + size_t(i) * size_t(k);
    for (int iter = 0; iter < 200; ++iter) {
      double sum = 0, h = 0;
      for (int j = 0; j < k; ++j) {
        const double d2 = double(d[j]) * d[j];
        p[j] = std::exp(-beta * (d2 - double(d[0]) * d[0]));  // shifted for stability
        sum += p[j];
      }
      for (int j = 0; j < k; ++j) {
        p[j] /= sum;
        const double d2 = double(d[j]) * d[j] - double(d[0]) * d[0];
        h += beta * d2 * p[j];
      }
      h += std::log(sum);  // entropy of the normalised distribution
      if (std::abs(h - target) < 1e-5) break;
      if (h > target) {
        lo = beta;
        beta = std::isinf(hi) ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = (beta + lo) / 2;
      }
    }
  }
  // Symmetrise: P_ij = (p_j|i + p_i|j) / 2n.
  std::vector<std::vector<std::pair<int32_t, double>>> rows(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < k; ++j) {
      const int32_t c = g.indices[size_t(i) * size_t(k) + size_t(j)];
      const double v = conditional[size_t(i) * size_t(k) + size_t(j)] / (2.0 * double(n));
      rows[size_t(i)].push_back({c, v});
      rows[size_t(c)].push_back({int32_t(i), v});
    }
  SparseP P;
  P.rowStart.push_back(0);
  for (auto& row : rows) {
    std::sort(row.begin(), row.end());
    for (size_t a = 0; a < row.size();) {
      size_t b = a;
      double v = 0;
      while (b < row.size() && row[b].first == row[a].first) v += row[b++].second;
      P.columns.push_back(row[a].first);
      P.values.push_back(v);
      a = b;
    }
    P.rowStart.push_back(int64_t(P.columns.size()));
  }
  return P;
}

// A 2-D Barnes-Hut quadtree over the embedding.
class QuadTree {
 public:
  explicit QuadTree(const std::vector<double>& y) : y_(y) {
    const int64_t n = int64_t(y.size() / 2);
    double minX = INFINITY, minY = INFINITY, maxX = -INFINITY, maxY = -INFINITY;
    for (int64_t i = 0; i < n; ++i) {
      minX = std::min(minX, y[2 * i]), maxX = std::max(maxX, y[2 * i]);
      minY = std::min(minY, y[2 * i + 1]), maxY = std::max(maxY, y[2 * i + 1]);
    }
    const double half = std::max(maxX - minX, maxY - minY) / 2 + 1e-5;
    nodes_.push_back({(minX + maxX) / 2, (minY + maxY) / 2, half});
    nodes_.reserve(size_t(n) * 2);
    for (int64_t i = 0; i < n; ++i) insert(0, i, 0);
  }

  // Adds the repulsive force on point i to (fx, fy) and returns its share of Z.
  double repulse(int64_t i, double theta, double& fx, double& fy) const {
    return visit(0, i, theta * theta, fx, fy);
  }

 private:
  struct Node {
    double cx, cy, half;
    double mass = 0, comX = 0, comY = 0;
    int64_t point = -1;  // the single point in a leaf
    int32_t child = -1;  // first of four children
  };

  void insert(int32_t node, int64_t i, int depth) {
    {
      Node& nd = nodes_[size_t(node)];
      nd.comX = (nd.comX * nd.mass + y_[size_t(2 * i)]) / (nd.mass + 1);
      nd.comY = (nd.comY * nd.mass + y_[size_t(2 * i + 1)]) / (nd.mass + 1);
      nd.mass += 1;
      if (nd.child < 0) {
        if (nd.mass == 1) {
          nd.point = i;
          return;
        }
        if (depth > 50) return;  // (near-)duplicate points: an aggregated leaf
        const int64_t old = nd.point;
        nodes_[size_t(node)].point = -1;
        split(node);  // may reallocate: no references across this call
        if (old >= 0) insert(childFor(node, old), old, depth + 1);
      }
    }
    insert(childFor(node, i), i, depth + 1);
  }

  int32_t childFor(int32_t node, int64_t i) const {
    const Node& nd = nodes_[size_t(node)];
    return nd.child + (y_[size_t(2 * i)] >= nd.cx ? 1 : 0) +
           (y_[size_t(2 * i + 1)] >= nd.cy ? 2 : 0);
  }

  void split(int32_t node) {
    const Node nd = nodes_[size_t(node)];
    const double h = nd.half / 2;
    const int32_t first = int32_t(nodes_.size());
    nodes_.push_back({nd.cx - h, nd.cy - h, h});
    nodes_.push_back({nd.cx + h, nd.cy - h, h});
    nodes_.push_back({nd.cx - h, nd.cy + h, h});
    nodes_.push_back({nd.cx + h, nd.cy + h, h});
    nodes_[size_t(node)].child = first;
  }

  double visit(int32_t node, int64_t i, double theta2, double& fx, double& fy) const {
    const Node& nd = nodes_[size_t(node)];
    if (nd.mass == 0 || (nd.child < 0 && nd.point == i && nd.mass == 1)) return 0;
    const double dx = y_[size_t(2 * i)] - nd.comX, dy = y_[size_t(2 * i + 1)] - nd.comY;
    const double d2 = dx * dx + dy * dy;
    const double size = 2 * nd.half;
    if (nd.child < 0 || size * size < theta2 * d2) {
      double mass = nd.mass;
      if (nd.child < 0 && nd.point == i) mass -= 1;  // duplicates sharing a leaf
      const double q = 1.0 / (1.0 + d2);
      const double mq = mass * q;
      fx += mq * q * dx;
      fy += mq * q * dy;
      return mq;
    }
    double z = 0;
    for (int c = 0; c < 4; ++c) z += visit(nd.child + c, i, theta2, fx, fy);
    return z;
  }

  const std::vector<double>& y_;
  std::vector<Node> nodes_;
};

template <class Body>
void parallelFor(int64_t n, int threads, Body&& body) {
  threads = std::max(1, threads);
  std::vector<std::thread> pool;
  pool.reserve(size_t(threads));
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int64_t i = t; i < n; i += threads) body(i, t);
    });
  for (auto& th : pool) th.join();
}

}  // namespace

std::vector<float> tsne(const float* data, int64_t n, int dims, const TsneParameters& p,
                        const JobControl& job) {
  if (n < 4) throw std::invalid_argument("t-SNE needs at least four points");
  const int k = int(std::min<int64_t>(n - 1, int64_t(std::ceil(3 * p.perplexity))));
  const double perplexity = std::min(p.perplexity, double(k) / 3.0);
  JobControl knnJob{job.cancel, [&job](double f) { job.report(0.15 * f); }};
  const KnnGraph graph = approximateKnn(data, n, dims, k, p.seed, knnJob, p.threads);
  const SparseP P = inputAffinities(graph, perplexity);
  job.report(0.2);

  // PCA initialisation, scaled so the first coordinate has standard deviation 1e-4.
  std::vector<double> y(size_t(n) * 2);
  {
    const PcaModel pca = fitPca(data, n, dims, std::min(2, dims));
    const std::vector<float> init = pca.transform(data, n);
    double sd = std::sqrt(std::max(pca.explainedVariance[0], 1e-12));
    for (int64_t i = 0; i < n; ++i) {
      y[size_t(2 * i)] = init[size_t(i * pca.components)] / sd * 1e-4;
      y[size_t(2 * i + 1)] =
          pca.components > 1 ? init[size_t(i * pca.components + 1)] / sd * 1e-4 : 0.0;
    }
    std::mt19937_64 rng(p.seed);
    std::normal_distribution<double> jitter(0, 1e-6);
    for (double& v : y) v += jitter(rng);  // breaks ties between identical points
  }
  const double rate =
      p.learningRate > 0 ? p.learningRate : std::max(double(n) / p.exaggeration / 4.0, 50.0);
  std::vector<double> update(y.size(), 0.0), gains(y.size(), 1.0), attract(y.size()),
      repel(y.size());
  const int threads = std::max(1, p.threads);
  std::vector<double> zParts(static_cast<size_t>(threads));

  for (int iter = 0; iter < p.iterations; ++iter) {
    job.cancel.throwIfCancelled();
    const bool early = iter < p.exaggerationIterations;
    const double exaggeration = early ? p.exaggeration : 1.0;
    const double momentum = early ? 0.5 : 0.8;
    const QuadTree tree(y);
    std::fill(zParts.begin(), zParts.end(), 0.0);
    parallelFor(n, threads, [&](int64_t i, int t) {
      double fx = 0, fy = 0;
      zParts[size_t(t)] += tree.repulse(i, p.theta, fx, fy);
      repel[size_t(2 * i)] = fx;
      repel[size_t(2 * i + 1)] = fy;
      double ax = 0, ay = 0;
      for (int64_t e = P.rowStart[size_t(i)]; e < P.rowStart[size_t(i) + 1]; ++e) {
        const int64_t j = P.columns[size_t(e)];
        const double dx = y[size_t(2 * i)] - y[size_t(2 * j)],
                     dy = y[size_t(2 * i + 1)] - y[size_t(2 * j + 1)];
        const double w = P.values[size_t(e)] / (1.0 + dx * dx + dy * dy);
        ax += w * dx;
        ay += w * dy;
      }
      attract[size_t(2 * i)] = ax;
      attract[size_t(2 * i + 1)] = ay;
    });
    double z = 0;
    for (double part : zParts) z += part;
    z = std::max(z, 1e-12);
    for (size_t c = 0; c < y.size(); ++c) {
      const double grad = 4.0 * (exaggeration * attract[c] - repel[c] / z);
      // Delta-bar-delta gains, as in the reference implementation.
      gains[c] = (grad > 0) != (update[c] > 0) ? gains[c] + 0.2 : std::max(gains[c] * 0.8, 0.01);
      update[c] = momentum * update[c] - rate * gains[c] * grad;
      y[c] += update[c];
    }
    if (iter % 10 == 0) job.report(0.2 + 0.8 * double(iter) / p.iterations);
  }
  // Centre the result.
  double mx = 0, my = 0;
  for (int64_t i = 0; i < n; ++i) mx += y[size_t(2 * i)], my += y[size_t(2 * i + 1)];
  mx /= double(n), my /= double(n);
  std::vector<float> out(size_t(n) * 2);
  for (int64_t i = 0; i < n; ++i) {
    out[size_t(2 * i)] = float(y[size_t(2 * i)] - mx);
    out[size_t(2 * i + 1)] = float(y[size_t(2 * i + 1)] - my);
  }
  job.report(1.0);
  return out;
}

}  // namespace strata
