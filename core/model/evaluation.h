#pragma once
// Likelihood bounds and latent statistics of a model on a dataset, computed through the
// model contract only. Checked against tools/strata_tools/evaluate.py.

#include <cstdint>
#include <vector>

#include "core/base/job.h"
#include "core/data/dataset.h"
#include "core/model/latent_stats.h"
#include "core/model/model.h"

namespace strata {

// What one model call may hold in inputs and latents (posterior samples, means and
// log-variances of both posterior and prior), whatever the image size.
constexpr int64_t kMaxBatchBytes = int64_t(256) << 20;

// Bytes of the inputs and latents of one row of a model call.
int64_t bytesPerRow(const Model& model, const Dataset& dataset);

// Rows per call of the importance-weighted bound: 2,000 / k whole items (k rows each), as the
// Python reference batches, unless that exceeds `maxBatchBytes`; then as many whole items as
// fit, and below one item, as many of its samples as fit (at least one).
int64_t importanceSampleRows(int k, int64_t rowBytes, int64_t maxBatchBytes = kMaxBatchBytes);

// At most `wanted` items per model call, fewer if they would exceed `maxBatchBytes` (at least one).
int itemsPerCall(int wanted, int64_t rowBytes, int64_t maxBatchBytes = kMaxBatchBytes);

struct ElboStats {
  int64_t items = 0;
  double elbo = 0;                          // mean over items, nats
  double elboStdError = 0;                  // standard error of that mean over items
  double logPx = 0;                         // mean E_q log p(x|z)
  std::vector<double> klPerLayer;           // mean KL(q || p) of each layer, nats
  std::vector<std::vector<double>> unitKl;  // per layer, per unit: mean KL
};

// Single-sample ELBO with analytic per-layer KL, each layer's KL given the sampled layers above.
// `batch` items per model call, fewer where they would exceed kMaxBatchBytes (as below).
ElboStats evaluateElbo(const Model& model, const Dataset& dataset,
                       const std::vector<int64_t>& items, uint64_t seed, const JobControl& job = {},
                       int batch = 500);

// Importance-weighted bound (Burda et al.) with k samples, per item, averaged. `stdError`
// receives the standard error of the mean over items. Each item is repeated k times; the model
// sees importanceSampleRows() of these rows per call.
double importanceWeightedBound(const Model& model, const Dataset& dataset,
                               const std::vector<int64_t>& items, int k, uint64_t seed,
                               const JobControl& job = {}, double* stdError = nullptr,
                               int64_t maxBatchBytes = kMaxBatchBytes);

// Standard error of a mean from the sum and sum of squares of n values.
double standardError(double sum, double sumSquares, double n);

struct ActiveUnits {
  std::vector<std::vector<double>> meanVariance;  // per layer, per unit: Var_x E_q[z]
  std::vector<int> activePerLayer;                // units with variance above the threshold
};

// Active units (Burda et al. 2016): the posterior mean varies over the data by more than
// `threshold` (LatentStats::kActiveThreshold by convention).
ActiveUnits activeUnits(const Model& model, const Dataset& dataset,
                        const std::vector<int64_t>& items,
                        double threshold = LatentStats::kActiveThreshold,
                        const JobControl& job = {}, int batch = 500);

std::vector<int64_t> allItems(const Dataset& dataset);

}  // namespace strata
