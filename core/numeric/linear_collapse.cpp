#include "core/numeric/linear_collapse.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>

namespace strata {
namespace {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Columns minus their means, in place.
void centre(Eigen::Map<Matrix> m) {
  const Eigen::RowVectorXd means = m.colwise().mean();
  m.rowwise() -= means;
}

// Moore-Penrose inverse of a symmetric positive semi-definite matrix. Eigenvalues below 1e-9 of
// the largest count as zero: a one-hot y's covariance is singular (its columns sum to one), and
// rounding leaves that zero eigenvalue at about 1e-16, whose inverse would swamp the map.
Eigen::MatrixXd symmetricPseudoInverse(const Eigen::MatrixXd& s) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(s);
  const Eigen::VectorXd& values = solver.eigenvalues();
  const double cutoff = kConditionRankCutoff * values.cwiseAbs().maxCoeff();
  Eigen::VectorXd inverse = values;
  for (Eigen::Index i = 0; i < values.size(); ++i)
    inverse[i] = values[i] > cutoff ? 1.0 / values[i] : 0.0;
  return solver.eigenvectors() * inverse.asDiagonal() * solver.eigenvectors().transpose();
}

}  // namespace

UnexplainedSpectrum unexplainedSpectrum(std::vector<double> x, int64_t items, int64_t dims,
                                        const std::vector<double>& condition, int conditionDims,
                                        const JobControl& job) {
  if (items < 2 || dims < 1) throw std::invalid_argument("needs at least two items of one value");
  if (conditionDims < 0 || int64_t(x.size()) != items * dims ||
      int64_t(condition.size()) != items * int64_t(conditionDims))
    throw std::invalid_argument("the data and the condition do not match the item count");
  if (items * std::max<int64_t>(dims, conditionDims) > kMaxSpectrumValues)
    throw std::invalid_argument("more values than the spectrum holds at once");
  if (items > kMaxSpectrumSide && dims > kMaxSpectrumSide)
    throw std::invalid_argument("more items and dimensions than the spectrum's side");
  auto finite = [](const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [](double e) { return std::isfinite(e); });
  };
  if (!finite(x) || !finite(condition)) throw std::invalid_argument("a value is not finite");

  const double n = double(items);
  Eigen::Map<Matrix> residual(x.data(), items, dims);
  centre(residual);
  job.cancel.throwIfCancelled();
  if (conditionDims > 0) {
    Matrix y = Eigen::Map<const Matrix>(condition.data(), items, conditionDims);
    centre(Eigen::Map<Matrix>(y.data(), items, conditionDims));
    const Eigen::MatrixXd yy = (y.transpose() * y) / n;
    // Least squares map of y to x: B = Cov(y)^+ Cov(y, x); the residual R = Xc - Yc B has the
    // covariance Cov(x) - Cov(x, y) Cov(y)^+ Cov(y, x).
    const Matrix map = symmetricPseudoInverse(yy) * ((y.transpose() * residual) / n);
    residual.noalias() -= y * map;
  }
  job.report(0.3);
  job.cancel.throwIfCancelled();
  UnexplainedSpectrum out;
  out.items = items;
  out.dims = dims;
  out.fromGram = dims > kMaxSpectrumSide;
  Eigen::MatrixXd gram;
  if (out.fromGram)
    gram = (residual * residual.transpose()) / n;
  else
    gram = (residual.transpose() * residual) / n;
  job.report(0.7);
  job.cancel.throwIfCancelled();
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(gram, Eigen::EigenvaluesOnly);
  if (solver.info() != Eigen::Success)
    throw std::invalid_argument("the eigenvalue solver did not converge");
  const Eigen::VectorXd& values = solver.eigenvalues();
  out.eigenvalues.assign(values.data(), values.data() + values.size());
  // Rounding leaves the zero eigenvalues of a rank-deficient matrix slightly negative.
  for (double& v : out.eigenvalues) v = std::max(v, 0.0);
  std::sort(out.eigenvalues.begin(), out.eigenvalues.end(), std::greater<>());
  out.eigenvalues.resize(size_t(std::min(items, dims)));
  job.report(1.0);
  return out;
}

int linearTheoryActiveUnits(const std::vector<double>& eigenvalues, int units, double beta,
                            double decoderStd) {
  if (!(std::isfinite(beta) && beta > 0 && std::isfinite(decoderStd) && decoderStd > 0))
    throw std::invalid_argument("beta and the decoder's standard deviation must be positive");
  const double threshold = beta * decoderStd * decoderStd;
  const auto above = std::count_if(eigenvalues.begin(), eigenvalues.end(),
                                   [&](double v) { return v > threshold; });
  return int(std::min<int64_t>(units, int64_t(above)));
}

std::vector<double> linearTheoryUnitKl(const std::vector<double>& eigenvalues, int units,
                                       double threshold) {
  std::vector<double> kl;
  for (int i = 0; i < units; ++i) {
    const double lambda = size_t(i) < eigenvalues.size() ? eigenvalues[size_t(i)] : 0.0;
    kl.push_back(lambda > threshold ? 0.5 * std::log(lambda / threshold) : 0.0);
  }
  return kl;
}

}  // namespace strata
