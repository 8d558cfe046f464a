#pragma once
// The rows of a metrics table on mean and sampled representations (Bonheme & Grzes,
// docs/metrics.md): passive, mixed and active units, and the Gaussian total correlation and
// mean pairwise mutual information of mean and of sampled codes, with and without the passive
// units.

#include <cstdint>
#include <vector>

#include "core/analysis/model_metrics.h"

namespace strata {

// Posterior means, log-variances (from the same deterministic pass as the means) and one
// posterior sample per item, for the chosen layer (-1: all layers, concatenated top first).
struct PosteriorCodes {
  CodeMatrix means, logVariances, samples;
};
PosteriorCodes encodePosteriors(const Model& model, const Dataset& dataset,
                                const std::vector<int64_t>& items, int layer, uint64_t seed,
                                const JobControl& job = {});

// Adds the rows; `codesText` says which codes they are computed on.
void addRepresentationRows(ModelMetrics& m, const PosteriorCodes& codes, const QString& codesText);

}  // namespace strata
