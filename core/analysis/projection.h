#pragma once
// Maps of a dataset: pixels or a model's latents (one layer or all), projected with PCA,
// t-SNE or UMAP. What the map view asks for, computed on a worker.

#include <QString>

#include <memory>
#include <vector>

#include "core/analysis/embedding_file.h"
#include "core/base/job.h"
#include "core/data/dataset.h"
#include "core/model/encoding.h"
#include "core/model/model.h"
#include "core/numeric/pca.h"
#include "core/numeric/tsne.h"
#include "core/numeric/umap.h"

namespace strata {

enum class ProjectionMethod { Pca, Tsne, Umap };
QString methodName(ProjectionMethod method);

struct ProjectionRequest {
  static constexpr int kPixels = -2;
  static constexpr int kAllLayers = -1;
  static constexpr int kEmbedding = -3;  // vectors read from a file (no model)
  int source = kPixels;                  // kPixels, kAllLayers, kEmbedding or a layer index
  bool samples = false;                  // posterior samples instead of means
  ProjectionMethod method = ProjectionMethod::Pca;
  TsneParameters tsne;
  UmapParameters umap;
  uint64_t seed = 0;
};

struct ProjectionResult {
  int dims = 2;                              // 3 for PCA (three components), else 2
  std::vector<float> coords;                 // [n, 3]; the third column is 0 for 2-D layouts
  std::vector<double> varianceRatio;         // PCA only
  QString description;                       // "t-SNE of z_top of <model>, perplexity 30, seed 0"
  std::shared_ptr<const Encoding> encoding;  // latents, KL, reconstruction error (latent maps)
  bool encodingFromCache = false;
  int source = ProjectionRequest::kPixels;
  // For PCA maps of latents: the exact linear map, so any latent can be placed and any spot
  // of the map decoded.
  std::shared_ptr<const PcaModel> latentPca;
};

// Latents of all layers (batch m) as rows of the map's source space: [m, encoding dims].
std::vector<float> sourceRows(const ModelInfo& info, int source, const Latents& z);

// Map positions [m, 2] of latent rows in the map's source space: exact for PCA maps of
// latents, else the mean position of the 5 nearest encoded items (t-SNE and UMAP have no
// out-of-sample map).
std::vector<float> placeOnMap(const ProjectionResult& map, const std::vector<float>& rows);

// The latents of all layers at a spot (x, y) of a PCA map of all layers (or of the only
// layer). A conditional model decodes it under the y of the nearest encoded item: the class
// q(y|x) predicted, or for a model without q(y|x) that item's label in `dataset` (the map's
// items). Throws std::invalid_argument for maps where that is not defined.
Latents latentsAtMapPoint(const ModelInfo& info, const ProjectionResult& map, double x, double y,
                          const Dataset* dataset = nullptr);

// Straight-line (or spherical, per layer) interpolation between two single latents, `steps`
// points from a to b inclusive.
Latents interpolate(const Latents& a, const Latents& b, int steps, bool spherical);

// Inputs with more than 50 dimensions are reduced to 50 with PCA before t-SNE and UMAP, as is
// usual; the description says so.
// `embedding` supplies the vectors for kEmbedding.
ProjectionResult computeProjection(const Dataset& dataset, const Model* model,
                                   const EncodingCache& cache, const ProjectionRequest& request,
                                   const JobControl& job = {},
                                   const std::shared_ptr<const Encoding>& embedding = nullptr);

// The map of a ready layout.
ProjectionResult coordinatesMap(const EmbeddingFile& file);

}  // namespace strata
