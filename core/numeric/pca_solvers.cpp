#include "core/numeric/pca_solvers.h"

#include <algorithm>
#include <random>

#include "core/base/errors.h"

namespace strata {
namespace {

// A centred block of at most this many floats (16 MB).
constexpr int64_t kBlockFloats = int64_t(1) << 22;
// Randomized PCA: extra directions beyond the components, power iterations, seed of the start.
// Ten and seven are scikit-learn's defaults for a few components; at these values the leading
// axes agree with the exact solvers to about 1e-6 on data with any spectral gap.
constexpr int kOversampling = 10;
constexpr int kPowerIterations = 7;
constexpr uint64_t kRandomizedSeed = 0x5eed;

// Products of float data in single precision, summed in double.
void requireFinite(const Eigen::MatrixXd& m) {
  if (!m.allFinite())
    throw Error("PCA: the input has values too large to square in single precision; rescale them");
}

PcaAxes fromSymmetric(const Eigen::MatrixXd& scaled, int components, const JobControl& job) {
  job.cancel.throwIfCancelled();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(scaled);
  if (solver.info() != Eigen::Success)
    throw Error("PCA: the eigen solver did not converge on this input");
  const Eigen::Index size = scaled.rows();
  const Eigen::Index found = std::min<Eigen::Index>(components, size);
  PcaAxes out;
  // Eigenvalues ascend; the largest come last.
  out.axes = solver.eigenvectors().rightCols(found).rowwise().reverse();
  out.variances = solver.eigenvalues().tail(found).reverse().cwiseMax(0.0);
  out.totalVariance = scaled.trace();
  return out;
}

// An orthonormal basis of the columns of m (thin Q of its QR decomposition).
Eigen::MatrixXd orthonormalBasis(const Eigen::MatrixXd& m) {
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(m);
  return qr.householderQ() * Eigen::MatrixXd::Identity(m.rows(), m.cols());
}

// (X - 1 mean) * m: [n, m.cols()].
Eigen::MatrixXd centredTimes(const CentredData& x, const Eigen::MatrixXd& m) {
  const Eigen::MatrixXf mf = m.cast<float>();
  const int64_t block = x.rowsPerBlock();
  Eigen::MatrixXd out(x.n, m.cols());
  RowMatrixF rows;
  for (int64_t first = 0; first < x.n; first += block) {
    const int64_t count = std::min(block, x.n - first);
    x.rows(first, count, rows);
    out.middleRows(first, count) = (rows * mf).cast<double>();
  }
  return out;
}

// (X - 1 mean)^T * m: [dims, m.cols()].
Eigen::MatrixXd centredTransposeTimes(const CentredData& x, const Eigen::MatrixXd& m) {
  const int64_t block = x.rowsPerBlock();
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(x.dims, m.cols());
  RowMatrixF rows;
  for (int64_t first = 0; first < x.n; first += block) {
    const int64_t count = std::min(block, x.n - first);
    x.rows(first, count, rows);
    const Eigen::MatrixXf part = m.middleRows(first, count).cast<float>();
    out += (rows.transpose() * part).cast<double>();
  }
  return out;
}

double centredSumOfSquares(const CentredData& x) {
  const int64_t block = x.rowsPerBlock();
  double sum = 0;
  RowMatrixF rows;
  for (int64_t first = 0; first < x.n; first += block) {
    const int64_t count = std::min(block, x.n - first);
    x.rows(first, count, rows);
    sum += rows.cast<double>().squaredNorm();
  }
  return sum;
}

}  // namespace

Eigen::Map<const RowMatrixF> CentredData::matrix() const {
  return {data, Eigen::Index(n), dims};
}

void CentredData::rows(int64_t first, int64_t count, RowMatrixF& out) const {
  out = matrix().middleRows(Eigen::Index(first), Eigen::Index(count)).rowwise() - mean;
}

int64_t CentredData::rowsPerBlock() const {
  return std::clamp<int64_t>(kBlockFloats / std::max(dims, 1), 1, 4096);
}

PcaAxes covarianceAxes(const CentredData& x, int components, const JobControl& job) {
  // Float GEMM for speed, double accumulation for accuracy.
  constexpr int64_t kBlock = 4096;
  const int dims = x.dims;
  Eigen::MatrixXd scatter = Eigen::MatrixXd::Zero(dims, dims);
  RowMatrixF centred;
  for (int64_t first = 0; first < x.n; first += kBlock) {
    job.cancel.throwIfCancelled();
    const int64_t rows = std::min(kBlock, x.n - first);
    x.rows(first, rows, centred);
    Eigen::MatrixXf block = Eigen::MatrixXf::Zero(dims, dims);
    block.selfadjointView<Eigen::Lower>().rankUpdate(centred.transpose());
    scatter += block.selfadjointView<Eigen::Lower>().toDenseMatrix().cast<double>();
    job.report(0.8 * double(first + rows) / double(x.n));
  }
  requireFinite(scatter);
  return fromSymmetric(scatter / double(x.n - 1), components, job);
}

PcaAxes gramAxes(const CentredData& x, int components, const JobControl& job) {
  // Column blocks of the centred data: Gram = sum over blocks of B B^T, then axis = X^T u.
  const int64_t n = x.n;
  const int columns = int(std::clamp<int64_t>(kBlockFloats / n, 1, x.dims));
  const Eigen::Map<const RowMatrixF> data = x.matrix();
  RowMatrixF block;
  auto centredColumns = [&](int first, int count) {
    block = data.middleCols(first, count).rowwise() - x.mean.segment(first, count);
  };
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(n, n);
  for (int first = 0; first < x.dims; first += columns) {
    job.cancel.throwIfCancelled();
    const int count = std::min(columns, x.dims - first);
    centredColumns(first, count);
    Eigen::MatrixXf part = Eigen::MatrixXf::Zero(n, n);
    part.selfadjointView<Eigen::Lower>().rankUpdate(block);
    gram += part.selfadjointView<Eigen::Lower>().toDenseMatrix().cast<double>();
    job.report(0.4 * double(first + count) / double(x.dims));
  }
  requireFinite(gram);
  PcaAxes small = fromSymmetric(gram / double(n - 1), components, job);

  // Only directions with variance carry an axis; the rest is left to the caller to complete.
  const double floor = 1e-12 * std::max(small.variances.size() ? small.variances[0] : 0.0, 1e-300);
  Eigen::Index found = 0;
  while (found < small.variances.size() && small.variances[found] > floor) ++found;
  Eigen::MatrixXd axes(x.dims, found);
  for (int first = 0; first < x.dims; first += columns) {
    job.cancel.throwIfCancelled();
    const int count = std::min(columns, x.dims - first);
    centredColumns(first, count);
    axes.middleRows(first, count) = block.transpose().cast<double>() * small.axes.leftCols(found);
    job.report(0.5 + 0.5 * double(first + count) / double(x.dims));
  }
  axes.colwise().normalize();
  return {axes, small.variances.head(found), small.totalVariance};
}

PcaAxes randomizedAxes(const CentredData& x, int components, const JobControl& job) {
  const int64_t width = std::min<int64_t>({int64_t(components) + kOversampling, x.n, x.dims});
  const int passes = 2 * kPowerIterations + 3;
  int pass = 0;
  auto step = [&] {
    job.cancel.throwIfCancelled();
    job.report(double(++pass) / double(passes));
  };

  std::mt19937_64 rng(kRandomizedSeed);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd start(x.dims, width);
  for (Eigen::Index j = 0; j < start.cols(); ++j)
    for (Eigen::Index i = 0; i < start.rows(); ++i) start(i, j) = normal(rng);

  const double total = centredSumOfSquares(x) / double(x.n - 1);
  step();
  Eigen::MatrixXd range = orthonormalBasis(centredTimes(x, start));  // [n, width]
  step();
  for (int i = 0; i < kPowerIterations; ++i) {
    const Eigen::MatrixXd back = orthonormalBasis(centredTransposeTimes(x, range));
    step();
    range = orthonormalBasis(centredTimes(x, back));
    step();
  }
  // B = Q^T A, so A^T Q = B^T = Qb R and R = U S V^T give B = V S (Qb U)^T: the axes are Qb U.
  const Eigen::MatrixXd bt = centredTransposeTimes(x, range);  // [dims, width]
  step();
  requireFinite(bt);
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(bt);
  const Eigen::MatrixXd qb = qr.householderQ() * Eigen::MatrixXd::Identity(x.dims, width);
  const Eigen::MatrixXd r = qr.matrixQR().topRows(width).triangularView<Eigen::Upper>();
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(r, Eigen::ComputeFullU);
  const Eigen::Index found = std::min<Eigen::Index>(components, width);
  const Eigen::VectorXd s = svd.singularValues().head(found);
  PcaAxes out;
  out.axes = qb * svd.matrixU().leftCols(found);
  out.variances = s.cwiseProduct(s) / double(x.n - 1);
  out.totalVariance = total;
  return out;
}

}  // namespace strata
