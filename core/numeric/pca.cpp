#include "core/numeric/pca.h"

#include <algorithm>
#include <stdexcept>

#include "core/numeric/non_finite.h"
#include "core/numeric/pca_solvers.h"

namespace strata {
namespace {

// Rows projected per block, so no centred copy of a large input is made.
constexpr int64_t kTransformBlockFloats = int64_t(1) << 20;

// Adds unit columns orthogonal to the existing ones until there are `wanted`: the axes of
// components beyond the data's rank, which carry no variance.
Eigen::MatrixXd completeOrthonormal(Eigen::MatrixXd axes, int wanted) {
  const Eigen::Index dims = axes.rows();
  Eigen::Index have = axes.cols();
  axes.conservativeResize(dims, wanted);
  for (Eigen::Index j = 0; j < dims && have < wanted; ++j) {
    Eigen::VectorXd v = Eigen::VectorXd::Unit(dims, j);
    for (int pass = 0; pass < 2; ++pass)  // twice: classical Gram-Schmidt loses orthogonality
      v -= axes.leftCols(have) * (axes.leftCols(have).transpose() * v);
    const double norm = v.norm();
    if (norm < 0.5) continue;  // nearly inside the span already
    axes.col(have++) = v / norm;
  }
  return axes;
}

Eigen::VectorXd columnSums(const CentredData& x) {
  // Column sums in double; a NaN or infinity anywhere makes its column's sum non-finite, so
  // the check costs nothing on clean data.
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(x.dims);
  const int64_t block = x.rowsPerBlock();
  for (int64_t first = 0; first < x.n; first += block) {
    const int64_t count = std::min(block, x.n - first);
    sum += x.matrix().middleRows(first, count).cast<double>().colwise().sum().transpose();
  }
  return sum;
}

}  // namespace

PcaSolver choosePcaSolver(int64_t n, int dims) {
  if (n <= dims && n <= kMaxGramRows) return PcaSolver::Gram;
  if (dims <= kMaxCovarianceDims) return PcaSolver::Covariance;
  return PcaSolver::Randomized;
}

PcaModel fitPca(const float* data, int64_t n, int dims, int components, const JobControl& job,
                PcaSolver solver) {
  if (n < 2) throw std::invalid_argument("PCA needs at least two points");
  if (components < 1 || components > dims)
    throw std::invalid_argument("PCA: component count must be in [1, input dimensions]");
  CentredData x{data, n, dims, {}};
  const Eigen::VectorXd sum = columnSums(x);
  if (!sum.allFinite())
    if (const auto entry = findNonFinite(data, n, dims)) throw NonFiniteInput("PCA input", *entry);
  x.mean = (sum / double(n)).cast<float>().transpose();

  if (solver == PcaSolver::Automatic) solver = choosePcaSolver(n, dims);
  PcaAxes found;
  switch (solver) {
    case PcaSolver::Gram:
      found = gramAxes(x, components, job);
      break;
    case PcaSolver::Randomized:
      found = randomizedAxes(x, components, job);
      break;
    default:
      solver = PcaSolver::Covariance;
      found = covarianceAxes(x, components, job);
  }
  const Eigen::Index solved = found.axes.cols();
  const Eigen::MatrixXd axes = completeOrthonormal(std::move(found.axes), components);
  const double total = std::max(found.totalVariance, 1e-300);

  PcaModel model;
  model.inputDims = dims;
  model.components = components;
  model.solver = solver;
  model.mean.assign(x.mean.data(), x.mean.data() + dims);
  model.axes.resize(size_t(components) * size_t(dims));
  for (int c = 0; c < components; ++c) {
    Eigen::VectorXd axis = axes.col(c);
    Eigen::Index largest = 0;
    axis.cwiseAbs().maxCoeff(&largest);
    if (axis[largest] < 0) axis = -axis;
    for (int j = 0; j < dims; ++j)
      model.axes[size_t(c) * size_t(dims) + size_t(j)] = float(axis[j]);
    const double variance = c < solved ? found.variances[c] : 0.0;
    model.explainedVariance.push_back(variance);
    model.explainedVarianceRatio.push_back(variance / total);
  }
  job.report(1.0);
  return model;
}

std::vector<float> PcaModel::transform(const float* data, int64_t n) const {
  Eigen::Map<const RowMatrixF> x(data, Eigen::Index(n), inputDims);
  Eigen::Map<const RowMatrixF> w(axes.data(), components, inputDims);
  Eigen::Map<const Eigen::RowVectorXf> mu(mean.data(), inputDims);
  std::vector<float> out(size_t(n) * size_t(components));
  Eigen::Map<RowMatrixF> y(out.data(), Eigen::Index(n), components);
  // In row blocks: the centred rows are a temporary as large as the block.
  const int64_t block = std::clamp<int64_t>(kTransformBlockFloats / inputDims, 1, 4096);
  for (int64_t first = 0; first < n; first += block) {
    const int64_t count = std::min(block, n - first);
    y.middleRows(first, count).noalias() =
        (x.middleRows(first, count).rowwise() - mu) * w.transpose();
  }
  return out;
}

std::vector<float> PcaModel::inverseTransform(const float* coords, int64_t n) const {
  Eigen::Map<const RowMatrixF> y(coords, Eigen::Index(n), components);
  Eigen::Map<const RowMatrixF> w(axes.data(), components, inputDims);
  Eigen::Map<const Eigen::RowVectorXf> mu(mean.data(), inputDims);
  std::vector<float> out(size_t(n) * size_t(inputDims));
  Eigen::Map<RowMatrixF> x(out.data(), Eigen::Index(n), inputDims);
  x.noalias() = y * w;
  x.rowwise() += mu;
  return out;
}

}  // namespace strata
