#pragma once
// Side-by-side computations for two to four models on the same inputs: reconstructions,
// prior samples from the same noise, interpolations with the prior log-density along the
// path, and cross-model unit matching.

#include <QString>

#include <cstdint>
#include <vector>

#include "core/base/job.h"
#include "core/data/dataset.h"
#include "core/model/model.h"
#include "core/numeric/unit_matching.h"

namespace strata {

// Models compared side by side (the compare view's columns, sessions, recipes).
constexpr int kMaxComparedModels = 4;

struct PriorSamples {
  std::vector<float> images;  // [count, C, H, W]
  bool sharedNoise = false;   // the very same noise as the other models (equal latent shapes)
};

// The same noise for every model whose latent layers have the same shapes as the first
// model's; otherwise noise from the same seed. Conditional models decode under the class named
// `className` where they have it, else under their first class.
std::vector<PriorSamples> comparePriorSamples(const std::vector<const Model*>& models, int count,
                                              uint64_t seed, double temperature,
                                              const QString& className = {});

struct InterpolationPath {
  std::vector<float> images;     // [steps, C, H, W]
  std::vector<double> logPrior;  // log p(z) along the path, nats (hierarchical prior)
};

// Between the posterior means of two items, every layer interpolated (linearly or
// spherically), decoded, with the prior log-density of each point.
InterpolationPath interpolateItems(const Model& model, const Dataset& dataset, int64_t from,
                                   int64_t to, int steps, bool spherical);

// log p(z) = sum over layers of log N(z_l; prior mean and std given the layers above).
double priorLogDensity(const Model& model, const Latents& z);

struct MatchedUnits {
  UnitMatching matching;
  QStringList unitNamesA, unitNamesB;          // "z_top[3]"
  std::vector<double> meanA, sdA, meanB, sdB;  // of the posterior means over the items
  int layerA = -1, layerB = -1;
  int64_t items = 0;
};

// Posterior means of both models on the same `items`, the chosen layer of each (-1 = all).
MatchedUnits matchModelUnits(const Model& a, int layerA, const Model& b, int layerB,
                             const Dataset& dataset, const std::vector<int64_t>& items,
                             const JobControl& job = {});

struct MatchedTraversal {
  int steps = 0;
  std::vector<double> offsets;          // in standard deviations of the unit over the data
  std::vector<float> imagesA, imagesB;  // [steps, C, H, W] each
};

// Moves unit `unitA` of model A and its partner `unitB` of model B in sync, from the
// posterior mean of `item`: both by the same number of their own standard deviations (B's
// sign flipped when the two are anti-correlated). Lower layers are regenerated.
MatchedTraversal traverseMatchedPair(const Model& a, const Model& b, const Dataset& dataset,
                                     int64_t item, const MatchedUnits& matched, int pair, int steps,
                                     double span);

}  // namespace strata
