#include "core/model/layer_groups.h"

namespace strata {
namespace {

// Runs of consecutive layers with the same declared group; empty if a layer has none.
std::vector<LayerGroup> declaredGroups(const ModelInfo& info) {
  std::vector<LayerGroup> groups;
  for (int l = 0; l < int(info.layers.size()); ++l) {
    const QString& group = info.layers[size_t(l)].group;
    if (group.isEmpty()) return {};
    if (groups.empty() || groups.back().label != group) groups.push_back({group, l, 0});
    ++groups.back().count;
  }
  return groups;
}

QString spanLabel(const ModelInfo& info, int first, int count) {
  const QString a = info.layers[size_t(first)].shownName();
  return count == 1
             ? a
             : a + QStringLiteral("\u2026") + info.layers[size_t(first + count - 1)].shownName();
}

}  // namespace

std::vector<LayerGroup> layerGroups(const ModelInfo& info, int maxGroups) {
  const int layers = int(info.layers.size());
  std::vector<LayerGroup> groups;
  if (layers <= maxGroups) {
    for (int l = 0; l < layers; ++l) groups.push_back({info.layers[size_t(l)].shownName(), l, 1});
    return groups;
  }
  groups = declaredGroups(info);
  if (!groups.empty() && int(groups.size()) <= maxGroups) return groups;
  groups.clear();
  for (int g = 0; g < maxGroups; ++g) {
    const int first = layers * g / maxGroups, end = layers * (g + 1) / maxGroups;
    groups.push_back({spanLabel(info, first, end - first), first, end - first});
  }
  return groups;
}

int spatialLayerCount(const ModelInfo& info) {
  int count = 0;
  for (const LayerInfo& l : info.layers) count += l.shape.size() == 3 ? 1 : 0;
  return count;
}

QString keptLayersText(const ModelInfo& info, int k, int maxGroups) {
  const int layers = int(info.layers.size());
  if (k <= 0) return QStringLiteral("none");
  if (k >= layers) return QStringLiteral("all");
  if (layers > maxGroups)
    for (const LayerGroup& g : layerGroups(info, maxGroups))
      if (g.first + g.count == k && g.count > 1) return QStringLiteral("through ") + g.label;
  return spanLabel(info, 0, k);
}

std::vector<int> levelsShown(const ModelInfo& info, int maxGroups) {
  std::vector<int> levels{0};
  if (int(info.layers.size()) <= maxGroups) {
    for (int k = 1; k <= int(info.layers.size()); ++k) levels.push_back(k);
    return levels;
  }
  for (const LayerGroup& g : layerGroups(info, maxGroups)) levels.push_back(g.first + g.count);
  return levels;
}

}  // namespace strata
