#pragma once
// The rows of a metrics table on relevant units in the ARD-VAE convention (docs/metrics.md,
// "Relevant dimensions"): how many units explain 99 % of the relevance, beside how many the
// prior variance alone would keep, with the per-unit numbers kept in the table.

#include <cstdint>
#include <vector>

#include "core/analysis/model_metrics.h"
#include "core/analysis/representation_rows.h"
#include "core/numeric/relevance_scores.h"

namespace strata {

constexpr int kRelevanceJacobianItems = 100;  // Sec. 3.4: "the size of a minibatch (100)"
// Each Jacobian column costs one decode of the items; above this many units a table asks for
// one layer instead.
constexpr int kMaxUnitsForRelevance = 1024;

// (1/M) sum_i ||d xhat(mu_i) / d z_l||^2 over the first M = min(100, items) items, for the
// units of the chosen layer (-1: all, top first); every layer at its posterior mean, xhat in
// data units.
std::vector<double> jacobianWeights(const Model& model, const Dataset& dataset,
                                    const std::vector<int64_t>& items, int layer,
                                    const JobControl& job = {});

// The same from the points themselves: every layer of the Jacobian items, as `posterior` returns
// its means. Calls hold about a million decoded values at a time.
std::vector<double> jacobianWeightsAt(const Model& model, const Latents& means, int layer,
                                      const JobControl& job = {});

// Adds the rows and the per-unit numbers (ModelMetrics::unitRelevance); a decoder autograd
// cannot differentiate, or too many units, gives rows without a value that say why.
void addRelevanceRows(ModelMetrics& m, const Model& model, const Dataset& dataset,
                      const std::vector<int64_t>& items, const PosteriorCodes& codes, int layer,
                      const QString& codesText, const JobControl& job = {});

}  // namespace strata
