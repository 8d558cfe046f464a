#pragma once
// Relevant latent units in the ARD-VAE convention (Saha, Joshi & Whitaker; docs/metrics.md,
// "Relevant dimensions"): the data-driven prior variance of each unit (Eq. 17), its weight from
// the decoder's Jacobian (Eq. 18), their product (Eq. 19), and the fewest units that explain
// 99 % of the total. tools/strata_tools/relevance.py is the reference.

#include <cstdint>
#include <vector>

#include "core/numeric/disentanglement.h"

namespace strata {

constexpr double kRelevanceExplained = 0.99;  // Sec. 3.4: "explaining 99% of the variance"

struct UnitRelevance {
  std::vector<double> priorVariance;   // (1/N) sum_i (mu_il^2 + exp(logvar_il))
  std::vector<double> jacobianWeight;  // (1/M) sum_i ||d xhat / d z_l||^2 at the means
  std::vector<double> relevance;       // weight x prior variance
  std::vector<int> order;              // units by decreasing relevance, ties lower index first
  std::vector<double> cumulative;      // share of the k largest, in `order`
  int relevantUnits = 0;               // smallest k with cumulative share > 0.99 (0 if all are 0)
  int priorVarianceOnlyUnits = 0;      // the same count from the prior variance alone
};

// Eq. 17 with a0 = b0 = 0: the uncentred second moment of the aggregate posterior, as the
// expectation over the posterior sample of Algorithm 1. Throws std::invalid_argument on a shape
// mismatch, no items, a non-finite mean or a NaN or +inf log-variance.
std::vector<double> ardPriorVariance(const CodeMatrix& means, const CodeMatrix& logVariances);

// The number of the largest scores whose share of the total first exceeds `explained`
// (strictly); 0 when every score is 0. Throws std::invalid_argument on a negative or non-finite
// score. `order` receives the units by decreasing score and `cumulative` the running shares.
int unitsExplaining(const std::vector<double>& scores, double explained, std::vector<int>* order,
                    std::vector<double>* cumulative);

// Everything above from the posteriors of the items and the Jacobian weight per unit.
UnitRelevance ardRelevance(const CodeMatrix& means, const CodeMatrix& logVariances,
                           std::vector<double> jacobianWeight);

}  // namespace strata
