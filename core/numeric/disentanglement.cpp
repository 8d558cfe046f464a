#include "core/numeric/disentanglement.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <stdexcept>

#include "core/numeric/logistic_regression.h"

namespace strata {
namespace {

// Sorted unique values numbered 0, 1, ...
std::vector<int> rankClasses(const std::vector<double>& x, int* count) {
  std::vector<double> unique(x);
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  std::vector<int> out(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    out[i] = int(std::lower_bound(unique.begin(), unique.end(), x[i]) - unique.begin());
  *count = int(unique.size());
  return out;
}

std::vector<double> column(const CodeMatrix& codes, int j) {
  std::vector<double> c(static_cast<size_t>(codes.items));
  for (int64_t i = 0; i < codes.items; ++i) c[static_cast<size_t>(i)] = codes.at(i, j);
  return c;
}

std::vector<double> factorColumn(const FactorClasses& f, int k) {
  std::vector<double> c(static_cast<size_t>(f.items));
  for (int64_t i = 0; i < f.items; ++i) c[static_cast<size_t>(i)] = f.at(i, k);
  return c;
}

double entropy(const std::vector<int64_t>& counts, int64_t total) {
  double h = 0;
  for (int64_t c : counts)
    if (c > 0) {
      const double p = double(c) / double(total);
      h -= p * std::log(p);
    }
  return h;
}

double squaredCorrelation(const std::vector<double>& a, const std::vector<double>& b) {
  const CentredMoments m = centredMoments(a, b);
  if (m.aa <= 0 || m.bb <= 0) return 0.0;
  return m.ab * m.ab / (m.aa * m.bb);
}

double gapOfTopTwo(std::vector<double> v) {
  if (v.size() < 2) throw std::invalid_argument("MIG and SAP need at least two code dimensions");
  std::sort(v.begin(), v.end(), std::greater<>());
  return v[0] - v[1];
}

// Lasso by cyclic coordinate descent on the Gram matrix: min (1/2n)|y - Xw|^2 + alpha |w|_1
// for centred X and y.
Eigen::VectorXd lasso(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, double alpha) {
  const double n = double(x.rows());
  const Eigen::MatrixXd gram = x.transpose() * x / n;
  const Eigen::VectorXd xy = x.transpose() * y / n;
  Eigen::VectorXd w = Eigen::VectorXd::Zero(x.cols());
  for (int sweep = 0; sweep < 100000; ++sweep) {
    double largestChange = 0;
    for (Eigen::Index j = 0; j < w.size(); ++j) {
      if (gram(j, j) <= 0) continue;
      const double rho = xy(j) - gram.row(j).dot(w) + gram(j, j) * w(j);
      const double shrunk = std::copysign(std::max(std::abs(rho) - alpha, 0.0), rho);
      const double next = shrunk / gram(j, j);
      largestChange = std::max(largestChange, std::abs(next - w(j)));
      w(j) = next;
    }
    if (largestChange < 1e-13) break;
  }
  return w;
}

// Columns standardised with the statistics of the first `train` rows.
Eigen::MatrixXd standardise(Eigen::MatrixXd m, Eigen::Index train) {
  for (Eigen::Index j = 0; j < m.cols(); ++j) {
    const double mean = m.col(j).head(train).mean();
    const double sd =
        std::sqrt((m.col(j).head(train).array() - mean).square().sum() / double(train));
    if (sd > 0)
      m.col(j) = (m.col(j).array() - mean) / sd;
    else
      m.col(j).setZero();
  }
  return m;
}

double entropyNormalised(const Eigen::VectorXd& weights, int base) {
  const double total = weights.sum();
  if (base < 2) return 0.0;  // one outcome: nothing to be uncertain about
  if (total <= 0) return 1.0;
  double h = 0;
  for (Eigen::Index i = 0; i < weights.size(); ++i) {
    const double p = weights(i) / total;
    if (p > 0) h -= p * std::log(p);
  }
  return h / std::log(double(base));
}

double rSquared(const Eigen::VectorXd& truth, const Eigen::VectorXd& predicted) {
  const double residual = (truth - predicted).squaredNorm();
  const double total = (truth.array() - truth.mean()).square().sum();
  if (total <= 0) return residual <= 0 ? 1.0 : 0.0;
  return 1.0 - residual / total;
}

// Items of each class of each factor, for drawing groups that share a class.
std::vector<std::vector<std::vector<int64_t>>> itemsByClass(const FactorClasses& f) {
  std::vector<std::vector<std::vector<int64_t>>> out(static_cast<size_t>(f.factors()));
  for (int k = 0; k < f.factors(); ++k) {
    out[size_t(k)].resize(size_t(f.classCount[size_t(k)]));
    for (int64_t i = 0; i < f.items; ++i) out[size_t(k)][size_t(f.at(i, k))].push_back(i);
  }
  return out;
}

int64_t uniformIndex(std::mt19937_64& rng, int64_t size) {
  return std::uniform_int_distribution<int64_t>(0, size - 1)(rng);
}

double accuracy(const std::vector<bool>& correct) {
  if (correct.empty()) return 0.0;
  return double(std::count(correct.begin(), correct.end(), true)) / double(correct.size());
}

// numpy.percentile with linear interpolation on sorted values.
double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0.0;
  const double pos = q / 100.0 * double(sorted.size() - 1);
  const size_t lo = size_t(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - double(lo)) * (sorted[hi] - sorted[lo]);
}

// Disentanglement (each code's importance spread over few factors) and completeness (each
// factor's importance concentrated in few codes), weighted by importance; the importance
// matrix [dims, factors] is copied out row-major.
void scoreImportance(const Eigen::MatrixXd& importance, DciScore& d) {
  const Eigen::Index dims = importance.rows(), kCount = importance.cols();
  const double total = importance.sum();
  if (total > 0) {
    for (Eigen::Index j = 0; j < dims; ++j)
      d.disentanglement += importance.row(j).sum() / total *
                           (1.0 - entropyNormalised(importance.row(j).transpose(), int(kCount)));
    for (Eigen::Index k = 0; k < kCount; ++k)
      d.completeness +=
          importance.col(k).sum() / total * (1.0 - entropyNormalised(importance.col(k), int(dims)));
  }
  d.importance.resize(size_t(dims * kCount));
  for (Eigen::Index j = 0; j < dims; ++j)
    for (Eigen::Index k = 0; k < kCount; ++k)
      d.importance[size_t(j * kCount + k)] = importance(j, k);
}

// The random draws of a sampling plan, all from one generator in a fixed order.
struct PlanDraws {
  const FactorClasses& factors;
  const std::vector<std::vector<std::vector<int64_t>>>& byClass;
  const std::vector<int>& votingFactors;            // factors with a class of groupSize items
  const std::vector<std::vector<int>>& bigClasses;  // per factor: those classes
  int groupSize;
  std::mt19937_64& rng;

  // FactorVAE votes: a voting factor, one of its big classes, groupSize of its items.
  void votes(int count, std::vector<int64_t>& items, std::vector<int>& labels) {
    if (votingFactors.empty()) return;
    for (int v = 0; v < count; ++v) {
      const int k = votingFactors[size_t(uniformIndex(rng, int64_t(votingFactors.size())))];
      const auto& classes = bigClasses[size_t(k)];
      const int c = classes[size_t(uniformIndex(rng, int64_t(classes.size())))];
      std::vector<int64_t> pool = byClass[size_t(k)][size_t(c)];
      for (int g = 0; g < groupSize; ++g) {  // partial Fisher-Yates: without replacement
        const int64_t pick = g + uniformIndex(rng, int64_t(pool.size()) - g);
        std::swap(pool[size_t(g)], pool[size_t(pick)]);
        items.push_back(pool[size_t(g)]);
      }
      labels.push_back(k);
    }
  }

  // beta-VAE examples: a factor, then groupSize pairs of items that share its class.
  void pairs(int count, std::vector<int64_t>& pairs, std::vector<int>& labels) {
    if (factors.factors() == 0 || factors.items == 0) return;
    for (int e = 0; e < count; ++e) {
      const int k = int(uniformIndex(rng, factors.factors()));
      for (int g = 0; g < groupSize; ++g) {
        const int64_t a = uniformIndex(rng, factors.items);
        const auto& same = byClass[size_t(k)][size_t(factors.at(a, k))];
        pairs.push_back(a);
        pairs.push_back(same[size_t(uniformIndex(rng, int64_t(same.size())))]);
      }
      labels.push_back(k);
    }
  }
};

// Each code dimension's standard deviation over the items, into `scale`; dimensions of variance
// below 0.05 go to `pruned`, the others to `active`.
void scaleCodes(const CodeMatrix& codes, std::vector<double>& scale, std::vector<int>& active,
                std::vector<int>& pruned) {
  for (int j = 0; j < codes.dims; ++j) {
    const std::vector<double> c = column(codes, j);
    const double mean = std::accumulate(c.begin(), c.end(), 0.0) / double(c.size());
    double var = 0;
    for (double v : c) var += (v - mean) * (v - mean);
    var /= double(c.size());
    scale[size_t(j)] = std::sqrt(var);
    if (var < 0.05)
      pruned.push_back(j);
    else
      active.push_back(j);
  }
}

// The code dimension of least variance (codes divided by `scale`) over vote v's group of
// items, among `active`; -1 when every variance is NaN.
int factorVaeVote(const CodeMatrix& codes, const std::vector<int64_t>& items, size_t v, int group,
                  const std::vector<int>& active, const std::vector<double>& scale) {
  int best = -1;
  double bestVar = INFINITY;
  for (int j : active) {
    // Two passes (mean, then squared deviations), as numpy.var computes it: a near-tie
    // between two dimensions must be decided the same way by both implementations.
    double mean = 0, var = 0;
    for (int g = 0; g < group; ++g)
      mean += codes.at(items[v * size_t(group) + size_t(g)], j) / scale[size_t(j)];
    mean /= group;
    for (int g = 0; g < group; ++g) {
      const double d = codes.at(items[v * size_t(group) + size_t(g)], j) / scale[size_t(j)] - mean;
      var += d * d;
    }
    var /= group;
    if (var < bestVar) bestVar = var, best = j;
  }
  return best;
}

}  // namespace

CentredMoments centredMoments(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = double(a.size());
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n;
  const double mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  CentredMoments m;
  for (size_t i = 0; i < a.size(); ++i) {
    m.aa += (a[i] - ma) * (a[i] - ma);
    m.bb += (b[i] - mb) * (b[i] - mb);
    m.ab += (a[i] - ma) * (b[i] - mb);
  }
  return m;
}

double pearsonCorrelation(const std::vector<double>& a, const std::vector<double>& b) {
  const CentredMoments m = centredMoments(a, b);
  return m.aa > 0 && m.bb > 0 ? m.ab / std::sqrt(m.aa * m.bb) : double(NAN);
}

// The edges are built the way numpy builds them (start + i * step) so both sides put edge
// values in the same bin.
std::vector<int> histogramBins(const std::vector<double>& x, int bins) {
  const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
  const double start = x.empty() ? 0.0 : *lo;
  const double step = x.empty() ? 0.0 : (*hi - *lo) / bins;
  std::vector<double> edges(static_cast<size_t>(bins));
  for (int i = 0; i < bins; ++i) edges[static_cast<size_t>(i)] = double(i) * step + start;
  std::vector<int> out(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    out[i] = int(std::upper_bound(edges.begin(), edges.end(), x[i]) - edges.begin());
  return out;
}

double discreteMutualInformation(const std::vector<int>& a, int aCount, const std::vector<int>& b,
                                 int bCount) {
  const int64_t n = int64_t(a.size());
  std::vector<int64_t> joint(static_cast<size_t>(aCount) * static_cast<size_t>(bCount), 0),
      pa(static_cast<size_t>(aCount), 0), pb(static_cast<size_t>(bCount), 0);
  for (int64_t i = 0; i < n; ++i) {
    const size_t x = size_t(a[size_t(i)]), y = size_t(b[size_t(i)]);
    ++joint[x * size_t(bCount) + y];
    ++pa[x];
    ++pb[y];
  }
  double mi = 0;
  for (int x = 0; x < aCount; ++x)
    for (int y = 0; y < bCount; ++y) {
      const int64_t c = joint[size_t(x) * size_t(bCount) + size_t(y)];
      if (c == 0) continue;
      mi += double(c) / double(n) *
            std::log(double(c) * double(n) / (double(pa[size_t(x)]) * double(pb[size_t(y)])));
    }
  return std::max(mi, 0.0);
}

FactorClasses factorClasses(const std::vector<double>& factors, int64_t items, int count,
                            FactorBinning binning) {
  if (int64_t(factors.size()) != items * count)
    throw std::invalid_argument("factor array does not match items x factors");
  FactorClasses f;
  f.items = items;
  std::vector<std::vector<int>> kept;
  for (int k = 0; k < count; ++k) {
    std::vector<double> values(static_cast<size_t>(items));
    for (int64_t i = 0; i < items; ++i) values[size_t(i)] = factors[size_t(i * count + k)];
    int classCount = 0;
    std::vector<int> classes = rankClasses(values, &classCount);
    if (classCount < 2) continue;
    if (classCount > 20 && binning == FactorBinning::WideIntoTwentyBins) {
      const std::vector<int> bins = histogramBins(values, 20);
      classes = rankClasses(std::vector<double>(bins.begin(), bins.end()), &classCount);
    }
    f.kept.push_back(k);
    f.classCount.push_back(classCount);
    kept.push_back(std::move(classes));
  }
  f.classes.resize(size_t(items) * kept.size());
  for (int64_t i = 0; i < items; ++i)
    for (size_t k = 0; k < kept.size(); ++k)
      f.classes[size_t(i) * kept.size() + k] = kept[k][size_t(i)];
  return f;
}

MigScore mutualInformationGap(const CodeMatrix& codes, const FactorClasses& factors, int bins) {
  MigScore m;
  m.bins = bins;
  std::vector<std::vector<int>> binned;
  binned.reserve(size_t(codes.dims));
  for (int j = 0; j < codes.dims; ++j) binned.push_back(histogramBins(column(codes, j), bins));
  for (int k = 0; k < factors.factors(); ++k) {
    std::vector<int> v(static_cast<size_t>(factors.items));
    std::vector<int64_t> counts(size_t(factors.classCount[size_t(k)]), 0);
    for (int64_t i = 0; i < factors.items; ++i) {
      v[size_t(i)] = factors.at(i, k);
      ++counts[size_t(v[size_t(i)])];
    }
    std::vector<double> info;
    info.reserve(binned.size());
    for (const auto& b : binned)
      info.push_back(discreteMutualInformation(b, bins + 1, v, factors.classCount[size_t(k)]));
    m.perFactor.push_back(gapOfTopTwo(info) / entropy(counts, factors.items));
  }
  if (!m.perFactor.empty())
    m.score =
        std::accumulate(m.perFactor.begin(), m.perFactor.end(), 0.0) / double(m.perFactor.size());
  return m;
}

SapScore separatedAttributePredictability(const CodeMatrix& codes, const FactorClasses& factors) {
  SapScore s;
  const int kCount = factors.factors();
  s.matrix.assign(size_t(codes.dims) * size_t(kCount), 0.0);
  std::vector<std::vector<double>> columns;
  columns.reserve(size_t(codes.dims));
  for (int j = 0; j < codes.dims; ++j) columns.push_back(column(codes, j));
  for (int k = 0; k < kCount; ++k) {
    const std::vector<double> v = factorColumn(factors, k);
    std::vector<double> scores;
    for (int j = 0; j < codes.dims; ++j) {
      const double r2 = squaredCorrelation(columns[size_t(j)], v);
      s.matrix[size_t(j) * size_t(kCount) + size_t(k)] = r2;
      scores.push_back(r2);
    }
    s.perFactor.push_back(gapOfTopTwo(scores));
  }
  if (!s.perFactor.empty())
    s.score =
        std::accumulate(s.perFactor.begin(), s.perFactor.end(), 0.0) / double(s.perFactor.size());
  return s;
}

DciScore dciScore(const CodeMatrix& codes, const FactorClasses& factors, double alpha,
                  double trainFraction) {
  DciScore d;
  d.alpha = alpha;
  d.trainFraction = trainFraction;
  const Eigen::Index n = codes.items, dims = codes.dims, kCount = factors.factors();
  const Eigen::Index train = Eigen::Index(trainFraction * double(n));
  if (train < 2 || n - train < 2 || dims < 1 || kCount < 1)
    throw std::invalid_argument("DCI needs at least ten items, one code and one factor");
  Eigen::MatrixXd x(n, dims), y(n, kCount);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < dims; ++j) x(i, j) = codes.at(i, int(j));
    for (Eigen::Index k = 0; k < kCount; ++k) y(i, k) = factors.at(i, int(k));
  }
  x = standardise(x, train);
  y = standardise(y, train);
  Eigen::MatrixXd importance(dims, kCount);
  double informativeness = 0;
  for (Eigen::Index k = 0; k < kCount; ++k) {
    const Eigen::MatrixXd xTrain = x.topRows(train);
    const Eigen::RowVectorXd xMean = xTrain.colwise().mean();
    const double yMean = y.col(k).head(train).mean();
    const Eigen::MatrixXd xc = xTrain.rowwise() - xMean;
    const Eigen::VectorXd w = lasso(xc, y.col(k).head(train).array() - yMean, alpha);
    const double intercept = yMean - xMean.dot(w);
    importance.col(k) = w.cwiseAbs();
    const Eigen::VectorXd predicted = (x.bottomRows(n - train) * w).array() + intercept;
    informativeness += rSquared(y.col(k).tail(n - train), predicted);
  }
  d.informativeness = informativeness / double(kCount);
  scoreImportance(importance, d);
  return d;
}

SamplingPlan makeSamplingPlan(const FactorClasses& factors, uint64_t seed, int trainCount,
                              int evalCount, int groupSize) {
  SamplingPlan plan;
  plan.groupSize = groupSize;
  const auto byClass = itemsByClass(factors);
  // FactorVAE draws groups of one class without replacement: only classes with enough items.
  std::vector<int> votingFactors;
  std::vector<std::vector<int>> bigClasses(static_cast<size_t>(factors.factors()));
  for (int k = 0; k < factors.factors(); ++k) {
    for (int c = 0; c < factors.classCount[size_t(k)]; ++c)
      if (int64_t(byClass[size_t(k)][size_t(c)].size()) >= groupSize)
        bigClasses[size_t(k)].push_back(c);
    if (!bigClasses[size_t(k)].empty()) votingFactors.push_back(k);
  }
  std::mt19937_64 rng(seed);
  PlanDraws draw{factors, byClass, votingFactors, bigClasses, groupSize, rng};
  draw.votes(trainCount, plan.fvTrain, plan.fvTrainFactor);
  draw.votes(evalCount, plan.fvEval, plan.fvEvalFactor);
  draw.pairs(trainCount, plan.bvTrain, plan.bvTrainFactor);
  draw.pairs(evalCount, plan.bvEval, plan.bvEvalFactor);
  return plan;
}

std::pair<double, double> bootstrapInterval(const std::vector<bool>& correct, int resamples,
                                            uint64_t seed) {
  if (correct.empty()) return {0.0, 0.0};
  std::mt19937_64 rng(seed);
  std::vector<double> accuracies;
  accuracies.reserve(static_cast<size_t>(resamples));
  const int64_t n = int64_t(correct.size());
  for (int r = 0; r < resamples; ++r) {
    int64_t hits = 0;
    for (int64_t i = 0; i < n; ++i) hits += correct[size_t(uniformIndex(rng, n))];
    accuracies.push_back(double(hits) / double(n));
  }
  std::sort(accuracies.begin(), accuracies.end());
  return {percentile(accuracies, 2.5), percentile(accuracies, 97.5)};
}

ClassifierScore factorVaeScore(const CodeMatrix& codes, const FactorClasses& factors,
                               const SamplingPlan& plan, uint64_t seed) {
  ClassifierScore s;
  const int dims = codes.dims, kCount = factors.factors(), group = plan.groupSize;
  std::vector<double> scale(static_cast<size_t>(dims), 1.0);
  std::vector<int> active;
  scaleCodes(codes, scale, active, s.prunedDims);
  // With one factor (or none voting) the classifier cannot be wrong: no score, not 1.0.
  std::vector<int> voting(plan.fvTrainFactor.begin(), plan.fvTrainFactor.end());
  std::sort(voting.begin(), voting.end());
  voting.erase(std::unique(voting.begin(), voting.end()), voting.end());
  if (voting.size() < 2 || plan.fvEvalFactor.empty()) {
    s.score = s.low = s.high = s.trainAccuracy = NAN;
    return s;
  }
  if (active.empty() || kCount == 0) return s;
  auto vote = [&](const std::vector<int64_t>& items, size_t v) {
    return factorVaeVote(codes, items, v, group, active, scale);
  };
  std::vector<int> counts(size_t(dims) * size_t(kCount), 0);
  const size_t trainVotes = plan.fvTrainFactor.size();
  std::vector<int> trainDims(trainVotes);
  for (size_t v = 0; v < trainVotes; ++v) {
    trainDims[v] = vote(plan.fvTrain, v);  // -1 when every variance is NaN
    if (trainDims[v] >= 0)
      ++counts[size_t(trainDims[v]) * size_t(kCount) + size_t(plan.fvTrainFactor[v])];
  }
  std::vector<int> predicted(static_cast<size_t>(dims), 0);
  for (int j = 0; j < dims; ++j) {
    const auto row = counts.begin() + int64_t(j) * kCount;
    predicted[size_t(j)] = int(std::max_element(row, row + kCount) - row);
  }
  std::vector<bool> trainCorrect, evalCorrect;
  auto correct = [&](int dim, int factor) { return dim >= 0 && predicted[size_t(dim)] == factor; };
  for (size_t v = 0; v < trainVotes; ++v)
    trainCorrect.push_back(correct(trainDims[v], plan.fvTrainFactor[v]));
  for (size_t v = 0; v < plan.fvEvalFactor.size(); ++v)
    evalCorrect.push_back(correct(vote(plan.fvEval, v), plan.fvEvalFactor[v]));
  s.trainAccuracy = accuracy(trainCorrect);
  s.score = accuracy(evalCorrect);
  std::tie(s.low, s.high) = bootstrapInterval(evalCorrect, s.bootstrapResamples, seed);
  return s;
}

ClassifierScore betaVaeScore(const CodeMatrix& codes, const FactorClasses& factors,
                             const SamplingPlan& plan, uint64_t seed) {
  ClassifierScore s;
  const int dims = codes.dims, group = plan.groupSize;
  auto features = [&](const std::vector<int64_t>& pairs, size_t examples) {
    Eigen::MatrixXd f = Eigen::MatrixXd::Zero(Eigen::Index(examples), dims);
    for (size_t e = 0; e < examples; ++e)
      for (int g = 0; g < group; ++g) {
        const size_t at = (e * size_t(group) + size_t(g)) * 2;
        for (int j = 0; j < dims; ++j)
          f(Eigen::Index(e), j) += std::abs(codes.at(pairs[at], j) - codes.at(pairs[at + 1], j));
      }
    return Eigen::MatrixXd(f / double(group));
  };
  if (plan.bvTrainFactor.empty() || plan.bvEvalFactor.empty() || factors.factors() < 2) {
    s.score = s.low = s.high = s.trainAccuracy = NAN;  // one factor: nothing to tell apart
    return s;
  }
  const Eigen::MatrixXd train = features(plan.bvTrain, plan.bvTrainFactor.size());
  const Eigen::MatrixXd test = features(plan.bvEval, plan.bvEvalFactor.size());
  const LogisticRegression classifier = fitLogisticRegression(train, plan.bvTrainFactor, 1.0);
  std::vector<bool> trainCorrect, evalCorrect;
  const std::vector<int> trainPredicted = classifier.predict(train);
  const std::vector<int> evalPredicted = classifier.predict(test);
  for (size_t e = 0; e < trainPredicted.size(); ++e)
    trainCorrect.push_back(trainPredicted[e] == plan.bvTrainFactor[e]);
  for (size_t e = 0; e < evalPredicted.size(); ++e)
    evalCorrect.push_back(evalPredicted[e] == plan.bvEvalFactor[e]);
  s.trainAccuracy = accuracy(trainCorrect);
  s.score = accuracy(evalCorrect);
  std::tie(s.low, s.high) = bootstrapInterval(evalCorrect, s.bootstrapResamples, seed);
  return s;
}

}  // namespace strata
