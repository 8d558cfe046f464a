#include "core/latent_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/evaluation.h"
#include "core/model_ops.h"

namespace strata {

bool LatentStats::unitCollapsed(int layer, int unit) const {
  return layers[size_t(layer)].units[size_t(unit)].kl < kCollapsedUnitKl;
}

std::vector<int64_t> latentStatsItems(int64_t datasetSize, int64_t limit) {
  return spreadIndices(datasetSize, int(std::min(datasetSize, limit)));
}

LatentStats computeLatentStats(const Model& model, const Dataset& dataset,
                               const std::vector<int64_t>& items, const JobControl& job,
                               int batch) {
  requireCompatible(model, dataset);
  const auto& layers = model.info().layers;
  const size_t n = items.size();
  const size_t pixels = size_t(dataset.itemShape().pixelCount());
  std::vector<std::vector<float>> means;  // per layer: [n, units]
  std::vector<std::vector<double>> klSum;
  for (const LayerInfo& l : layers) {
    means.emplace_back(n * size_t(l.size()));
    klSum.emplace_back(size_t(l.size()), 0.0);
  }
  std::vector<float> x;
  batch = itemsPerCall(batch, bytesPerRow(model, dataset));
  for (size_t first = 0; first < n; first += size_t(batch)) {
    job.cancel.throwIfCancelled();
    const size_t count = std::min(size_t(batch), n - first);
    x.resize(count * pixels);
    for (size_t i = 0; i < count; ++i) dataset.copyImage(items[first + i], x.data() + i * pixels);
    const Posterior q = model.posterior(x.data(), int64_t(count), false);
    for (size_t l = 0; l < layers.size(); ++l) {
      const size_t units = size_t(layers[l].size());
      std::copy(q.qMean.layers[l].begin(), q.qMean.layers[l].end(),
                means[l].begin() + int64_t(first * units));
      for (size_t k = 0; k < count * units; ++k) klSum[l][k % units] += unitKl(q, l, k);
    }
    job.report(0.9 * double(first + count) / double(n));
  }

  LatentStats stats;
  stats.items = int64_t(n);
  std::vector<float> column(n);
  for (size_t l = 0; l < layers.size(); ++l) {
    job.cancel.throwIfCancelled();
    const size_t units = size_t(layers[l].size());
    LayerStats layer;
    layer.units.resize(units);
    for (size_t u = 0; u < units; ++u) {
      double sum = 0, sumSq = 0;
      for (size_t i = 0; i < n; ++i) {
        const float v = means[l][i * units + u];
        column[i] = v;
        sum += v;
        sumSq += double(v) * v;
      }
      UnitStats& s = layer.units[u];
      s.kl = klSum[l][u] / double(std::max<size_t>(n, 1));
      s.meanOfMeans = sum / double(std::max<size_t>(n, 1));
      s.meanVariance =
          std::max(0.0, sumSq / double(std::max<size_t>(n, 1)) - s.meanOfMeans * s.meanOfMeans);
      if (n > 0) {
        std::sort(column.begin(), column.end());
        s.min = column.front();
        s.max = column.back();
        s.q01 = column[size_t(std::lround(0.01 * double(n - 1)))];
        s.q99 = column[size_t(std::lround(0.99 * double(n - 1)))];
      }
      layer.kl += s.kl;
      layer.activeUnits += s.meanVariance > LatentStats::kActiveThreshold;
      layer.collapsedUnits += s.kl < LatentStats::kCollapsedUnitKl;
    }
    layer.collapsed = layer.collapsedUnits == int(units);
    stats.layers.push_back(std::move(layer));
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
