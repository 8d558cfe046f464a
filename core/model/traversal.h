#pragma once
// Latent traversals: where they start, which units move, over what range, and what happens
// to the layers below a moved unit.

#include <QString>

#include <utility>
#include <vector>

#include "core/data/dataset.h"
#include "core/model/latent_stats.h"
#include "core/model/model.h"

namespace strata {

// One point in latent space (batch 1) with the conditional prior of every layer at it and,
// for dataset items, the posterior.
struct LatentStart {
  QString description;
  int64_t item = -1;
  Latents z;
  Latents pMean, pStd;  // conditional prior p(z_l | z_<l) at z
  Latents qMean, qStd;  // posterior; empty for prior samples
  bool hasPosterior() const { return !qMean.layers.empty(); }
};

// The conditional prior of every layer given the layers above in z (batch 1), found through
// prior_sample alone, so it works for any model that follows the contract.
void conditionalPrior(const Model& model, const Latents& z, Latents& mean, Latents& stdDev);

LatentStart startFromItem(const Model& model, const Dataset& dataset, int64_t item, bool sample,
                          uint64_t seed);
LatentStart startFromPrior(const Model& model, uint64_t seed, double temperature);
LatentStart startFromLatents(const Model& model, const Latents& z, const QString& description);
// The same latents decoded under class `cls` of a conditional model (its conditional priors
// recomputed under it): z is kept, as the analogy grid keeps it, so the posterior spread
// stays that of the class it was encoded under. Unconditional models return `start` unchanged.
LatentStart underClass(const Model& model, LatentStart start, int cls);

// What a slider moves: one unit, or every position of one channel of a spatial layer (then
// the slider value is an offset added to each position's starting value).
struct UnitGroup {
  int layer = 0;
  std::vector<int> units;  // flat indices within the layer
  bool additive = false;
  QString label;
};
UnitGroup singleUnit(const ModelInfo& info, int layer, int unit);
UnitGroup wholeChannel(const ModelInfo& info, int layer, int channel);
// "z_top[3]" or "z_bottom[c1, 2, 5]".
QString unitLabel(const ModelInfo& info, int layer, int unit);
// The (layer, unit) of column `code` of codes taken from `layer` alone, or from every layer top
// first when `layer` is -1 (the metrics' and matching's "chosen codes").
std::pair<int, int> unitOfCode(const ModelInfo& info, int layer, int code);

enum class RangeMode { PriorSigma, PosteriorSpread, DataQuantiles, DataMinMax };
QString describeRangeMode(RangeMode mode, double k);

struct Range {
  double low = -3, high = 3;
};
// `k` applies to the two sigma modes. Throws std::invalid_argument when the mode needs what
// is missing (a posterior for PosteriorSpread, dataset statistics for the data modes).
Range unitRange(RangeMode mode, double k, const LatentStart& start, const LatentStats* stats,
                const UnitGroup& group);
// The group's current value at the start (the unit's value, or 0 for an offset).
double startValue(const LatentStart& start, const UnitGroup& group);

enum class Propagation { KeepLower, Regenerate };

struct Edit {
  UnitGroup group;
  double value = 0;
};

// The start's latents with the edits applied. With Regenerate, the layers below the lowest
// edited layer are drawn again from the conditional prior with the noise that reproduces the
// start (so with no change, nothing changes).
Latents applyEdits(const Model& model, const LatentStart& start, const std::vector<Edit>& edits,
                   Propagation propagation);

struct TraversalGrid {
  int rows = 0, steps = 0;
  std::vector<float> images;                // [rows * steps, C, H, W]
  std::vector<std::vector<double>> values;  // per row, per step
  std::vector<int> startColumn;             // per row: the step nearest the start value
};

// One row per group, `steps` values evenly over each group's range; decoded in one batch.
TraversalGrid traversalGrid(const Model& model, const LatentStart& start, const LatentStats* stats,
                            const std::vector<UnitGroup>& rows, int steps, RangeMode mode, double k,
                            Propagation propagation);

}  // namespace strata
