#include "core/model/latent_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/model/evaluation.h"
#include "core/model/item_conditions.h"
#include "core/model/model_ops.h"

namespace strata {

bool LatentStats::unitCollapsed(int layer, int unit) const {
  return layers[size_t(layer)].units[size_t(unit)].kl < kCollapsedUnitKl;
}

std::vector<int64_t> latentStatsItems(int64_t datasetSize, int64_t limit) {
  return spreadIndices(datasetSize, int(std::min(datasetSize, limit)));
}

namespace {

// Row of each of n items among the `kept` whose posterior means are kept (spread over the
// list), -1 for the others.
std::vector<int64_t> keptSlots(size_t n, size_t kept) {
  std::vector<int64_t> keptSlot(n, -1);
  const std::vector<int64_t> spread = spreadIndices(int64_t(n), int(kept));
  for (size_t slot = 0; slot < spread.size(); ++slot)
    keptSlot[size_t(spread[slot])] = int64_t(slot);
  return keptSlot;
}

// Sums, extremes and KL of one layer's units over the items seen so far, and the kept means.
struct LayerSums {
  size_t units;
  std::vector<float> means;  // [kept, units]
  std::vector<double> klSum, sum, sumSq;
  std::vector<float> lowest, highest;

  LayerSums(size_t units, size_t kept)
      : units(units),
        means(kept * units),
        klSum(units, 0.0),
        sum(units, 0.0),
        sumSq(units, 0.0),
        lowest(units, INFINITY),
        highest(units, -INFINITY) {}

  // Layer l of a batch of `count` items, the first being item `first` of the list.
  void add(const Posterior& q, size_t l, size_t count, size_t first,
           const std::vector<int64_t>& keptSlot) {
    const std::vector<float>& m = q.qMean.layers[l];
    for (size_t i = 0; i < count; ++i) {
      const float* row = m.data() + i * units;
      for (size_t u = 0; u < units; ++u) {
        sum[u] += row[u];
        sumSq[u] += double(row[u]) * row[u];
        lowest[u] = std::min(lowest[u], row[u]);
        highest[u] = std::max(highest[u], row[u]);
      }
      if (const int64_t slot = keptSlot[first + i]; slot >= 0)
        std::copy(row, row + units, means.begin() + slot * int64_t(units));
    }
    for (size_t k = 0; k < count * units; ++k) klSum[k % units] += unitKl(q, l, k);
  }

  // `column` is scratch space of `kept` values.
  LayerStats finish(size_t kept, double itemCount, std::vector<float>& column) const {
    LayerStats layer;
    layer.units.resize(units);
    for (size_t u = 0; u < units; ++u) {
      UnitStats& s = layer.units[u];
      s.kl = klSum[u] / itemCount;
      s.meanOfMeans = sum[u] / itemCount;
      s.meanVariance = std::max(0.0, sumSq[u] / itemCount - s.meanOfMeans * s.meanOfMeans);
      if (kept > 0) {
        for (size_t i = 0; i < kept; ++i) column[i] = means[i * units + u];
        std::sort(column.begin(), column.end());
        s.min = lowest[u];
        s.max = highest[u];
        s.q01 = column[size_t(std::lround(0.01 * double(kept - 1)))];
        s.q99 = column[size_t(std::lround(0.99 * double(kept - 1)))];
      }
      layer.kl += s.kl;
      layer.activeUnits += s.meanVariance > LatentStats::kActiveThreshold;
      layer.collapsedUnits += s.kl < LatentStats::kCollapsedUnitKl;
    }
    layer.collapsed = layer.collapsedUnits == int(units);
    return layer;
  }
};

}  // namespace

LatentStats computeLatentStats(const Model& model, const Dataset& dataset,
                               const std::vector<int64_t>& items, const JobControl& job, int batch,
                               int64_t quantileBytes) {
  requireCompatible(model, dataset);
  const auto& layers = model.info().layers;
  const size_t n = items.size();
  const size_t pixels = size_t(dataset.itemShape().pixelCount());
  // Sums, extremes and KL over every item; the posterior means themselves (for the quantiles)
  // of as many items, spread over the list, as fit in `quantileBytes`.
  const int64_t latentBytes = model.info().totalLatentSize() * int64_t(sizeof(float));
  const size_t kept = size_t(std::clamp<int64_t>(quantileBytes / std::max<int64_t>(latentBytes, 1),
                                                 std::min<int64_t>(int64_t(n), 1), int64_t(n)));
  const std::vector<int64_t> keptSlot = keptSlots(n, kept);
  std::vector<LayerSums> sums;
  sums.reserve(layers.size());
  for (const LayerInfo& l : layers) sums.emplace_back(size_t(l.size()), kept);
  std::vector<float> x;
  batch = itemsPerCall(batch, bytesPerRow(model, dataset));
  for (size_t first = 0; first < n; first += size_t(batch)) {
    job.cancel.throwIfCancelled();
    const size_t count = std::min(size_t(batch), n - first);
    x.resize(count * pixels);
    for (size_t i = 0; i < count; ++i) dataset.copyImage(items[first + i], x.data() + i * pixels);
    const Posterior q =
        posteriorOfItems(model, dataset, items.data() + first, count, x.data(), nullptr);
    for (size_t l = 0; l < layers.size(); ++l) sums[l].add(q, l, count, first, keptSlot);
    job.report(0.9 * double(first + count) / double(n));
  }

  LatentStats stats;
  stats.items = int64_t(n);
  std::vector<float> column(kept);
  const double itemCount = double(std::max<size_t>(n, 1));
  for (size_t l = 0; l < layers.size(); ++l) {
    job.cancel.throwIfCancelled();
    stats.layers.push_back(sums[l].finish(kept, itemCount, column));
  }
  job.report(1.0);
  return stats;
}

std::vector<int> unitsByKl(const LayerStats& layer) {
  std::vector<int> order(layer.units.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return layer.units[size_t(a)].kl > layer.units[size_t(b)].kl;
  });
  return order;
}

}  // namespace strata
