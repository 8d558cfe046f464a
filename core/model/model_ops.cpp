#include "core/model/model_ops.h"

#include <cmath>

#include "core/base/errors.h"
#include "core/model/item_conditions.h"

namespace strata {

double unitKl(const Posterior& q, size_t layer, size_t k) {
  const double qm = q.qMean.layers[layer][k], qlv = q.qLogVar.layers[layer][k];
  const double pm = q.pMean.layers[layer][k], plv = q.pLogVar.layers[layer][k];
  return 0.5 * (plv - qlv + (std::exp(qlv) + (qm - pm) * (qm - pm)) * std::exp(-plv) - 1.0);
}

bool canEncode(const ModelInfo& model, const Dataset& dataset) {
  return model.hasEncoder && model.input == dataset.itemShape();
}

std::optional<QString> whyCannotEncode(const ModelInfo& model, const Dataset& dataset) {
  if (!model.hasEncoder) return model.encoderUnavailableReason;
  const ItemShape d = dataset.itemShape();
  if (model.input == d) return std::nullopt;
  return QStringLiteral("%1 has items of %2 x %3 x %4; the model expects %5 x %6 x %7.")
      .arg(dataset.name())
      .arg(d.channels)
      .arg(d.height)
      .arg(d.width)
      .arg(model.input.channels)
      .arg(model.input.height)
      .arg(model.input.width);
}

void requireCompatible(const Model& model, const Dataset& dataset) {
  const ItemShape m = model.info().input, d = dataset.itemShape();
  if (!(m == d))
    throw DataError(dataset.name().toStdString(),
                    QStringLiteral("items are %1 x %2 x %3 but the model %4 expects %5 x %6 x %7")
                        .arg(d.channels)
                        .arg(d.height)
                        .arg(d.width)
                        .arg(model.info().name)
                        .arg(m.channels)
                        .arg(m.height)
                        .arg(m.width)
                        .toStdString());
}

std::vector<int64_t> spreadIndices(int64_t datasetSize, int count, int64_t offset) {
  std::vector<int64_t> out;
  if (datasetSize <= 0) return out;
  for (int i = 0; i < count; ++i)
    out.push_back((offset + int64_t(i) * datasetSize / count) % datasetSize);
  return out;
}

Reconstructions reconstruct(const Model& model, const Dataset& dataset,
                            const std::vector<int64_t>& indices) {
  requireCompatible(model, dataset);
  Reconstructions r;
  r.indices = indices;
  const int64_t pixels = dataset.itemShape().pixelCount();
  r.inputs.resize(indices.size() * size_t(pixels));
  for (size_t i = 0; i < indices.size(); ++i)
    dataset.copyImage(indices[i], r.inputs.data() + i * size_t(pixels));
  const Posterior q =
      posteriorOfItems(model, dataset, indices.data(), indices.size(), r.inputs.data(), nullptr);
  r.reconstructions = model.decode(q.z);
  return r;
}

ClassPosterior classPosterior(const float* logits, int k, float* probabilities) {
  ClassPosterior out;
  out.predicted = int(std::max_element(logits, logits + k) - logits);
  const double top = logits[out.predicted];
  double sum = 0;
  for (int c = 0; c < k; ++c) sum += std::exp(double(logits[c]) - top);
  for (int c = 0; c < k; ++c) {
    const double logP = double(logits[c]) - top - std::log(sum);
    out.entropy -= std::exp(logP) * logP;
    if (probabilities) probabilities[c] = float(std::exp(logP));
  }
  return out;
}

std::vector<float> samplePrior(const Model& model, int count, uint64_t seed, double temperature,
                               int cls) {
  Latents eps = model.noise(count, 0, seed);
  if (cls >= 0) eps.condition = oneHotCondition(int(model.info().classes.size()), cls);
  const std::vector<double> temps(model.info().layers.size(), temperature);
  return model.decode(model.priorSample({count, {}}, eps, temps));
}

}  // namespace strata
