#include "core/projection.h"

#include <stdexcept>

#include "core/model_ops.h"
#include "core/pca.h"

namespace strata {
namespace {

constexpr int kFitRows = 20000;
constexpr int kReducedDims = 50;
constexpr int64_t kChunk = 4096;

// Sub-range of a job's progress.
JobControl part(const JobControl& job, double from, double to) {
  return {job.cancel, [&job, from, to](double f) { job.report(from + (to - from) * f); }};
}

// PCA of the dataset's pixels: axes fitted on at most 20,000 items spread over the set, every
// item projected in chunks (generated sets such as dSprites never sit in memory whole).
std::vector<float> pixelPca(const Dataset& dataset, int components, PcaModel& pca, const JobControl& job) {
  const int64_t n = dataset.size();
  const int dims = int(dataset.itemShape().pixelCount());
  const std::vector<int64_t> rows = spreadIndices(n, int(std::min<int64_t>(n, kFitRows)));
  std::vector<float> pixels(rows.size() * size_t(dims));
  for (size_t i = 0; i < rows.size(); ++i) {
    dataset.copyImage(rows[i], pixels.data() + i * size_t(dims));
    if (i % 4096 == 0) job.cancel.throwIfCancelled();
  }
  pca = fitPca(pixels.data(), int64_t(rows.size()), dims, std::min(components, dims), part(job, 0.0, 0.5));
  std::vector<float> out(size_t(n) * size_t(pca.components));
  pixels.resize(size_t(kChunk) * size_t(dims));
  for (int64_t first = 0; first < n; first += kChunk) {
    job.cancel.throwIfCancelled();
    const int64_t count = std::min(kChunk, n - first);
    dataset.copyBatch(first, count, pixels.data());
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

}  // namespace

QString methodName(ProjectionMethod method) {
  switch (method) {
    case ProjectionMethod::Pca: return QStringLiteral("PCA");
    case ProjectionMethod::Tsne: return QStringLiteral("t-SNE");
    case ProjectionMethod::Umap: return QStringLiteral("UMAP");
  }
  return {};
}

ProjectionResult computeProjection(const Dataset& dataset, const Model* model,
                                   const EncodingCache& cache, const ProjectionRequest& request,
                                   const JobControl& job) {
  ProjectionResult r;
  const int64_t n = dataset.size();
  std::vector<float> input;  // what the method sees, [n, inputDims]
  int inputDims = 0;
  QString what;
  const bool layout = request.method != ProjectionMethod::Pca;
  const double encodeEnd = request.source == ProjectionRequest::kPixels ? 0.0 : 0.4;

  if (request.source == ProjectionRequest::kPixels) {
    what = QStringLiteral("pixels");
    if (!layout) {
      PcaModel pca;
      const std::vector<float> y = pixelPca(dataset, 3, pca, job);
      r.coords = toThreeColumns(y, n, pca.components);
      r.dims = std::min(3, pca.components);
      r.varianceRatio = pca.explainedVarianceRatio;
      r.description = QStringLiteral("PCA of pixels");
      return r;
    }
    PcaModel pca;
    input = pixelPca(dataset, kReducedDims, pca, part(job, 0.0, 0.3));
    inputDims = pca.components;
    what = QStringLiteral("pixels (PCA to %1 dimensions)").arg(inputDims);
  } else {
    if (!model) throw std::invalid_argument("a latent map needs a model");
    requireCompatible(*model, dataset);
    EncodingChoice choice{request.source, request.samples, request.seed};
    bool cached = false;
    auto encoding = std::make_shared<Encoding>(cache.get(*model, dataset, choice, part(job, 0.0, encodeEnd), &cached));
    r.encoding = encoding;
    r.encodingFromCache = cached;
    what = encoding->description;
    input = encoding->latents;
    inputDims = encoding->dims;
    if (layout && inputDims > kReducedDims) {
      const PcaModel pca = fitPca(input.data(), n, inputDims, kReducedDims, part(job, encodeEnd, encodeEnd + 0.05));
      input = pca.transform(input.data(), n);
      inputDims = kReducedDims;
      what += QStringLiteral(" (PCA to %1 dimensions)").arg(kReducedDims);
    }
  }

  const JobControl rest = part(job, layout ? std::max(encodeEnd, 0.3) : encodeEnd, 1.0);
  switch (request.method) {
    case ProjectionMethod::Pca: {
      const PcaModel pca = fitPca(input.data(), n, inputDims, std::min(3, inputDims), rest);
      r.coords = toThreeColumns(pca.transform(input.data(), n), n, pca.components);
      r.dims = std::min(3, pca.components);
      r.varianceRatio = pca.explainedVarianceRatio;
      r.description = QStringLiteral("PCA of %1").arg(what);
      break;
    }
    case ProjectionMethod::Tsne: {
      TsneParameters p = request.tsne;
      p.seed = request.seed;
      r.coords = toThreeColumns(tsne(input.data(), n, inputDims, p, rest), n, 2);
      r.description = QStringLiteral("t-SNE of %1, perplexity %2, seed %3").arg(what).arg(p.perplexity).arg(p.seed);
      break;
    }
    case ProjectionMethod::Umap: {
      UmapParameters p = request.umap;
      p.seed = request.seed;
      r.coords = toThreeColumns(umap(input.data(), n, inputDims, p, rest), n, 2);
      r.description = QStringLiteral("UMAP of %1, %2 neighbours, min. distance %3, seed %4")
                          .arg(what).arg(p.neighbours).arg(p.minDistance).arg(p.seed);
      break;
    }
  }
  return r;
}

}  // namespace strata
