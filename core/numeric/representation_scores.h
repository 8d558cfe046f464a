#pragma once
// Mean and sampled representations (Bonheme & Grzes, "Be More Active!", docs/metrics.md):
// per-unit classes from the posterior variances (passive, mixed, active), correlation
// matrices, Gaussian total correlation and the mean pairwise mutual information of 20-bin
// codes, on any subset of units. tools/strata_tools/representation_scores.py is the reference.

#include <cstdint>
#include <vector>

#include "core/numeric/disentanglement.h"

namespace strata {

// The pairwise scores grow with the square of the units (a 60-layer model's 3,840 units make
// 7 million pairs): above these counts a table asks for one layer instead of computing them.
constexpr int kMaxUnitsForMutualInformation = 256;
constexpr int kMaxUnitsForTotalCorrelation = 1024;

enum class UnitActivity { Passive, Mixed, Active };
const char* unitActivityName(UnitActivity activity);  // "passive", "mixed", "active"

struct UnitActivityRow {
  double meanPosteriorVariance = 0;        // m_j: mean over items of exp(log-variance)
  double varianceOfPosteriorVariance = 0;  // v_j: its population variance over items
  double varianceOfMean = 0;               // w_j: sample variance (ddof 1) of the posterior mean
  UnitActivity activity = UnitActivity::Mixed;                // the published rule (from m_j, v_j)
  UnitActivity activityByMeanVariance = UnitActivity::Mixed;  // the authors' earlier rule (w_j)
};

// logVariances and means: [items, dims] of the same items. Throws std::invalid_argument on a
// shape mismatch, fewer than two items or a non-finite value.
std::vector<UnitActivityRow> unitActivity(const CodeMatrix& means, const CodeMatrix& logVariances);

// Pearson correlations [dims, dims] of the codes' columns; NaN in the row and column of a
// constant unit.
std::vector<double> correlationMatrix(const CodeMatrix& codes);

// -0.5 log det of the correlation matrix of the chosen units (nats): the Gaussian total
// correlation, 0.5 (sum log diag S - log det S) for the covariance S. NaN for fewer than two
// units or a constant unit; +inf when the smallest eigenvalue of the correlation is <= 1e-10.
double gaussianTotalCorrelation(const CodeMatrix& codes, const std::vector<int>& units);

// Mean over pairs of the chosen units of the mutual information of their 20-bin codes (nats;
// the bins of MIG). NaN for fewer than two units.
double meanPairwiseMutualInformation(const CodeMatrix& codes, const std::vector<int>& units,
                                     int bins = 20);

}  // namespace strata
