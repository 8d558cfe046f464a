#include "core/analysis/comparison.h"

#include <cmath>
#include <stdexcept>

#include "core/analysis/model_metrics.h"
#include "core/analysis/projection.h"
#include "core/model/model_ops.h"
#include "core/model/traversal.h"

namespace strata {
namespace {

constexpr double kLog2Pi = 1.8378770664093453;

bool sameLatentShapes(const ModelInfo& a, const ModelInfo& b) {
  if (a.layers.size() != b.layers.size()) return false;
  for (size_t l = 0; l < a.layers.size(); ++l)
    if (a.layers[l].shape != b.layers[l].shape) return false;
  return true;
}

// (layer, unit within layer) of each column of the codes of `layer` (-1 = all layers).
std::vector<std::pair<int, int>> columnUnits(const ModelInfo& info, int layer) {
  std::vector<std::pair<int, int>> out;
  for (size_t l = 0; l < info.layers.size(); ++l) {
    if (layer >= 0 && size_t(layer) != l) continue;
    for (int64_t u = 0; u < info.layers[l].size(); ++u) out.push_back({int(l), int(u)});
  }
  return out;
}

Latents appendBatch(Latents all, const Latents& one) {
  if (all.layers.empty()) all.layers.resize(one.layers.size());
  for (size_t l = 0; l < one.layers.size(); ++l)
    all.layers[l].insert(all.layers[l].end(), one.layers[l].begin(), one.layers[l].end());
  all.condition.insert(all.condition.end(), one.condition.begin(), one.condition.end());
  all.batch += one.batch;
  return all;
}

void columnStatistics(const CodeMatrix& c, std::vector<double>& mean, std::vector<double>& sd) {
  mean.assign(size_t(c.dims), 0.0);
  sd.assign(size_t(c.dims), 0.0);
  for (int64_t i = 0; i < c.items; ++i)
    for (int j = 0; j < c.dims; ++j) mean[size_t(j)] += c.at(i, j) / double(c.items);
  for (int64_t i = 0; i < c.items; ++i)
    for (int j = 0; j < c.dims; ++j)
      sd[size_t(j)] += std::pow(c.at(i, j) - mean[size_t(j)], 2) / double(c.items);
  for (double& v : sd) v = std::sqrt(v);
}

}  // namespace

std::vector<PriorSamples> comparePriorSamples(const std::vector<const Model*>& models, int count,
                                              uint64_t seed, double temperature,
                                              const QString& className) {
  std::vector<PriorSamples> out;
  if (models.empty()) return out;
  const Latents shared = models.front()->noise(count, 0, seed);
  for (const Model* m : models) {
    PriorSamples s;
    s.sharedNoise = sameLatentShapes(m->info(), models.front()->info());
    Latents eps = s.sharedNoise ? shared : m->noise(count, 0, seed);
    const int cls = int(m->info().classes.indexOf(className));
    if (cls >= 0) eps.condition = oneHotCondition(int(m->info().classes.size()), cls);
    const Latents z = m->priorSample(Latents{count, {}}, eps,
                                     std::vector<double>(m->info().layers.size(), temperature));
    s.images = m->decode(z);
    out.push_back(std::move(s));
  }
  return out;
}

double priorLogDensity(const Model& model, const Latents& z) {
  Latents mean, sd;
  conditionalPrior(model, z, mean, sd);
  double logp = 0;
  for (size_t l = 0; l < z.layers.size(); ++l)
    for (size_t u = 0; u < z.layers[l].size(); ++u) {
      const double s = std::max(double(sd.layers[l][u]), 1e-12);
      const double d = (z.layers[l][u] - mean.layers[l][u]) / s;
      logp += -0.5 * (kLog2Pi + d * d) - std::log(s);
    }
  return logp;
}

InterpolationPath interpolateItems(const Model& model, const Dataset& dataset, int64_t from,
                                   int64_t to, int steps, bool spherical) {
  const LatentStart a = startFromItem(model, dataset, from, false, 0);
  const LatentStart b = startFromItem(model, dataset, to, false, 0);
  const Latents path = interpolate(a.z, b.z, steps, spherical);
  InterpolationPath p;
  p.images = model.decode(path);
  for (int s = 0; s < steps; ++s) {
    Latents one{1, {}, conditionRow(path, s, int(model.info().classes.size()))};
    for (const auto& layer : path.layers) {
      const size_t units = layer.size() / size_t(steps);
      one.layers.emplace_back(layer.begin() + int64_t(size_t(s) * units),
                              layer.begin() + int64_t(size_t(s + 1) * units));
    }
    p.logPrior.push_back(priorLogDensity(model, one));
  }
  return p;
}

MatchedUnits matchModelUnits(const Model& a, int layerA, const Model& b, int layerB,
                             const Dataset& dataset, const std::vector<int64_t>& items,
                             const JobControl& job) {
  const CodeMatrix ca = encodeItems(a, dataset, items, layerA, false, 0, job.range(0, 0.45));
  const CodeMatrix cb = encodeItems(b, dataset, items, layerB, false, 0, job.range(0.45, 0.9));
  MatchedUnits m;
  m.layerA = layerA;
  m.layerB = layerB;
  m.items = int64_t(items.size());
  m.matching = matchUnits(ca.values, ca.dims, cb.values, cb.dims, ca.items);
  columnStatistics(ca, m.meanA, m.sdA);
  columnStatistics(cb, m.meanB, m.sdB);
  for (auto [l, u] : columnUnits(a.info(), layerA)) m.unitNamesA << unitLabel(a.info(), l, u);
  for (auto [l, u] : columnUnits(b.info(), layerB)) m.unitNamesB << unitLabel(b.info(), l, u);
  job.report(1.0);
  return m;
}

MatchedTraversal traverseMatchedPair(const Model& a, const Model& b, const Dataset& dataset,
                                     int64_t item, const MatchedUnits& matched, int pair, int steps,
                                     double span) {
  if (pair < 0 || size_t(pair) >= matched.matching.pairs.size())
    throw std::invalid_argument("no such matched pair");
  const auto [columnA, columnB] = matched.matching.pairs[size_t(pair)];
  const double sign = matched.matching.at(columnA, columnB) < 0 ? -1.0 : 1.0;
  MatchedTraversal t;
  t.steps = std::max(2, steps);
  for (int s = 0; s < t.steps; ++s) t.offsets.push_back(-span + 2 * span * s / (t.steps - 1));
  auto run = [&](const Model& m, int layer, int column, double direction, double sd) {
    const auto units = columnUnits(m.info(), layer);
    if (column < 0 || size_t(column) >= units.size())
      throw std::invalid_argument("matched unit outside the model's layer");
    const auto [l, u] = units[size_t(column)];
    const LatentStart start = startFromItem(m, dataset, item, false, 0);
    const UnitGroup group = singleUnit(m.info(), l, u);
    const double origin = startValue(start, group);
    Latents batch;
    for (double offset : t.offsets)
      batch = appendBatch(std::move(batch),
                          applyEdits(m, start, {{group, origin + direction * offset * sd}},
                                     Propagation::Regenerate));
    return m.decode(batch);
  };
  t.imagesA = run(a, matched.layerA, columnA, 1.0, matched.sdA[size_t(columnA)]);
  t.imagesB = run(b, matched.layerB, columnB, sign, matched.sdB[size_t(columnB)]);
  return t;
}

}  // namespace strata
