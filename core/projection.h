#pragma once
// Maps of a dataset: pixels or a model's latents (one layer or all), projected with PCA,
// t-SNE or UMAP. What the map view asks for, computed on a worker.

#include <QString>

#include <memory>
#include <vector>

#include "core/dataset.h"
#include "core/encoding.h"
#include "core/job.h"
#include "core/model.h"
#include "core/tsne.h"
#include "core/umap.h"

namespace strata {

enum class ProjectionMethod { Pca, Tsne, Umap };
QString methodName(ProjectionMethod method);

struct ProjectionRequest {
  static constexpr int kPixels = -2;
  static constexpr int kAllLayers = -1;
  int source = kPixels;  // kPixels, kAllLayers or a layer index
  bool samples = false;  // posterior samples instead of means
  ProjectionMethod method = ProjectionMethod::Pca;
  TsneParameters tsne;
  UmapParameters umap;
  uint64_t seed = 0;
};

struct ProjectionResult {
  int dims = 2;                 // 3 for PCA (three components), else 2
  std::vector<float> coords;    // [n, 3]; the third column is 0 for 2-D layouts
  std::vector<double> varianceRatio;  // PCA only
  QString description;          // "t-SNE of z_top of <model>, perplexity 30, seed 0"
  std::shared_ptr<const Encoding> encoding;  // latents, KL, reconstruction error (latent maps)
  bool encodingFromCache = false;
};

// Inputs with more than 50 dimensions are reduced to 50 with PCA before t-SNE and UMAP, as is
// usual; the description says so.
ProjectionResult computeProjection(const Dataset& dataset, const Model* model,
                                   const EncodingCache& cache, const ProjectionRequest& request,
                                   const JobControl& job = {});

}  // namespace strata
