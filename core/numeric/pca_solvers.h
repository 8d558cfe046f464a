#pragma once
// The three ways fitPca (core/numeric/pca.h) finds the leading axes of centred data. Internal to
// PCA.

#include <Eigen/Dense>

#include <cstdint>

#include "core/base/job.h"

namespace strata {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Row-major data [n, dims] and its column means; solvers centre it a block at a time, so no
// centred copy of the whole input is ever made.
struct CentredData {
  const float* data = nullptr;
  int64_t n = 0;
  int dims = 0;
  Eigen::RowVectorXf mean;

  Eigen::Map<const RowMatrixF> matrix() const;
  // Rows [first, first + count) minus the mean, into `out`.
  void rows(int64_t first, int64_t count, RowMatrixF& out) const;
  // Rows per block such that a centred block stays within a few megabytes.
  int64_t rowsPerBlock() const;
};

struct PcaAxes {
  Eigen::MatrixXd axes;       // [dims, found], orthonormal columns, by decreasing variance
  Eigen::VectorXd variances;  // [found], sample variances along the axes
  double totalVariance = 0;   // sum of the sample variances of all dimensions
};

// Eigenvectors of the dims x dims covariance, accumulated over row blocks.
PcaAxes covarianceAxes(const CentredData& x, int components, const JobControl& job);
// Eigenvectors of the n x n Gram matrix of the centred rows, mapped back to input space.
PcaAxes gramAxes(const CentredData& x, int components, const JobControl& job);
// Subspace iteration from a seeded Gaussian start; each iteration is two passes over the data.
PcaAxes randomizedAxes(const CentredData& x, int components, const JobControl& job);

}  // namespace strata
