#pragma once
// How the views and figures show many layers: as at most a handful of groups of consecutive
// layers (a deep hierarchy's resolutions), so 60 layers give 5 rows, not 61.

#include <QString>

#include <vector>

#include "core/model/model.h"

namespace strata {

// Groups shown side by side stay readable up to this many (a row of spin boxes, grid rows).
constexpr int kMaxLayerGroups = 8;

// The KL page and figure draw a map of KL over positions per channel of each [C, H, W] layer
// for models with at most this many such layers; beyond, the maps would run to pages.
constexpr int kMaxKlMapLayers = 8;

// How many layers of `info` are spatial ([C, H, W]).
int spatialLayerCount(const ModelInfo& info);

struct LayerGroup {
  QString label;  // the contract-2 group name, a layer's name, or "a…b"
  int first = 0;  // index of its first layer (top first)
  int count = 0;
};

// Every layer alone when there are at most `maxGroups`; else the runs of consecutive layers
// that share a contract-2 group, when there are at most `maxGroups` of them; else the layers
// cut into `maxGroups` runs of nearly equal length.
std::vector<LayerGroup> layerGroups(const ModelInfo& info, int maxGroups = kMaxLayerGroups);

// The numbers k of top layers kept that resampling and mixing show: 0 .. L for a model with
// at most `maxGroups` layers, else 0 and the end of each group of layerGroups().
std::vector<int> levelsShown(const ModelInfo& info, int maxGroups = kMaxLayerGroups);

// What keeping the top k layers keeps, for row labels: "none", "all", "z_top" (k = 1),
// "z_top…z_mid", or, when k ends a group of a deep model, "through 7 x 7".
QString keptLayersText(const ModelInfo& info, int k, int maxGroups = kMaxLayerGroups);

}  // namespace strata
