#include "core/numeric/representation_scores.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace strata {
namespace {

// The thresholds of the authors' code: "low variance" below 0.1, a posterior variance of
// 1 +/- 0.1 is the prior's (passive), at most 0.1 is active. The earlier rule classed units by
// the variance of their mean: below 0.1 passive, from 0.9 active.
constexpr double kThreshold = 0.1;

void requireFinite(const CodeMatrix& codes, const char* what) {
  if (!std::all_of(codes.values.begin(), codes.values.end(),
                   [](double v) { return std::isfinite(v); }))
    throw std::invalid_argument(std::string(what) + " contain a value that is not finite");
}

// Mean and sum of squared deviations of column j, in two passes (numpy's order).
std::pair<double, double> columnMoments(const CodeMatrix& codes, int j, bool exponentiate) {
  double sum = 0;
  for (int64_t i = 0; i < codes.items; ++i)
    sum += exponentiate ? std::exp(codes.at(i, j)) : codes.at(i, j);
  const double mean = sum / double(codes.items);
  double squares = 0;
  for (int64_t i = 0; i < codes.items; ++i) {
    const double d = (exponentiate ? std::exp(codes.at(i, j)) : codes.at(i, j)) - mean;
    squares += d * d;
  }
  return {mean, squares};
}

std::vector<double> column(const CodeMatrix& codes, int j) {
  std::vector<double> out(static_cast<size_t>(codes.items));
  for (int64_t i = 0; i < codes.items; ++i) out[size_t(i)] = codes.at(i, j);
  return out;
}

// Pearson correlations of the chosen units (columns centred with numpy's two-pass means);
// NaN in the row and column of a constant unit.
Eigen::MatrixXd correlationOf(const CodeMatrix& codes, const std::vector<int>& units) {
  const Eigen::Index n = Eigen::Index(codes.items), k = Eigen::Index(units.size());
  Eigen::MatrixXd centred(n, k);
  for (Eigen::Index c = 0; c < k; ++c) {
    const int j = units[size_t(c)];
    const double mean = columnMoments(codes, j, false).first;
    for (Eigen::Index i = 0; i < n; ++i) centred(i, c) = codes.at(i, j) - mean;
  }
  Eigen::MatrixXd r = centred.transpose() * centred;
  const Eigen::VectorXd sd = r.diagonal().cwiseSqrt();
  for (Eigen::Index a = 0; a < k; ++a)
    for (Eigen::Index b = 0; b < k; ++b)
      r(a, b) = sd(a) == 0 || sd(b) == 0 ? NAN : a == b ? 1.0 : r(a, b) / (sd(a) * sd(b));
  return r;
}

}  // namespace

const char* unitActivityName(UnitActivity activity) {
  switch (activity) {
    case UnitActivity::Passive:
      return "passive";
    case UnitActivity::Active:
      return "active";
    case UnitActivity::Mixed:
      break;
  }
  return "mixed";
}

std::vector<UnitActivityRow> unitActivity(const CodeMatrix& means, const CodeMatrix& logVariances) {
  if (means.items != logVariances.items || means.dims != logVariances.dims)
    throw std::invalid_argument("unit activity: means and log-variances differ in shape");
  if (means.items < 2) throw std::invalid_argument("unit activity needs at least two items");
  requireFinite(means, "posterior means");
  requireFinite(logVariances, "posterior log-variances");
  std::vector<UnitActivityRow> rows(static_cast<size_t>(means.dims));
  const double n = double(means.items);
  for (int j = 0; j < means.dims; ++j) {
    UnitActivityRow& r = rows[size_t(j)];
    const auto [m, vSquares] = columnMoments(logVariances, j, true);
    r.meanPosteriorVariance = m;
    r.varianceOfPosteriorVariance = vSquares / n;
    r.varianceOfMean = columnMoments(means, j, false).second / (n - 1);
    const bool steady = r.varianceOfPosteriorVariance < kThreshold;
    if (steady && m >= 1 - kThreshold && m <= 1 + kThreshold)
      r.activity = UnitActivity::Passive;
    else if (steady && m <= kThreshold)
      r.activity = UnitActivity::Active;
    r.activityByMeanVariance = r.varianceOfMean < kThreshold       ? UnitActivity::Passive
                               : r.varianceOfMean < 1 - kThreshold ? UnitActivity::Mixed
                                                                   : UnitActivity::Active;
  }
  return rows;
}

std::vector<double> correlationMatrix(const CodeMatrix& codes) {
  std::vector<int> all(static_cast<size_t>(codes.dims));
  std::iota(all.begin(), all.end(), 0);
  const Eigen::MatrixXd r = correlationOf(codes, all);
  std::vector<double> out(size_t(codes.dims) * size_t(codes.dims));
  Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      out.data(), codes.dims, codes.dims) = r;
  return out;
}

double gaussianTotalCorrelation(const CodeMatrix& codes, const std::vector<int>& units) {
  if (units.size() < 2) return NAN;
  const Eigen::MatrixXd r = correlationOf(codes, units);
  if (!r.allFinite()) return NAN;  // a constant unit
  const Eigen::VectorXd eigenvalues =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(r, Eigen::EigenvaluesOnly).eigenvalues();
  if (eigenvalues.minCoeff() <= 1e-10) return INFINITY;
  return -0.5 * eigenvalues.array().log().sum();
}

double meanPairwiseMutualInformation(const CodeMatrix& codes, const std::vector<int>& units,
                                     int bins) {
  if (units.size() < 2) return NAN;
  if (bins < 1 || bins > 254) throw std::invalid_argument("mutual information: 1 to 254 bins");
  // Bin numbers 1..bins of each unit once; per pair a joint histogram, and
  // I = sum p(a, b) log(p(a, b) / (p(a) p(b))) over its non-empty cells.
  const size_t n = size_t(codes.items), cells = size_t(bins) + 1;
  std::vector<std::vector<uint8_t>> binned;
  std::vector<std::vector<int64_t>> marginal;
  binned.reserve(units.size());
  marginal.reserve(units.size());
  for (int j : units) {
    const std::vector<int> b = histogramBins(column(codes, j), bins);
    binned.emplace_back(b.begin(), b.end());
    marginal.emplace_back(cells, 0);
    for (int v : b) ++marginal.back()[size_t(v)];
  }
  std::vector<int64_t> joint(cells * cells);
  double total = 0;
  int64_t pairs = 0;
  for (size_t a = 0; a < binned.size(); ++a)
    for (size_t b = a + 1; b < binned.size(); ++b, ++pairs) {
      std::fill(joint.begin(), joint.end(), 0);
      for (size_t i = 0; i < n; ++i) ++joint[binned[a][i] * cells + binned[b][i]];
      double mi = 0;
      for (size_t x = 0; x < cells; ++x)
        for (size_t y = 0; y < cells; ++y) {
          const int64_t c = joint[x * cells + y];
          if (c == 0) continue;
          mi += double(c) / double(n) *
                std::log(double(c) * double(n) / (double(marginal[a][x]) * double(marginal[b][y])));
        }
      total += std::max(mi, 0.0);
    }
  return total / double(pairs);
}

}  // namespace strata
