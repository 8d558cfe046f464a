#pragma once
// Per-unit statistics of a model's latents over a dataset split: average KL, spread of the
// posterior means (active units), and the quantiles the traverse view ranges use.

#include <cstdint>
#include <vector>

#include "core/base/job.h"
#include "core/data/dataset.h"
#include "core/model/model.h"

namespace strata {

struct UnitStats {
  double kl = 0;            // mean analytic KL(q || p) over the items, nats (means path)
  double meanOfMeans = 0;   // mean over items of E_q[z]
  double meanVariance = 0;  // variance over items of E_q[z] (active above kActiveThreshold)
  float q01 = 0, q99 = 0;   // 1% and 99% quantiles of E_q[z]
  float min = 0, max = 0;
};

struct LayerStats {
  std::vector<UnitStats> units;  // flat index within the layer (C order for [C, H, W])
  double kl = 0;                 // sum over units
  int activeUnits = 0;           // Burda et al.: Var_x E_q[z] > kActiveThreshold
  int collapsedUnits = 0;        // KL below kCollapsedUnitKl
  bool collapsed = false;        // every unit collapsed
};

struct LatentStats {
  int64_t items = 0;
  std::vector<LayerStats> layers;
  static constexpr double kActiveThreshold = 0.01;  // Burda et al. 2016
  // A unit whose posterior equals its conditional prior carries no information about x beyond
  // the layers above. Its mean may still vary over the data (the prior moves with the layers
  // above), so in hierarchical models the variance criterion alone does not reveal collapse.
  static constexpr double kCollapsedUnitKl = 0.01;  // nats
  bool unitCollapsed(int layer, int unit) const;
};

// The window's statistics (and the KL figure's by default) cover every item up to this many,
// and this many spread evenly over larger datasets (dSprites has 737,280).
constexpr int64_t kLatentStatsItems = 20000;

// The items statistics are taken over: all of a dataset's items up to `limit`, else `limit`
// items spread evenly over it.
std::vector<int64_t> latentStatsItems(int64_t datasetSize, int64_t limit = kLatentStatsItems);

// The 1% and 99% quantiles come from the posterior means of at most this many bytes of items
// (spread over the list): all of them unless the layers are very large (20,000 items of 27,056
// units would take 2.2 GB). Everything else covers every item.
constexpr int64_t kQuantileBytes = int64_t(512) << 20;

// Posterior means path (sample = false), so the statistics are deterministic. `batch` items
// per model call, fewer where they would exceed kMaxBatchBytes (core/model/evaluation.h).
LatentStats computeLatentStats(const Model& model, const Dataset& dataset,
                               const std::vector<int64_t>& items, const JobControl& job = {},
                               int batch = 500, int64_t quantileBytes = kQuantileBytes);

// Units of a layer ordered by decreasing KL.
std::vector<int> unitsByKl(const LayerStats& layer);

}  // namespace strata
