#pragma once
// One latent unit over a set of items, for the unit inspector (docs/metrics.md, "Unit
// inspector"): the distribution of its posterior means, the items where it is highest, lowest
// and at chosen quantiles, the units most correlated with it in mean and in sampled codes,
// and its mutual information with each ground-truth factor.

#include <QStringList>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/analysis/representation_rows.h"
#include "core/base/job.h"
#include "core/data/dataset.h"
#include "core/model/model.h"

namespace strata {

struct UnitProfile {
  static constexpr int kExtremeItems = 8;
  static constexpr int kHistogramBins = 40;
  static constexpr int kCorrelatedUnits = 8;
  int layer = 0, unit = 0;  // unit: flat index within the layer
  int codeIndex = 0;        // among every layer's units, top first
  std::vector<int64_t> items;
  std::vector<double> means;      // the unit's posterior mean per item
  double low = 0, high = 0;       // of the means
  std::vector<double> histogram;  // kHistogramBins counts over [low, high]
  // Share of items whose mean lies more than one posterior standard deviation from 0: the
  // data moving the unit beyond its own noise (a passive unit scores near 0).
  double beyondNoise = 0;
  std::vector<int64_t> highest, lowest;  // dataset items, most extreme first
  std::vector<double> quantiles{0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99};
  std::vector<int64_t> quantileItems;  // the item nearest each quantile of the means
  std::vector<double> quantileValues;
  struct Neighbour {
    int codeIndex = 0;
    QString label;  // "z_mid[3]"
    double meanCorrelation = 0, sampledCorrelation = 0;
  };
  std::vector<Neighbour> correlated;  // largest |Pearson r| of the mean codes first
  QStringList factorNames;
  std::vector<double> factorInformation;  // nats, 20 bins of the means against each factor
};

// Encodes `items` (means and one seeded sample per item, all layers) and profiles unit
// `unit` of layer `layer`. Throws std::invalid_argument for a unit that does not exist or
// fewer than two items.
UnitProfile profileUnit(const Model& model, const Dataset& dataset,
                        const std::vector<int64_t>& items, int layer, int unit, uint64_t seed,
                        const JobControl& job = {});

// The same on codes already encoded (every layer, one row per item of `items`): the unit
// inspector encodes a model's items once and profiles each unit the user opens from them.
UnitProfile profileUnit(const Model& model, const Dataset& dataset,
                        const std::vector<int64_t>& items, const PosteriorCodes& codes, int layer,
                        int unit);

// What the unit inspector shows and its figure draws, made by the same code: the profile and
// a decoder traversal from the median item over the unit's 1% to 99% quantiles, the other
// units as that item's posterior means (lower layers kept, not regenerated).
struct UnitInspection {
  static constexpr int kTraversalSteps = 9;
  std::shared_ptr<const PosteriorCodes> codes;  // of `items`, for the next unit of this model
  UnitProfile profile;
  std::vector<float> traversal;  // kTraversalSteps decoded images, in data units
  std::vector<double> values;    // the unit's value in each
};

// The sampled codes use `seed` + kInspectionSeedOffset, so that they differ from the draws of
// the metrics computed with `seed`. `codes`: the items' codes already encoded with that seed,
// or null to encode them here.
constexpr uint64_t kInspectionSeedOffset = 11;
UnitInspection inspectUnit(const Model& model, const Dataset& dataset,
                           const std::vector<int64_t>& items,
                           std::shared_ptr<const PosteriorCodes> codes, int layer, int unit,
                           uint64_t seed, const JobControl& job = {});

}  // namespace strata
