#include "core/analysis/projection.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include "core/analysis/map_input_checks.h"
#include "core/analysis/projection_names.h"
#include "core/model/item_conditions.h"
#include "core/model/model_ops.h"
#include "core/numeric/knn.h"
#include "core/numeric/pca.h"

namespace strata {
namespace {

constexpr int kFitRows = 20000;
constexpr int64_t kFitBytes = int64_t(512) << 20;
constexpr int kReducedDims = 50;
constexpr int64_t kChunk = 4096;
constexpr int64_t kChunkBytes = int64_t(64) << 20;

// PCA of the dataset's pixels: axes fitted on at most 20,000 items spread over the set (fewer
// for large images, so that they take at most 512 MB), every item projected in chunks
// (generated sets such as dSprites never sit in memory whole).
std::vector<float> pixelPca(const Dataset& dataset, int components, PcaModel& pca,
                            const JobControl& job) {
  const int64_t n = dataset.size();
  const ItemShape shape = dataset.itemShape();
  const int dims = int(shape.pixelCount());
  const int64_t rowBytes = int64_t(dims) * int64_t(sizeof(float));
  const int64_t fitRows = std::clamp<int64_t>(kFitBytes / rowBytes, 2, kFitRows);
  const std::vector<int64_t> rows = spreadIndices(n, int(std::min(n, fitRows)));
  std::vector<float> pixels(rows.size() * size_t(dims));
  for (size_t i = 0; i < rows.size(); ++i) {
    dataset.copyImage(rows[i], pixels.data() + i * size_t(dims));
    if (i % 4096 == 0) job.cancel.throwIfCancelled();
  }
  requireFinitePixels(shape, pixels.data(), rows);
  pca = fitPca(pixels.data(), int64_t(rows.size()), dims, std::min(components, dims),
               job.range(0.0, 0.5));
  std::vector<float> out(size_t(n) * size_t(pca.components));
  const int64_t chunk = std::clamp<int64_t>(kChunkBytes / rowBytes, 1, kChunk);
  pixels.resize(size_t(chunk) * size_t(dims));
  pixels.shrink_to_fit();
  for (int64_t first = 0; first < n; first += chunk) {
    job.cancel.throwIfCancelled();
    const int64_t count = std::min(chunk, n - first);
    dataset.copyBatch(first, count, pixels.data());
    requireFinitePixels(shape, pixels.data(), first, count);
    const std::vector<float> y = pca.transform(pixels.data(), count);
    std::copy(y.begin(), y.end(), out.begin() + first * pca.components);
    job.report(0.5 + 0.5 * double(first + count) / double(n));
  }
  return out;
}

std::vector<float> toThreeColumns(const std::vector<float>& y, int64_t n, int dims) {
  std::vector<float> out(size_t(n) * 3, 0.0f);
  for (int64_t i = 0; i < n; ++i)
    for (int c = 0; c < std::min(dims, 3); ++c) out[size_t(i * 3 + c)] = y[size_t(i * dims + c)];
  return out;
}

// The map of a PCA of the pixels (no layout method after it).
ProjectionResult pixelPcaMap(const Dataset& dataset, ProjectionResult r, const JobControl& job) {
  PcaModel pca;
  const std::vector<float> y = pixelPca(dataset, 3, pca, job);
  r.coords = toThreeColumns(y, dataset.size(), pca.components);
  r.dims = std::min(3, pca.components);
  r.varianceRatio = pca.explainedVarianceRatio;
  r.description = QStringLiteral("PCA of pixels");
  return r;
}

// Runs the request's method on `input` ([n, inputDims], described by `what`) into r.
void layOut(ProjectionResult& r, const ProjectionRequest& request, const float* input, int64_t n,
            int inputDims, const QString& what, const JobControl& rest) {
  switch (request.method) {
    case ProjectionMethod::Pca: {
      const PcaModel pca = fitPca(input, n, inputDims, std::min(3, inputDims), rest);
      r.coords = toThreeColumns(pca.transform(input, n), n, pca.components);
      r.dims = std::min(3, pca.components);
      r.varianceRatio = pca.explainedVarianceRatio;
      r.description = QStringLiteral("PCA of %1").arg(what);
      if (r.encoding && inputDims == r.encoding->dims)
        r.latentPca = std::make_shared<PcaModel>(pca);
      break;
    }
    case ProjectionMethod::Tsne: {
      TsneParameters p = request.tsne;
      p.seed = request.seed;
      r.coords = toThreeColumns(tsne(input, n, inputDims, p, rest), n, p.outputDims);
      r.dims = p.outputDims;
      r.description = QStringLiteral("%1t-SNE of %2, perplexity %3, seed %4")
                          .arg(p.outputDims == 3 ? QStringLiteral("3-D ") : QString())
                          .arg(what)
                          .arg(p.perplexity)
                          .arg(p.seed);
      break;
    }
    case ProjectionMethod::Umap: {
      UmapParameters p = request.umap;
      p.seed = request.seed;
      r.coords = toThreeColumns(umap(input, n, inputDims, p, rest), n, 2);
      r.description =
          QStringLiteral("UMAP of %1, %2 neighbours (%3 graph), min. distance %4, seed %5")
              .arg(what)
              .arg(p.neighbours)
              .arg(knnEffortName(p.graphEffort))
              .arg(p.minDistance)
              .arg(p.seed);
      break;
    }
  }
}

}  // namespace

QString methodName(ProjectionMethod method) {
  switch (method) {
    case ProjectionMethod::Pca:
      return QStringLiteral("PCA");
    case ProjectionMethod::Tsne:
      return QStringLiteral("t-SNE");
    case ProjectionMethod::Umap:
      return QStringLiteral("UMAP");
  }
  return {};
}

ProjectionResult computeProjection(const Dataset& dataset, const Model* model,
                                   const EncodingCache& cache, const ProjectionRequest& request,
                                   const JobControl& job,
                                   const std::shared_ptr<const Encoding>& embedding) {
  ProjectionResult r;
  r.source = request.source;
  const int64_t n = dataset.size();
  // What the method sees, [n, inputDims]: the encoding's latents themselves (never copied: they
  // can take gigabytes), or `reduced` when they were reduced first.
  const float* input = nullptr;
  std::vector<float> reduced;
  int inputDims = 0;
  QString what;
  const bool layout = request.method != ProjectionMethod::Pca;
  const double encodeEnd = request.source == ProjectionRequest::kPixels ? 0.0 : 0.4;
  // t-SNE and UMAP get at most 50 dimensions, as is usual.
  auto reduceForLayout = [&](double progressFrom) {
    if (!layout || inputDims <= kReducedDims) return;
    const PcaModel pca =
        fitPca(input, n, inputDims, kReducedDims, job.range(progressFrom, progressFrom + 0.05));
    reduced = pca.transform(input, n);
    input = reduced.data();
    inputDims = kReducedDims;
    what += QStringLiteral(" (PCA to %1 dimensions)").arg(kReducedDims);
  };

  if (request.source == ProjectionRequest::kEmbedding) {
    if (!embedding) throw std::invalid_argument("no embedding file is open");
    r.encoding = embedding;
    r.encodingFromCache = true;
    what = embedding->description;
    input = embedding->latents.data();
    inputDims = embedding->dims;
    reduceForLayout(0.0);
  } else if (request.source == ProjectionRequest::kPixels) {
    what = QStringLiteral("pixels");
    if (!layout) return pixelPcaMap(dataset, std::move(r), job);
    PcaModel pca;
    reduced = pixelPca(dataset, kReducedDims, pca, job.range(0.0, 0.3));
    input = reduced.data();
    inputDims = pca.components;
    what = QStringLiteral("pixels (PCA to %1 dimensions)").arg(inputDims);
  } else {
    if (!model) throw std::invalid_argument("a latent map needs a model");
    requireCompatible(*model, dataset);
    EncodingChoice choice{request.source, request.samples, request.seed};
    bool cached = false;
    auto encoding = std::make_shared<Encoding>(
        cache.get(*model, dataset, choice, job.range(0.0, encodeEnd), &cached));
    r.encoding = encoding;
    r.encodingFromCache = cached;
    what = encoding->description;
    input = encoding->latents.data();
    inputDims = encoding->dims;
    requireFiniteLatents(model->info(), request.source, input, n, inputDims);
    reduceForLayout(encodeEnd);
  }

  const JobControl rest = job.range(layout ? std::max(encodeEnd, 0.3) : encodeEnd, 1.0);
  layOut(r, request, input, n, inputDims, what, rest);
  return r;
}

ProjectionResult coordinatesMap(const EmbeddingFile& file) {
  ProjectionResult r;
  const Encoding& e = *file.vectors;
  r.source = ProjectionRequest::kEmbedding;
  r.dims = e.dims;
  r.coords.assign(size_t(e.items) * 3, 0.0f);
  for (int64_t i = 0; i < e.items; ++i)
    for (int c = 0; c < e.dims; ++c)
      r.coords[size_t(i * 3 + c)] = e.latents[size_t(i * e.dims + c)];
  r.description = QStringLiteral("coordinates from %1").arg(e.description);
  return r;
}

std::vector<float> sourceRows(const ModelInfo& info, int source, const Latents& z) {
  std::vector<float> rows;
  for (int64_t i = 0; i < z.batch; ++i)
    for (size_t l = 0; l < info.layers.size(); ++l) {
      if (source >= 0 && size_t(source) != l) continue;
      const size_t units = size_t(info.layers[l].size());
      rows.insert(rows.end(), z.layers[l].begin() + int64_t(size_t(i) * units),
                  z.layers[l].begin() + int64_t(size_t(i + 1) * units));
    }
  return rows;
}

std::vector<float> placeOnMap(const ProjectionResult& map, const std::vector<float>& rows) {
  if (!map.encoding) throw std::invalid_argument("only maps of latents can place latents");
  const size_t d = size_t(map.encoding->dims);
  const size_t m = rows.size() / d;
  std::vector<float> out(m * 2);
  if (map.latentPca) {
    const std::vector<float> y = map.latentPca->transform(rows.data(), int64_t(m));
    const int c = map.latentPca->components;
    for (size_t i = 0; i < m; ++i) {
      out[2 * i] = y[i * size_t(c)];
      out[2 * i + 1] = c > 1 ? y[i * size_t(c) + 1] : 0.0f;
    }
    return out;
  }
  constexpr int64_t kNeighbours = 5;
  const Encoding& e = *map.encoding;
  for (size_t i = 0; i < m; ++i) {
    const std::vector<Neighbour> near =
        nearestNeighbours(e.latents.data(), e.items, int(d), rows.data() + i * d, kNeighbours);
    const size_t k = near.size();
    for (const Neighbour& j : near) {
      out[2 * i] += map.coords[size_t(j.index) * 3] / float(k);
      out[2 * i + 1] += map.coords[size_t(j.index) * 3 + 1] / float(k);
    }
  }
  return out;
}

Latents latentsAtMapPoint(const ModelInfo& info, const ProjectionResult& map, double x, double y,
                          const Dataset* dataset) {
  if (!map.latentPca) throw std::invalid_argument("decoding a spot needs a PCA map of latents");
  if (map.source >= 0 && info.layers.size() > 1)
    throw std::invalid_argument(
        "decoding a spot needs the map of all layers (a single layer leaves the others undefined)");
  std::vector<float> coords(size_t(map.latentPca->components), 0.0f);
  coords[0] = float(x);
  if (coords.size() > 1) coords[1] = float(y);
  const std::vector<float> row = map.latentPca->inverseTransform(coords.data(), 1);
  if (int64_t(row.size()) != info.totalLatentSize())
    throw std::invalid_argument("the map was not made from this model's latents");
  Latents z{1, {}};
  // A conditional model decodes the spot under the y its nearest item was encoded under.
  const bool predicted = map.encoding && !map.encoding->predictedClass.empty();
  const bool labelled = dataset && encodesUnderLabels(info, *dataset);
  if ((predicted || labelled) && !map.coords.empty()) {
    size_t nearest = 0;
    double best = std::numeric_limits<double>::max();
    for (size_t i = 0; i * 3 < map.coords.size(); ++i) {
      const double dx = map.coords[i * 3] - x, dy = map.coords[i * 3 + 1] - y;
      if (dx * dx + dy * dy < best) best = dx * dx + dy * dy, nearest = i;
    }
    if (predicted) {
      z.condition = oneHotCondition(
          int(info.classes.size()),
          map.encoding->predictedClass[std::min(nearest, map.encoding->predictedClass.size() - 1)]);
    } else if (int64_t(nearest) < dataset->size()) {  // labelled
      const int64_t item = int64_t(nearest);
      z.condition = labelConditions(info, *dataset, &item, 1);
    }
  }
  // A model without q(y|x) encoded items without labels under uniform class probabilities.
  if (z.condition.empty() && info.conditional() && !info.hasClassifier)
    z.condition.assign(info.classes.size(), 1.0f / float(info.classes.size()));
  size_t offset = 0;
  for (const LayerInfo& l : info.layers) {
    z.layers.emplace_back(row.begin() + int64_t(offset),
                          row.begin() + int64_t(offset + size_t(l.size())));
    offset += size_t(l.size());
  }
  return z;
}

Latents interpolate(const Latents& a, const Latents& b, int steps, bool spherical) {
  Latents out{steps, std::vector<std::vector<float>>(a.layers.size())};
  for (size_t l = 0; l < a.layers.size(); ++l) {
    const std::vector<float>& u = a.layers[l];
    const std::vector<float>& v = b.layers[l];
    double nu = 0, nv = 0, dot = 0;
    for (size_t c = 0; c < u.size(); ++c)
      nu += double(u[c]) * u[c], nv += double(v[c]) * v[c], dot += double(u[c]) * v[c];
    const double omega =
        std::acos(std::clamp(dot / std::max(std::sqrt(nu * nv), 1e-12), -1.0, 1.0));
    for (int s = 0; s < steps; ++s) {
      const double t = steps > 1 ? double(s) / (steps - 1) : 0.0;
      double wa = 1 - t, wb = t;
      if (spherical && std::sin(omega) > 1e-6) {
        wa = std::sin((1 - t) * omega) / std::sin(omega);
        wb = std::sin(t * omega) / std::sin(omega);
      }
      for (size_t c = 0; c < u.size(); ++c) out.layers[l].push_back(float(wa * u[c] + wb * v[c]));
    }
  }
  // A conditional model's y (one row each end): shared when the ends agree, else blended
  // linearly as class probabilities, so each end decodes under its own class.
  if (a.condition == b.condition) {
    out.condition = a.condition;
  } else if (a.condition.size() == b.condition.size()) {
    for (int s = 0; s < steps; ++s) {
      const double t = steps > 1 ? double(s) / (steps - 1) : 0.0;
      for (size_t c = 0; c < a.condition.size(); ++c)
        out.condition.push_back(float((1 - t) * a.condition[c] + t * b.condition[c]));
    }
  }
  return out;
}

}  // namespace strata
