#include "core/model/traversal.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/model/item_conditions.h"
#include "core/model/model_ops.h"

namespace strata {
namespace {

Latents slice(const Latents& z, size_t first, size_t count) {
  Latents out{z.batch, {}, z.condition};
  for (size_t l = first; l < first + count; ++l) out.layers.push_back(z.layers[l]);
  return out;
}

Latents filled(const ModelInfo& info, size_t first, float value) {
  Latents out{1, {}};
  for (size_t l = first; l < info.layers.size(); ++l)
    out.layers.emplace_back(size_t(info.layers[l].size()), value);
  return out;
}

const QString kClassMark = QStringLiteral(" · y = ");

// " · y = Coat (q(y|x))": the class a conditional model's start is decoded under; empty for
// other models.
QString classText(const ModelInfo& info, const std::vector<float>& condition, const QString& how) {
  const int k = int(info.classes.size());
  if (k == 0 || int(condition.size()) != k) return {};
  const auto top = std::max_element(condition.begin(), condition.end());
  if (*top < 1.0f) return kClassMark + QStringLiteral("class probabilities");
  return kClassMark +
         QStringLiteral("%1 (%2)").arg(info.classes[int(top - condition.begin())], how);
}

double mean(const std::vector<float>& v, const std::vector<int>& idx) {
  double s = 0;
  for (int i : idx) s += v[size_t(i)];
  return idx.empty() ? 0 : s / double(idx.size());
}

// The standard-normal noise that turns the start's conditional priors into the start's own
// layers firstLayer..L-1, repeated `times` (batch = times).
Latents startNoise(const LatentStart& start, size_t firstLayer, int64_t times) {
  Latents eps{times, {}};
  for (size_t l = firstLayer; l < start.z.layers.size(); ++l) {
    std::vector<float> e(start.z.layers[l].size());
    for (size_t u = 0; u < e.size(); ++u)
      e[u] = (start.z.layers[l][u] - start.pMean.layers[l][u]) / start.pStd.layers[l][u];
    std::vector<float> repeated;
    repeated.reserve(e.size() * size_t(times));
    for (int64_t i = 0; i < times; ++i) repeated.insert(repeated.end(), e.begin(), e.end());
    eps.layers.push_back(std::move(repeated));
  }
  return eps;
}

}  // namespace

void conditionalPrior(const Model& model, const Latents& z, Latents& mean, Latents& stdDev) {
  const ModelInfo& info = model.info();
  const size_t L = info.layers.size();
  mean = {1, {}};
  stdDev = {1, {}};
  for (size_t l = 0; l < L; ++l) {
    const Latents fixed = slice(z, 0, l);
    std::vector<double> zero(L - l, 0.0), unit(L - l, 0.0);
    unit[0] = 1.0;
    Latents ones = filled(info, l, 0.0f);
    std::fill(ones.layers[0].begin(), ones.layers[0].end(), 1.0f);
    const Latents atMean = model.priorSample(fixed, ones, zero);
    const Latents atOneSigma = model.priorSample(fixed, ones, unit);
    mean.layers.push_back(atMean.layers[l]);
    std::vector<float> sd(atMean.layers[l].size());
    for (size_t u = 0; u < sd.size(); ++u)
      sd[u] = std::max(1e-6f, atOneSigma.layers[l][u] - atMean.layers[l][u]);
    stdDev.layers.push_back(std::move(sd));
  }
}

LatentStart startFromItem(const Model& model, const Dataset& dataset, int64_t item, bool sample,
                          uint64_t seed) {
  requireCompatible(model, dataset);
  const std::vector<float> x = dataset.image(item);
  SampleStream stream(seed);
  const Posterior q =
      posteriorOfItems(model, dataset, &item, 1, x.data(), sample ? &stream : nullptr);
  LatentStart s;
  s.item = item;
  s.description = sample ? QStringLiteral("item %1 (posterior sample, seed %2)").arg(item).arg(seed)
                         : QStringLiteral("item %1 (posterior mean)").arg(item);
  s.z = q.z;
  s.description += classText(
      model.info(), q.z.condition,
      model.info().hasClassifier ? QStringLiteral("predicted by q(y|x)") : QStringLiteral("label"));
  s.pMean = q.pMean;
  s.pStd = q.pLogVar;
  for (auto& layer : s.pStd.layers)
    for (float& v : layer) v = std::exp(0.5f * v);
  s.qMean = q.qMean;
  s.qStd = q.qLogVar;
  for (auto& layer : s.qStd.layers)
    for (float& v : layer) v = std::exp(0.5f * v);
  return s;
}

LatentStart startFromLatents(const Model& model, const Latents& z, const QString& description) {
  LatentStart s;
  s.description = description;
  s.z = z;
  conditionalPrior(model, z, s.pMean, s.pStd);
  return s;
}

LatentStart underClass(const Model& model, LatentStart start, int cls) {
  const ModelInfo& info = model.info();
  if (!info.conditional()) return start;
  if (cls < 0 || cls >= info.classes.size())
    throw std::invalid_argument("class " + std::to_string(cls) + " is not one of the model's " +
                                std::to_string(info.classes.size()) + " classes");
  start.z.condition = oneHotCondition(int(info.classes.size()), cls);
  conditionalPrior(model, start.z, start.pMean, start.pStd);
  start.description = start.description.section(kClassMark, 0, 0) +
                      classText(info, start.z.condition, QStringLiteral("chosen"));
  return start;
}

LatentStart startFromPrior(const Model& model, uint64_t seed, double temperature) {
  const std::vector<double> temps(model.info().layers.size(), temperature);
  const Latents z = model.priorSample({1, {}}, model.noise(1, 0, seed), temps);
  return startFromLatents(
      model, z,
      QStringLiteral("prior sample (seed %1, temperature %2)").arg(seed).arg(temperature) +
          classText(model.info(), z.condition, QStringLiteral("the first class")));
}

std::pair<int, int> unitOfCode(const ModelInfo& info, int layer, int code) {
  if (layer >= 0) return {layer, code};
  layer = 0;
  while (size_t(layer) + 1 < info.layers.size() && code >= info.layers[size_t(layer)].size())
    code -= int(info.layers[size_t(layer++)].size());
  return {layer, code};
}

QString unitLabel(const ModelInfo& info, int layer, int unit) {
  const LayerInfo& l = info.layers[size_t(layer)];
  if (l.shape.size() == 3) {
    const int64_t hw = l.shape[1] * l.shape[2];
    return QStringLiteral("%1[c%2, %3, %4]")
        .arg(l.name)
        .arg(unit / hw)
        .arg((unit % hw) / l.shape[2])
        .arg(unit % l.shape[2]);
  }
  return QStringLiteral("%1[%2]").arg(l.name).arg(unit);
}

UnitGroup singleUnit(const ModelInfo& info, int layer, int unit) {
  return {layer, {unit}, false, unitLabel(info, layer, unit)};
}

UnitGroup wholeChannel(const ModelInfo& info, int layer, int channel) {
  const LayerInfo& l = info.layers[size_t(layer)];
  UnitGroup g{layer, {}, true, QStringLiteral("%1[c%2, all]").arg(l.name).arg(channel)};
  const int hw = int(l.shape.size() == 3 ? l.shape[1] * l.shape[2] : 1);
  for (int p = 0; p < hw; ++p) g.units.push_back(channel * hw + p);
  return g;
}

QString describeRangeMode(RangeMode mode, double k) {
  switch (mode) {
    case RangeMode::PriorSigma:
      return QStringLiteral("prior mean ± %1 prior σ").arg(k);
    case RangeMode::PosteriorSpread:
      return QStringLiteral("posterior mean ± %1 posterior σ").arg(k);
    case RangeMode::DataQuantiles:
      return QStringLiteral("1%–99% quantiles of the posterior means over the data");
    case RangeMode::DataMinMax:
      return QStringLiteral("min–max of the posterior means over the data");
  }
  return {};
}

double startValue(const LatentStart& start, const UnitGroup& group) {
  if (group.additive) return 0.0;
  return start.z.layers[size_t(group.layer)][size_t(group.units.front())];
}

Range unitRange(RangeMode mode, double k, const LatentStart& start, const LatentStats* stats,
                const UnitGroup& group) {
  const size_t l = size_t(group.layer);
  const double origin = group.additive ? mean(start.z.layers[l], group.units) : 0.0;
  auto around = [&](double centre, double spread) {
    return group.additive ? Range{-k * spread, k * spread}
                          : Range{centre - k * spread, centre + k * spread};
  };
  switch (mode) {
    case RangeMode::PriorSigma:
      return around(mean(start.pMean.layers[l], group.units),
                    mean(start.pStd.layers[l], group.units));
    case RangeMode::PosteriorSpread:
      if (!start.hasPosterior())
        throw std::invalid_argument("the posterior spread needs a dataset item as the start");
      return around(mean(start.qMean.layers[l], group.units),
                    mean(start.qStd.layers[l], group.units));
    case RangeMode::DataQuantiles:
    case RangeMode::DataMinMax: {
      if (!stats)
        throw std::invalid_argument("data ranges need the dataset statistics (computing…)");
      double lo = 0, hi = 0;
      for (int u : group.units) {
        const UnitStats& s = stats->layers[l].units[size_t(u)];
        lo += mode == RangeMode::DataQuantiles ? s.q01 : s.min;
        hi += mode == RangeMode::DataQuantiles ? s.q99 : s.max;
      }
      lo /= double(group.units.size());
      hi /= double(group.units.size());
      if (hi - lo < 1e-6) hi = lo + 1e-6;
      return {lo - origin, hi - origin};
    }
  }
  return {};
}

Latents applyEdits(const Model& model, const LatentStart& start, const std::vector<Edit>& edits,
                   Propagation propagation) {
  Latents z = start.z;
  int lowest = -1;
  for (const Edit& e : edits) {
    auto& layer = z.layers[size_t(e.group.layer)];
    const auto& origin = start.z.layers[size_t(e.group.layer)];
    for (int u : e.group.units)
      layer[size_t(u)] = float(e.group.additive ? origin[size_t(u)] + e.value : e.value);
    lowest = std::max(lowest, e.group.layer);
  }
  const size_t L = z.layers.size();
  if (propagation == Propagation::KeepLower || lowest < 0 || size_t(lowest) + 1 >= L) return z;
  return model.priorSample(slice(z, 0, size_t(lowest) + 1),
                           startNoise(start, size_t(lowest) + 1, 1),
                           std::vector<double>(L - size_t(lowest) - 1, 1.0));
}

namespace {

// Regenerate propagation: the layers below each row's edited layer sampled again from the
// prior given the edit, one prior_sample call per edited layer, batched over all rows that
// move that layer. `edited` holds rows x steps items.
void regenerateBelow(const Model& model, const LatentStart& start,
                     const std::vector<UnitGroup>& rows, int steps, Latents& edited) {
  const size_t L = start.z.layers.size();
  for (size_t layer = 0; layer + 1 < L; ++layer) {
    std::vector<size_t> items;
    for (size_t r = 0; r < rows.size(); ++r)
      if (size_t(rows[r].layer) == layer)
        for (int s = 0; s < steps; ++s) items.push_back(r * size_t(steps) + size_t(s));
    if (items.empty()) continue;
    const int64_t n = int64_t(items.size());
    Latents fixed{n, std::vector<std::vector<float>>(layer + 1), start.z.condition};
    for (size_t l = 0; l <= layer; ++l) {
      const size_t width = start.z.layers[l].size();
      for (size_t i : items)
        fixed.layers[l].insert(fixed.layers[l].end(), edited.layers[l].begin() + int64_t(i * width),
                               edited.layers[l].begin() + int64_t((i + 1) * width));
    }
    const Latents z = model.priorSample(fixed, startNoise(start, layer + 1, n),
                                        std::vector<double>(L - layer - 1, 1.0));
    for (size_t l = layer + 1; l < L; ++l) {
      const size_t width = start.z.layers[l].size();
      for (size_t j = 0; j < items.size(); ++j)
        std::copy_n(z.layers[l].begin() + int64_t(j * width), width,
                    edited.layers[l].begin() + int64_t(items[j] * width));
    }
  }
}

}  // namespace

TraversalGrid traversalGrid(const Model& model, const LatentStart& start, const LatentStats* stats,
                            const std::vector<UnitGroup>& rows, int steps, RangeMode mode, double k,
                            Propagation propagation) {
  TraversalGrid grid;
  grid.rows = int(rows.size());
  grid.steps = std::max(2, steps);
  const size_t L = start.z.layers.size();
  // Every step of every row as edited latents (batch = rows x steps), before propagation.
  Latents edited{0, std::vector<std::vector<float>>(L), start.z.condition};
  for (const UnitGroup& g : rows) {
    const Range r = unitRange(mode, k, start, stats, g);
    const double origin = startValue(start, g);
    std::vector<double> values;
    int nearest = 0;
    for (int s = 0; s < grid.steps; ++s) {
      const double v = r.low + (r.high - r.low) * s / double(grid.steps - 1);
      values.push_back(v);
      if (std::abs(v - origin) < std::abs(values[size_t(nearest)] - origin)) nearest = s;
      const Latents z = applyEdits(model, start, {{g, v}}, Propagation::KeepLower);
      for (size_t l = 0; l < L; ++l)
        edited.layers[l].insert(edited.layers[l].end(), z.layers[l].begin(), z.layers[l].end());
      ++edited.batch;
    }
    grid.values.push_back(std::move(values));
    grid.startColumn.push_back(nearest);
  }
  if (edited.batch == 0) return grid;
  if (propagation == Propagation::Regenerate)
    regenerateBelow(model, start, rows, grid.steps, edited);
  grid.images = model.decode(edited);
  return grid;
}

}  // namespace strata
