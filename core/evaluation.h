#pragma once
// Likelihood bounds and latent statistics of a model on a dataset, computed through the
// model contract only. Checked against tools/strata_tools/evaluate.py.

#include <cstdint>
#include <vector>

#include "core/dataset.h"
#include "core/job.h"
#include "core/model.h"

namespace strata {

struct ElboStats {
  int64_t items = 0;
  double elbo = 0;                          // mean over items, nats
  double elboStdError = 0;                  // standard error of that mean over items
  double logPx = 0;                         // mean E_q log p(x|z)
  std::vector<double> klPerLayer;           // mean KL(q || p) of each layer, nats
  std::vector<std::vector<double>> unitKl;  // per layer, per unit: mean KL
};

// Single-sample ELBO with analytic per-layer KL, each layer's KL given the sampled layers above.
ElboStats evaluateElbo(const Model& model, const Dataset& dataset,
                       const std::vector<int64_t>& items, uint64_t seed, const JobControl& job = {},
                       int batch = 500);

// Importance-weighted bound (Burda et al.) with k samples, per item, averaged. `stdError`
// receives the standard error of the mean over items.
double importanceWeightedBound(const Model& model, const Dataset& dataset,
                               const std::vector<int64_t>& items, int k, uint64_t seed,
                               const JobControl& job = {}, double* stdError = nullptr);

// Standard error of a mean from the sum and sum of squares of n values.
double standardError(double sum, double sumSquares, double n);

struct ActiveUnits {
  std::vector<std::vector<double>> meanVariance;  // per layer, per unit: Var_x E_q[z]
  std::vector<int> activePerLayer;                // units with variance above the threshold
};

// Active units (Burda et al. 2016): the posterior mean varies over the data by more than
// `threshold` (0.01 by convention).
ActiveUnits activeUnits(const Model& model, const Dataset& dataset,
                        const std::vector<int64_t>& items, double threshold = 0.01,
                        const JobControl& job = {}, int batch = 500);

std::vector<int64_t> allItems(const Dataset& dataset);

}  // namespace strata
