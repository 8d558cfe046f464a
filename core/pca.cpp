#include "core/pca.h"

#include <Eigen/Dense>

#include <algorithm>
#include <stdexcept>

namespace strata {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

PcaModel fitPca(const float* data, int64_t n, int dims, int components, const JobControl& job) {
  if (n < 2) throw std::invalid_argument("PCA needs at least two points");
  if (components < 1 || components > dims)
    throw std::invalid_argument("PCA: component count must be in [1, input dimensions]");
  Eigen::Map<const RowMatrixF> x(data, Eigen::Index(n), dims);

  Eigen::VectorXd mean = x.cast<double>().colwise().sum().transpose() / double(n);
  const Eigen::RowVectorXf meanF = mean.cast<float>().transpose();

  // Covariance in blocks: float GEMM for speed, double accumulation for accuracy.
  constexpr int64_t kBlock = 4096;
  Eigen::MatrixXd scatter = Eigen::MatrixXd::Zero(dims, dims);
  RowMatrixF centred;
  for (int64_t first = 0; first < n; first += kBlock) {
    job.cancel.throwIfCancelled();
    const int64_t rows = std::min(kBlock, n - first);
    centred = x.middleRows(Eigen::Index(first), Eigen::Index(rows)).rowwise() - meanF;
    Eigen::MatrixXf block = Eigen::MatrixXf::Zero(dims, dims);
    block.selfadjointView<Eigen::Lower>().rankUpdate(centred.transpose());
    scatter += block.selfadjointView<Eigen::Lower>().toDenseMatrix().cast<double>();
    job.report(0.8 * double(first + rows) / double(n));
  }
  const Eigen::MatrixXd covariance = scatter / double(n - 1);

  job.cancel.throwIfCancelled();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(covariance);
  if (solver.info() != Eigen::Success) throw std::runtime_error("PCA: eigen solver failed");
  const double total = std::max(covariance.trace(), 1e-300);

  PcaModel model;
  model.inputDims = dims;
  model.components = components;
  model.mean.assign(meanF.data(), meanF.data() + dims);
  model.axes.resize(size_t(components) * dims);
  for (int c = 0; c < components; ++c) {
    const int source = dims - 1 - c;  // eigenvalues ascend
    Eigen::VectorXd axis = solver.eigenvectors().col(source);
    Eigen::Index largest = 0;
    axis.cwiseAbs().maxCoeff(&largest);
    if (axis[largest] < 0) axis = -axis;
    for (int j = 0; j < dims; ++j) model.axes[size_t(c) * dims + j] = float(axis[j]);
    const double variance = std::max(solver.eigenvalues()[source], 0.0);
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
  std::vector<float> out(size_t(n) * components);
  Eigen::Map<RowMatrixF> y(out.data(), Eigen::Index(n), components);
  y.noalias() = (x.rowwise() - mu) * w.transpose();
  return out;
}

std::vector<float> PcaModel::inverseTransform(const float* coords, int64_t n) const {
  Eigen::Map<const RowMatrixF> y(coords, Eigen::Index(n), components);
  Eigen::Map<const RowMatrixF> w(axes.data(), components, inputDims);
  Eigen::Map<const Eigen::RowVectorXf> mu(mean.data(), inputDims);
  std::vector<float> out(size_t(n) * inputDims);
  Eigen::Map<RowMatrixF> x(out.data(), Eigen::Index(n), inputDims);
  x.noalias() = y * w;
  x.rowwise() += mu;
  return out;
}

}  // namespace strata
