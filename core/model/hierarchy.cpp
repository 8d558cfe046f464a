#include "core/model/hierarchy.h"

#include <algorithm>

#include "core/model/item_conditions.h"
#include "core/model/layer_groups.h"
#include "core/model/model_ops.h"

namespace strata {
namespace {

Posterior meansOf(const Model& model, const Dataset& dataset, const std::vector<int64_t>& items) {
  const size_t pixels = size_t(dataset.itemShape().pixelCount());
  std::vector<float> x(items.size() * pixels);
  for (size_t i = 0; i < items.size(); ++i) dataset.copyImage(items[i], x.data() + i * pixels);
  return posteriorOfItems(model, dataset, items.data(), items.size(), x.data(), nullptr);
}

// Rows [from, from + 1) of every layer, repeated `times`.
void appendRepeated(const Latents& z, int64_t row, int times, size_t firstLayer, size_t count,
                    Latents& out) {
  if (out.layers.size() < count) out.layers.resize(count);
  for (size_t l = 0; l < count; ++l) {
    const size_t width = z.layers[firstLayer + l].size() / size_t(z.batch);
    const auto begin = z.layers[firstLayer + l].begin() + int64_t(size_t(row) * width);
    for (int t = 0; t < times; ++t)
      out.layers[l].insert(out.layers[l].end(), begin, begin + int64_t(width));
  }
}

// A conditional model's y of row `row` of `z`, repeated `times` times onto `out`.
void appendCondition(const Latents& z, int64_t row, int times, int classes, Latents& out) {
  const std::vector<float> y = conditionRow(z, row, classes);
  for (int t = 0; t < times; ++t) out.condition.insert(out.condition.end(), y.begin(), y.end());
}

}  // namespace

LayerwiseResampling layerwiseResampling(const Model& model, const Dataset& dataset,
                                        const std::vector<int64_t>& items, int samples,
                                        uint64_t seed, std::vector<int> levels) {
  requireCompatible(model, dataset);
  const size_t L = model.info().layers.size();
  if (levels.empty()) levels = levelsShown(model.info());
  LayerwiseResampling r;
  r.inputs = int(items.size());
  r.levels = int(levels.size());
  r.kept = levels;
  r.samples = samples;
  const Posterior q = meansOf(model, dataset, items);
  const size_t pixels = size_t(dataset.itemShape().pixelCount());
  r.originals.resize(items.size() * pixels);
  for (size_t i = 0; i < items.size(); ++i)
    dataset.copyImage(items[i], r.originals.data() + i * pixels);

  // One noise draw for every layer, shared by all inputs and levels: only what is kept differs.
  const Latents noise = model.noise(samples, 0, seed);
  Latents all{0, std::vector<std::vector<float>>(L)};
  for (size_t i = 0; i < items.size(); ++i) {
    for (const int level : levels) {
      const size_t k = size_t(std::clamp(level, 0, int(L)));
      Latents fixed{samples, {}};
      appendRepeated(q.z, int64_t(i), samples, 0, k, fixed);
      appendCondition(q.z, int64_t(i), samples, int(model.info().classes.size()), fixed);
      const Latents eps{samples, std::vector<std::vector<float>>(noise.layers.begin() + int64_t(k),
                                                                 noise.layers.end())};
      const Latents z =
          k == L ? fixed : model.priorSample(fixed, eps, std::vector<double>(L - k, 1.0));
      for (size_t l = 0; l < L; ++l)
        all.layers[l].insert(all.layers[l].end(), z.layers[l].begin(), z.layers[l].end());
      appendCondition(q.z, int64_t(i), samples, int(model.info().classes.size()), all);
      all.batch += samples;
    }
  }
  r.images = model.decode(all);
  return r;
}

std::vector<float> temperatureSamples(const Model& model, const std::vector<double>& temperatures,
                                      int count, uint64_t seed) {
  return model.decode(model.priorSample({count, {}}, model.noise(count, 0, seed), temperatures));
}

std::vector<float> layerMixing(const Model& model, const Dataset& dataset, int64_t a, int64_t b,
                               std::vector<int> splits) {
  requireCompatible(model, dataset);
  const size_t L = model.info().layers.size();
  if (splits.empty()) splits = levelsShown(model.info());
  const Posterior q = meansOf(model, dataset, {a, b});
  Latents mixed{0, std::vector<std::vector<float>>(L)};
  for (const int split : splits) {
    const size_t s = size_t(std::clamp(split, 0, int(L)));
    for (size_t l = 0; l < L; ++l) {
      const size_t width = q.z.layers[l].size() / 2;
      const auto begin = q.z.layers[l].begin() + int64_t(l < s ? 0 : width);
      mixed.layers[l].insert(mixed.layers[l].end(), begin, begin + int64_t(width));
    }
    // A conditional model's mix keeps the class of A, whose top layers it keeps (of B when it
    // keeps none).
    appendCondition(q.z, s == 0 ? 1 : 0, 1, int(model.info().classes.size()), mixed);
    ++mixed.batch;
  }
  return model.decode(mixed);
}

}  // namespace strata
