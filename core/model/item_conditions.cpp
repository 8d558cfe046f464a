#include "core/model/item_conditions.h"

namespace strata {

std::vector<int> modelClassOfLabels(const ModelInfo& info, const Dataset& dataset) {
  const QStringList names = dataset.classNames();
  std::vector<int> map;
  if (names.isEmpty()) {
    for (int c = 0; c < info.classes.size(); ++c) map.push_back(c);
    return map;
  }
  for (const QString& name : names) map.push_back(int(info.classes.indexOf(name)));
  return map;
}

int modelClassOfItem(const std::vector<int>& classOf, const Dataset& dataset, int64_t item) {
  const int label = dataset.hasLabels() ? dataset.label(item) : -1;
  return label >= 0 && size_t(label) < classOf.size() ? classOf[size_t(label)] : -1;
}

bool encodesUnderLabels(const ModelInfo& info, const Dataset& dataset) {
  return info.conditional() && !info.hasClassifier && dataset.hasLabels();
}

uint64_t labelConditionFingerprint(const ModelInfo& info, const Dataset& dataset) {
  if (!encodesUnderLabels(info, dataset)) return 0;
  // FNV-1a over the model's class of every item.
  const std::vector<int> classOf = modelClassOfLabels(info, dataset);
  uint64_t hash = 1469598103934665603ULL;
  for (int64_t i = 0; i < dataset.size(); ++i) {
    hash ^= uint64_t(uint32_t(modelClassOfItem(classOf, dataset, i)));
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::vector<float> labelConditions(const ModelInfo& info, const Dataset& dataset,
                                   const int64_t* items, size_t count) {
  if (!encodesUnderLabels(info, dataset)) return {};
  const int k = int(info.classes.size());
  const std::vector<int> classOf = modelClassOfLabels(info, dataset);
  std::vector<float> rows;
  rows.reserve(count * size_t(k));
  for (size_t i = 0; i < count; ++i) {
    const int cls = modelClassOfItem(classOf, dataset, items[i]);
    const std::vector<float> row =
        cls >= 0 ? oneHotCondition(k, cls) : std::vector<float>(size_t(k), 1.0f / float(k));
    rows.insert(rows.end(), row.begin(), row.end());
  }
  return rows;
}

Posterior posteriorOfItems(const Model& model, const Dataset& dataset, const int64_t* items,
                           size_t count, const float* x, SampleStream* stream) {
  const std::vector<float> y = labelConditions(model.info(), dataset, items, count);
  const auto n = int64_t(count);
  if (y.empty()) return stream ? model.posterior(x, n, *stream) : model.posterior(x, n, false);
  return stream ? model.posteriorGiven(x, n, y, *stream) : model.posteriorGiven(x, n, y, false);
}

}  // namespace strata
