#pragma once
// Common model computations built on the Model API (no LibTorch here).

#include <QString>

#include <vector>

#include "core/data/dataset.h"
#include "core/model/model.h"

namespace strata {

// Analytic KL(q || p) of entry k of layer l (in nats): both Gaussians, given as the posterior's
// means and log-variances.
double unitKl(const Posterior& q, size_t layer, size_t k);

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

// `count` images from the prior with noise from `seed`, every layer at `temperature`.
std::vector<float> samplePrior(const Model& model, int count, uint64_t seed, double temperature);

}  // namespace strata
