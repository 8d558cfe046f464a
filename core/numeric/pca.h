#pragma once
// Principal component analysis of row-major float data.

#include <cstdint>
#include <vector>

#include "core/base/job.h"

namespace strata {

// How the axes are found. Each needs memory proportional to the data (n x dims floats, which
// the caller already holds) plus:
//   Covariance  dims x dims doubles: exact; for few dimensions (dims <= kMaxCovarianceDims).
//   Gram        n x n doubles: exact; for few items (n <= dims, n <= kMaxGramRows).
//   Randomized  O((n + dims) * components): subspace iteration (Halko, Martinsson and Tropp
//               2011, algorithm 4.4) with a fixed seed; for everything else.
enum class PcaSolver { Automatic, Covariance, Gram, Randomized };

constexpr int kMaxCovarianceDims = 1024;  // 8 MB of covariance; its solver takes a second
constexpr int64_t kMaxGramRows = 1024;

// The solver Automatic picks for an [n, dims] input.
PcaSolver choosePcaSolver(int64_t n, int dims);

struct PcaModel {
  int inputDims = 0;
  int components = 0;
  PcaSolver solver = PcaSolver::Automatic;     // the one that computed the axes
  std::vector<float> mean;                     // [inputDims]
  std::vector<float> axes;                     // [components, inputDims], unit rows
  std::vector<double> explainedVariance;       // [components], descending
  std::vector<double> explainedVarianceRatio;  // [components]

  // Projects rows of `data` ([n, inputDims]) to [n, components].
  std::vector<float> transform(const float* data, int64_t n) const;
  // Maps projected coordinates ([n, components]) back to input space ([n, inputDims]).
  std::vector<float> inverseTransform(const float* coords, int64_t n) const;
};

// PCA with sample variances (divided by n - 1). Each axis is signed so that its
// largest-magnitude entry is positive, which makes results reproducible. Components beyond the
// rank of the centred data have zero variance and axes that complete an orthonormal set.
// Throws NonFiniteInput (core/numeric/non_finite.h) for NaN or infinite input, before any solver
// runs, and std::invalid_argument for impossible arguments.
PcaModel fitPca(const float* data, int64_t n, int dims, int components, const JobControl& job = {},
                PcaSolver solver = PcaSolver::Automatic);

}  // namespace strata
