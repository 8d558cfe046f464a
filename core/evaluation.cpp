#include "core/evaluation.h"

#include <cmath>
#include <numeric>

#include "core/model_ops.h"

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
  double elboSum = 0, elboSumSq = 0, logPxSum = 0;
  for (size_t first = 0; first < items.size(); first += size_t(batch)) {
    job.cancel.throwIfCancelled();
    const size_t count = std::min(size_t(batch), items.size() - first);
    const std::vector<float> x = gather(dataset, items, first, count);
    const Posterior q = model.posterior(x.data(), int64_t(count), stream);
    const std::vector<float> lp = model.logPx(x.data(), int64_t(count), q.z);
    for (size_t i = 0; i < count; ++i) {
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

double importanceWeightedBound(const Model& model, const Dataset& dataset,
                               const std::vector<int64_t>& items, int k, uint64_t seed,
                               const JobControl& job, double* stdError) {
  requireCompatible(model, dataset);
  const auto& layers = model.info().layers;
  const size_t pixels = size_t(dataset.itemShape().pixelCount());
  SampleStream stream(seed);
  const size_t perChunk = std::max<size_t>(1, size_t(2000 / std::max(k, 1)));
  double total = 0, totalSq = 0;
  for (size_t first = 0; first < items.size(); first += perChunk) {
    job.cancel.throwIfCancelled();
    const size_t count = std::min(perChunk, items.size() - first);
    const std::vector<float> once = gather(dataset, items, first, count);
    std::vector<float> x(count * size_t(k) * pixels);
    for (size_t i = 0; i < count; ++i)
      for (int r = 0; r < k; ++r)
        std::copy_n(once.data() + i * pixels, pixels,
                    x.data() + (i * size_t(k) + size_t(r)) * pixels);
    const int64_t rows = int64_t(count) * k;
    const Posterior q = model.posterior(x.data(), rows, stream);
    const std::vector<float> lp = model.logPx(x.data(), rows, q.z);
    for (size_t i = 0; i < count; ++i) {
      std::vector<double> logw(static_cast<size_t>(k));
      for (int r = 0; r < k; ++r) {
        const size_t row = i * size_t(k) + size_t(r);
        double w = lp[row];
        for (size_t l = 0; l < layers.size(); ++l) {
          const size_t units = size_t(layers[l].size());
          for (size_t u = 0; u < units; ++u) {
            const size_t e = row * units + u;
            const double z = q.z.layers[l][e];
            w += logNormal(z, q.pMean.layers[l][e], q.pLogVar.layers[l][e]) -
                 logNormal(z, q.qMean.layers[l][e], q.qLogVar.layers[l][e]);
          }
        }
        logw[size_t(r)] = w;
      }
      const double top = *std::max_element(logw.begin(), logw.end());
      double sum = 0;
      for (double w : logw) sum += std::exp(w - top);
      const double bound = top + std::log(sum) - std::log(double(k));
      total += bound;
      totalSq += bound * bound;
    }
    job.report(double(first + count) / double(items.size()));
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
  for (size_t first = 0; first < items.size(); first += size_t(batch)) {
    job.cancel.throwIfCancelled();
    const size_t count = std::min(size_t(batch), items.size() - first);
    const std::vector<float> x = gather(dataset, items, first, count);
    const Posterior q = model.posterior(x.data(), int64_t(count), false);
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
