#include "core/analysis/unit_profile.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "core/analysis/model_metrics.h"
#include "core/analysis/representation_rows.h"
#include "core/model/traversal.h"
#include "core/numeric/disentanglement.h"

namespace strata {
namespace {

std::vector<double> column(const CodeMatrix& codes, int j) {
  std::vector<double> out(size_t(codes.items));
  for (int64_t i = 0; i < codes.items; ++i) out[size_t(i)] = codes.at(i, j);
  return out;
}

void addDistribution(UnitProfile& p, const std::vector<double>& logVariances) {
  const auto [lo, hi] = std::minmax_element(p.means.begin(), p.means.end());
  p.low = *lo, p.high = *hi;
  p.histogram.assign(UnitProfile::kHistogramBins, 0.0);
  const double width = (p.high - p.low) / UnitProfile::kHistogramBins;
  int beyond = 0;
  for (size_t i = 0; i < p.means.size(); ++i) {
    const int bin =
        width > 0 ? std::min(UnitProfile::kHistogramBins - 1, int((p.means[i] - p.low) / width))
                  : 0;
    ++p.histogram[size_t(bin)];
    beyond += std::abs(p.means[i]) > std::exp(0.5 * logVariances[i]);
  }
  p.beyondNoise = double(beyond) / double(p.means.size());
  std::vector<size_t> order(p.means.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return p.means[a] < p.means[b]; });
  const size_t extremes = std::min<size_t>(UnitProfile::kExtremeItems, order.size());
  for (size_t k = 0; k < extremes; ++k) {
    p.lowest.push_back(p.items[order[k]]);
    p.highest.push_back(p.items[order[order.size() - 1 - k]]);
  }
  for (double q : p.quantiles) {
    const size_t at = size_t(std::nearbyint(q * double(order.size() - 1)));
    p.quantileItems.push_back(p.items[order[at]]);
    p.quantileValues.push_back(p.means[order[at]]);
  }
}

}  // namespace

UnitProfile profileUnit(const Model& model, const Dataset& dataset,
                        const std::vector<int64_t>& items, int layer, int unit, uint64_t seed,
                        const JobControl& job) {
  const ModelInfo& info = model.info();
  if (layer < 0 || size_t(layer) >= info.layers.size() || unit < 0 ||
      unit >= info.layers[size_t(layer)].size())
    throw std::invalid_argument("unit profile: no such unit");
  if (items.size() < 2) throw std::invalid_argument("unit profile: fewer than two items");
  return profileUnit(model, dataset, items, encodePosteriors(model, dataset, items, -1, seed, job),
                     layer, unit);
}

UnitProfile profileUnit(const Model& model, const Dataset& dataset,
                        const std::vector<int64_t>& items, const PosteriorCodes& codes, int layer,
                        int unit) {
  const ModelInfo& info = model.info();
  if (layer < 0 || size_t(layer) >= info.layers.size() || unit < 0 ||
      unit >= info.layers[size_t(layer)].size())
    throw std::invalid_argument("unit profile: no such unit");
  if (items.size() < 2) throw std::invalid_argument("unit profile: fewer than two items");
  if (codes.means.items != int64_t(items.size()) || codes.means.dims != info.totalLatentSize())
    throw std::invalid_argument("unit profile: the codes are not those of these items");
  UnitProfile p;
  p.layer = layer, p.unit = unit, p.items = items;
  for (int l = 0; l < layer; ++l) p.codeIndex += int(info.layers[size_t(l)].size());
  p.codeIndex += unit;
  p.means = column(codes.means, p.codeIndex);
  addDistribution(p, column(codes.logVariances, p.codeIndex));
  const std::vector<double> sampled = column(codes.samples, p.codeIndex);
  for (int j = 0; j < codes.means.dims; ++j) {
    if (j == p.codeIndex) continue;
    const auto [l, u] = unitOfCode(info, -1, j);
    p.correlated.push_back({j, unitLabel(info, l, u),
                            pearsonCorrelation(p.means, column(codes.means, j)),
                            pearsonCorrelation(sampled, column(codes.samples, j))});
  }
  auto strength = [](double r) { return std::isnan(r) ? -1.0 : std::abs(r); };
  std::stable_sort(p.correlated.begin(), p.correlated.end(), [&](const auto& a, const auto& b) {
    return strength(a.meanCorrelation) > strength(b.meanCorrelation);
  });
  if (p.correlated.size() > size_t(UnitProfile::kCorrelatedUnits))
    p.correlated.resize(size_t(UnitProfile::kCorrelatedUnits));
  const QStringList names = dataset.factorNames();
  if (!names.isEmpty()) {
    const FactorClasses classes =
        factorClasses(factorValues(dataset, items), int64_t(items.size()), int(names.size()));
    const std::vector<int> bins = histogramBins(p.means, 20);  // 1..20, as MIG bins codes
    for (int k = 0; k < classes.factors(); ++k) {
      std::vector<int> factor(items.size());
      for (size_t i = 0; i < items.size(); ++i) factor[i] = classes.at(int64_t(i), k);
      p.factorNames << names[classes.kept[size_t(k)]];
      p.factorInformation.push_back(
          discreteMutualInformation(bins, 21, factor, classes.classCount[size_t(k)]));
    }
  }
  return p;
}

UnitInspection inspectUnit(const Model& model, const Dataset& dataset,
                           const std::vector<int64_t>& items,
                           std::shared_ptr<const PosteriorCodes> codes, int layer, int unit,
                           uint64_t seed, const JobControl& job) {
  const uint64_t codesSeed = seed + kInspectionSeedOffset;
  UnitInspection r;
  r.codes = codes ? std::move(codes)
                  : std::make_shared<const PosteriorCodes>(
                        encodePosteriors(model, dataset, items, -1, codesSeed, job.range(0, 0.9)));
  r.profile = profileUnit(model, dataset, items, *r.codes, layer, unit);
  job.cancel.throwIfCancelled();
  const int64_t median = r.profile.quantileItems[r.profile.quantiles.size() / 2];
  const LatentStart start = startFromItem(model, dataset, median, false, codesSeed);
  // Over the data's own range of the unit, which a prior-sigma range can miss entirely in a
  // hierarchical model.
  const UnitGroup group = singleUnit(model.info(), layer, unit);
  const double low = r.profile.quantileValues.front();
  const double high = r.profile.quantileValues.back();
  Latents batch;
  batch.condition = start.z.condition;  // a conditional model's y, shared by the steps
  for (int s = 0; s < UnitInspection::kTraversalSteps; ++s) {
    const double value = low + (high - low) * s / (UnitInspection::kTraversalSteps - 1);
    const Latents z = applyEdits(model, start, {{group, value}}, Propagation::KeepLower);
    batch.layers.resize(z.layers.size());
    for (size_t l = 0; l < z.layers.size(); ++l)
      batch.layers[l].insert(batch.layers[l].end(), z.layers[l].begin(), z.layers[l].end());
    ++batch.batch;
    r.values.push_back(value);
  }
  r.traversal = model.decode(batch);
  job.report(1.0);
  return r;
}

}  // namespace strata
