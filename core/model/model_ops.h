#pragma once
// Common model computations built on the Model API (no LibTorch here).

#include <QString>

#include <optional>
#include <vector>

#include "core/data/dataset.h"
#include "core/model/model.h"

namespace strata {

// Analytic KL(q || p) of entry k of layer l (in nats): both Gaussians, given as the posterior's
// means and log-variances.
double unitKl(const Posterior& q, size_t layer, size_t k);

// Whether the encoder features (encoding, reconstructions, KL, bounds) apply: the model has
// the posterior and log_px methods and reads items of the dataset's shape.
bool canEncode(const ModelInfo& model, const Dataset& dataset);

// Why they do not, as a sentence for the user (the model's encoderUnavailableReason, or the
// two item shapes); nothing when they do.
std::optional<QString> whyCannotEncode(const ModelInfo& model, const Dataset& dataset);

// Throws DataError if the model cannot read this dataset's items.
void requireCompatible(const Model& model, const Dataset& dataset);

struct Reconstructions {
  std::vector<int64_t> indices;
  std::vector<float> inputs;           // [n, C, H, W]
  std::vector<float> reconstructions;  // [n, C, H, W], decoded from the posterior means
};

// `count` items spread evenly over the dataset, starting at `offset`.
std::vector<int64_t> spreadIndices(int64_t datasetSize, int count, int64_t offset = 0);

Reconstructions reconstruct(const Model& model, const Dataset& dataset,
                            const std::vector<int64_t>& indices);

// One row of q(y|x)'s logits read as a distribution: its most probable class and its entropy
// (nats), and, when `probabilities` is given, the softmax written there (k values).
struct ClassPosterior {
  int predicted = 0;
  double entropy = 0;
};
ClassPosterior classPosterior(const float* logits, int k, float* probabilities = nullptr);

// `count` images from the prior with noise from `seed`, every layer at `temperature`; a
// conditional model's under class `cls` (-1: the first class, the contract's default).
std::vector<float> samplePrior(const Model& model, int count, uint64_t seed, double temperature,
                               int cls = -1);

}  // namespace strata
