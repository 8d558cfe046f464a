#include "core/model/evaluation.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "core/model/item_conditions.h"
#include "core/model/model_ops.h"

namespace strata {
namespace {

constexpr double kLog2Pi = 1.8378770664093453;

double logNormal(double z, double m, double lv) {
  return -0.5 * (kLog2Pi + lv + (z - m) * (z - m) * std::exp(-lv));
}

std::vector<float> gather(const Dataset& dataset, const std::vector<int64_t>& items, size_t first,
                          size_t count) {
  const size_t pixels = size_t(dataset.itemShape().pixelCount());
  std::vector<float> x(count * pixels);
  for (size_t i = 0; i < count; ++i) dataset.copyImage(items[first + i], x.data() + i * pixels);
  return x;
}

// KL(q || p) of item i of a batch, summed over units and layers; adds each unit's and layer's
// share to the sums in `s`.
double addItemKl(const Posterior& q, const std::vector<LayerInfo>& layers, size_t i, ElboStats& s) {
  double kl = 0;
  for (size_t l = 0; l < layers.size(); ++l) {
    const size_t units = size_t(layers[l].size());
    double layerKl = 0;
    for (size_t u = 0; u < units; ++u) {
      const size_t k = i * units + u;
      const double v = unitKl(q, l, k);
      s.unitKl[l][u] += v;
      layerKl += v;
    }
    s.klPerLayer[l] += layerKl;
    kl += layerKl;
  }
  return kl;
}

// log p(x, z) - log q(z | x) of row `row` of a batch, given its log p(x | z).
double logWeight(const Posterior& q, const std::vector<LayerInfo>& layers, size_t row,
                 double logPx) {
  double w = logPx;
  for (size_t l = 0; l < layers.size(); ++l) {
    const size_t units = size_t(layers[l].size());
    for (size_t u = 0; u < units; ++u) {
      const size_t e = row * units + u;
      const double z = q.z.layers[l][e];
      w += logNormal(z, q.pMean.layers[l][e], q.pLogVar.layers[l][e]) -
           logNormal(z, q.qMean.layers[l][e], q.qLogVar.layers[l][e]);
    }
  }
  return w;
}

// log of the mean of exp(logw), computed from the largest term.
double logMeanExp(const std::vector<double>& logw) {
  const double top = *std::max_element(logw.begin(), logw.end());
  double sum = 0;
  for (double v : logw) sum += std::exp(v - top);
  return top + std::log(sum) - std::log(double(logw.size()));
}

}  // namespace

std::vector<int64_t> allItems(const Dataset& dataset) {
  std::vector<int64_t> items(size_t(dataset.size()));
  std::iota(items.begin(), items.end(), 0);
  return items;
}

ElboStats evaluateElbo(const Model& model, const Dataset& dataset,
                       const std::vector<int64_t>& items, uint64_t seed, const JobControl& job,
                       int batch) {
  requireCompatible(model, dataset);
  const auto& layers = model.info().layers;
  ElboStats s;
  s.items = int64_t(items.size());
  s.klPerLayer.assign(layers.size(), 0.0);
  for (const LayerInfo& l : layers) s.unitKl.emplace_back(size_t(l.size()), 0.0);
  SampleStream stream(seed);
  batch = itemsPerCall(batch, bytesPerRow(model, dataset));
  double elboSum = 0, elboSumSq = 0, logPxSum = 0;
  for (size_t first = 0; first < items.size(); first += size_t(batch)) {
    job.cancel.throwIfCancelled();
    const size_t count = std::min(size_t(batch), items.size() - first);
    const std::vector<float> x = gather(dataset, items, first, count);
    const Posterior q =
        posteriorOfItems(model, dataset, items.data() + first, count, x.data(), &stream);
    const std::vector<float> lp = model.logPx(x.data(), int64_t(count), q.z);
    for (size_t i = 0; i < count; ++i) {
      const double kl = addItemKl(q, layers, i, s);
      elboSum += lp[i] - kl;
      elboSumSq += (lp[i] - kl) * (lp[i] - kl);
      logPxSum += lp[i];
    }
    job.report(double(first + count) / double(items.size()));
  }
  const double n = double(std::max<size_t>(items.size(), 1));
  s.elbo = elboSum / n;
  s.elboStdError = standardError(elboSum, elboSumSq, n);
  s.logPx = logPxSum / n;
  for (double& v : s.klPerLayer) v /= n;
  for (auto& layer : s.unitKl)
    for (double& v : layer) v /= n;
  return s;
}

int64_t bytesPerRow(const Model& model, const Dataset& dataset) {
  // Inputs, then z, q mean, q log-variance, p mean and p log-variance, and log p(x|z).
  return (dataset.itemShape().pixelCount() + 5 * model.info().totalLatentSize() + 1) *
         int64_t(sizeof(float));
}

int64_t importanceSampleRows(int k, int64_t rowBytes, int64_t maxBatchBytes) {
  const int64_t reference = std::max<int64_t>(1, 2000 / k) * k;
  const int64_t fit = std::max<int64_t>(1, maxBatchBytes / std::max<int64_t>(rowBytes, 1));
  if (reference <= fit) return reference;
  return fit >= k ? fit / k * k : fit;
}

int itemsPerCall(int wanted, int64_t rowBytes, int64_t maxBatchBytes) {
  const int64_t fit = maxBatchBytes / std::max<int64_t>(rowBytes, 1);
  return int(std::clamp<int64_t>(fit, 1, std::max(wanted, 1)));
}

double importanceWeightedBound(const Model& model, const Dataset& dataset,
                               const std::vector<int64_t>& items, int k, uint64_t seed,
                               const JobControl& job, double* stdError, int64_t maxBatchBytes) {
  // Each item's k log weights are held at once.
  constexpr int kMaxSamples = 1000000;
  if (k < 1 || k > kMaxSamples)
    throw std::invalid_argument(
        "the importance-weighted bound takes 1 to 1,000,000 samples per item");
  requireCompatible(model, dataset);
  const auto& layers = model.info().layers;
  const size_t pixels = size_t(dataset.itemShape().pixelCount());
  SampleStream stream(seed);
  // Rows are (item, sample) pairs in item order; a call may end inside an item, whose log
  // weights then wait in `logw` for the next call.
  const int64_t totalRows = int64_t(items.size()) * k;
  const int64_t perCall = importanceSampleRows(k, bytesPerRow(model, dataset), maxBatchBytes);
  std::vector<float> x(size_t(std::min(perCall, std::max<int64_t>(totalRows, 1))) * pixels);
  std::vector<float> image(pixels);
  int64_t imageItem = -1;
  std::vector<double> logw(static_cast<size_t>(k));
  std::vector<int64_t> rowItems;
  double total = 0, totalSq = 0;
  for (int64_t first = 0; first < totalRows; first += perCall) {
    job.cancel.throwIfCancelled();
    const int64_t rows = std::min(perCall, totalRows - first);
    rowItems.clear();
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t item = (first + r) / k;
      rowItems.push_back(items[size_t(item)]);
      if (item != imageItem) {
        dataset.copyImage(items[size_t(item)], image.data());
        imageItem = item;
      }
      std::copy(image.begin(), image.end(), x.begin() + r * int64_t(pixels));
    }
    const Posterior q =
        posteriorOfItems(model, dataset, rowItems.data(), size_t(rows), x.data(), &stream);
    const std::vector<float> lp = model.logPx(x.data(), rows, q.z);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t sample = (first + r) % k;
      logw[size_t(sample)] = logWeight(q, layers, size_t(r), lp[size_t(r)]);
      if (sample != k - 1) continue;
      const double bound = logMeanExp(logw);
      total += bound;
      totalSq += bound * bound;
    }
    job.report(double(first + rows) / double(totalRows));
  }
  const double n = double(std::max<size_t>(items.size(), 1));
  if (stdError) *stdError = standardError(total, totalSq, n);
  return total / n;
}

double standardError(double sum, double sumSquares, double n) {
  if (n < 2) return 0.0;
  const double mean = sum / n;
  const double variance = std::max(0.0, (sumSquares - n * mean * mean) / (n - 1));
  return std::sqrt(variance / n);
}

ActiveUnits activeUnits(const Model& model, const Dataset& dataset,
                        const std::vector<int64_t>& items, double threshold, const JobControl& job,
                        int batch) {
  requireCompatible(model, dataset);
  const auto& layers = model.info().layers;
  std::vector<std::vector<double>> sum, sumSq;
  for (const LayerInfo& l : layers) {
    sum.emplace_back(size_t(l.size()), 0.0);
    sumSq.emplace_back(size_t(l.size()), 0.0);
  }
  batch = itemsPerCall(batch, bytesPerRow(model, dataset));
  for (size_t first = 0; first < items.size(); first += size_t(batch)) {
    job.cancel.throwIfCancelled();
    const size_t count = std::min(size_t(batch), items.size() - first);
    const std::vector<float> x = gather(dataset, items, first, count);
    const Posterior q =
        posteriorOfItems(model, dataset, items.data() + first, count, x.data(), nullptr);
    for (size_t l = 0; l < layers.size(); ++l) {
      const size_t units = size_t(layers[l].size());
      for (size_t i = 0; i < count; ++i)
        for (size_t u = 0; u < units; ++u) {
          const double m = q.qMean.layers[l][i * units + u];
          sum[l][u] += m;
          sumSq[l][u] += m * m;
        }
    }
    job.report(double(first + count) / double(items.size()));
  }
  ActiveUnits a;
  const double n = double(std::max<size_t>(items.size(), 1));
  for (size_t l = 0; l < layers.size(); ++l) {
    std::vector<double> var(sum[l].size());
    int active = 0;
    for (size_t u = 0; u < var.size(); ++u) {
      const double mean = sum[l][u] / n;
      var[u] = std::max(0.0, sumSq[l][u] / n - mean * mean);  // population variance, as numpy
      active += var[u] > threshold;
    }
    a.meanVariance.push_back(std::move(var));
    a.activePerLayer.push_back(active);
  }
  return a;
}

}  // namespace strata
