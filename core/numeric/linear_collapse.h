#pragma once
// Dang et al.'s linear-theory predictor of posterior collapse (ICLR 2024; docs/metrics.md,
// "Collapse predicted by the linear theory"). For a linear conditional VAE with a learnable
// diagonal encoder variance, a Gaussian decoder of fixed standard deviation eta_dec and weight
// beta on KL, latent unit i stays active exactly when the i-th eigenvalue of the covariance of x
// left unexplained by a linear map of the condition y exceeds beta * eta_dec^2; without y this
// is the linear VAE's (and probabilistic PCA's) rule on the covariance of x.
// tools/strata_tools/linear_collapse.py is the reference.

#include <cstdint>
#include <vector>

#include "core/base/job.h"

namespace strata {

// Above this many dimensions the spectrum comes from the items' Gram matrix instead of the
// dimensions' covariance (the same non-zero eigenvalues), so no matrix is wider than this.
constexpr int64_t kMaxSpectrumSide = 2048;
// Values (items x dimensions) the residuals may hold in float64: 128 MB, worked on in place;
// the covariance or Gram matrix adds at most 2,048^2 (32 MB).
constexpr int64_t kMaxSpectrumValues = int64_t(16) << 20;

// Directions of the condition whose variance is below this fraction of the largest count as
// constant (the pseudo-inverse's cut-off).
constexpr double kConditionRankCutoff = 1e-9;

struct UnexplainedSpectrum {
  std::vector<double> eigenvalues;  // largest first, non-negative; min(items, dims) of them
  int64_t items = 0;                // items the covariances were estimated on
  int64_t dims = 0;
  bool fromGram = false;  // dims > kMaxSpectrumSide: eigenvalues of (1/N) R R^T
};

// The eigenvalues of Cov(x) - Cov(x, y) Cov(y)^+ Cov(y, x) (population covariances, float64,
// the pseudo-inverse with kConditionRankCutoff, as a one-hot y's columns sum to one): the
// covariance of the residuals of x after the least-squares linear map of y with an intercept. `x`
// is [items, dims] (taken, and turned into the residuals in place), `condition` [items,
// conditionDims] (conditionDims 0: no condition, the covariance of x). Throws std::invalid_argument
// on fewer than two items, a shape mismatch, more than kMaxSpectrumValues values, more than
// kMaxSpectrumSide items and dims both, or a non-finite value.
UnexplainedSpectrum unexplainedSpectrum(std::vector<double> x, int64_t items, int64_t dims,
                                        const std::vector<double>& condition, int conditionDims,
                                        const JobControl& job = {});

// The units the theory keeps active: eigenvalues strictly above beta * decoderStd^2, at most
// `units`. Throws std::invalid_argument unless beta and decoderStd are finite and positive.
int linearTheoryActiveUnits(const std::vector<double>& eigenvalues, int units, double beta,
                            double decoderStd);

// The KL the theory gives each of `units` units, in eigenvalue order: 1/2 ln(lambda_i /
// threshold) above the threshold (beta * decoderStd^2), 0 below it or past the spectrum.
std::vector<double> linearTheoryUnitKl(const std::vector<double>& eigenvalues, int units,
                                       double threshold);

}  // namespace strata
