#pragma once
// The saved names of projection methods, of the effort of UMAP's neighbour graph, and of the map
// sources that are not a layer, shared by recipes, sessions, the command line and its help.

#include <QString>
#include <QStringList>

#include <optional>

#include "core/analysis/named_values.h"
#include "core/analysis/projection.h"

namespace strata {

inline constexpr NamedValue<ProjectionMethod> kProjectionMethodNames[] = {
    {ProjectionMethod::Pca, "pca", "PCA"},
    {ProjectionMethod::Tsne, "tsne", "t-SNE", "t-sne"},
    {ProjectionMethod::Umap, "umap", "UMAP"},
};

// "pca", "tsne", "umap".
inline QString projectionMethodName(ProjectionMethod method) {
  return toName(kProjectionMethodNames, method);
}
inline std::optional<ProjectionMethod> projectionMethodFromName(
    const QString& name, NameMatch match = NameMatch::Exact) {
  return fromName(kProjectionMethodNames, name, match);
}
inline QStringList projectionMethodNames() {
  return namesList(kProjectionMethodNames);
}

// How hard a UMAP's neighbour graph is searched (KnnEffort). Recipes written before the choice
// existed have no such field, and their graphs were thorough.
inline constexpr NamedValue<KnnEffort> kKnnEffortNames[] = {
    {KnnEffort::Standard, "standard", "standard (pynndescent's recall, faster)"},
    {KnnEffort::Thorough, "thorough", "thorough (higher recall on hard data, slower)"},
};

inline QString knnEffortName(KnnEffort effort) {
  return toName(kKnnEffortNames, effort);
}
inline std::optional<KnnEffort> knnEffortFromName(const QString& name) {
  return fromName(kKnnEffortNames, name);
}
inline QStringList knnEffortNames() {
  return namesList(kKnnEffortNames);
}

// Map sources other than one layer (ProjectionRequest::kPixels, kAllLayers, kEmbedding). A
// layer is saved by its name in recipes (the model is known there) and by its index in
// sessions.
inline constexpr NamedValue<int> kProjectionSourceNames[] = {
    {ProjectionRequest::kPixels, "pixels", "the dataset's pixels"},
    {ProjectionRequest::kAllLayers, "all-layers", "the latents of all layers"},
    {ProjectionRequest::kEmbedding, "embedding", "the vectors of an embedding file"},
};

// "pixels", "all-layers", "embedding", or for a layer index its name in `layerNames` (empty if
// there is no such layer).
inline QString projectionSourceName(int source, const QStringList& layerNames = {}) {
  if (source >= 0) return layerNames.value(source);
  return toName(kProjectionSourceNames, source);
}

// The source a name stands for: one of the three above, or the index of a layer in
// `layerNames`.
inline std::optional<int> projectionSourceFromName(const QString& name,
                                                   const QStringList& layerNames = {}) {
  if (const auto special = fromName(kProjectionSourceNames, name)) return special;
  const qsizetype layer = layerNames.indexOf(name);
  if (layer >= 0) return int(layer);
  return std::nullopt;
}

}  // namespace strata
