#pragma once
// Principal component analysis of row-major float data.

#include <cstdint>
#include <vector>

#include "core/job.h"

namespace strata {

struct PcaModel {
  int inputDims = 0;
  int components = 0;
  std::vector<float> mean;                     // [inputDims]
  std::vector<float> axes;                     // [components, inputDims], unit rows
  std::vector<double> explainedVariance;       // [components], descending
  std::vector<double> explainedVarianceRatio;  // [components]

  // Projects rows of `data` ([n, inputDims]) to [n, components].
  std::vector<float> transform(const float* data, int64_t n) const;
  // Maps projected coordinates ([n, components]) back to input space ([n, inputDims]).
  std::vector<float> inverseTransform(const float* coords, int64_t n) const;
};

// Exact PCA from the covariance matrix (accumulated in double). Each axis is signed so that
// its largest-magnitude entry is positive, which makes results reproducible.
PcaModel fitPca(const float* data, int64_t n, int dims, int components, const JobControl& job = {});

}  // namespace strata
