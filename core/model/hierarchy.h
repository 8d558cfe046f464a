#pragma once
// What each layer of a hierarchical model controls: layer-wise resampling, per-layer
// temperature and layer mixing. All images come back as [count, C, H, W] batches.

#include <cstdint>
#include <vector>

#include "core/data/dataset.h"
#include "core/model/model.h"

namespace strata {

struct LayerwiseResampling {
  int inputs = 0, levels = 0, samples = 0;  // levels = kept.size()
  std::vector<int> kept;                    // k of each level: layers kept from the top
  std::vector<float> originals;             // [inputs, C, H, W]
  std::vector<float> images;                // [inputs, levels, samples, C, H, W]
};

// For each input: keep the top k layers at the posterior means, draw the rest from the
// conditional prior (noise from `seed`), for each k of `levels` (empty: levelsShown(), which is
// 0 .. L for up to 8 layers) and `samples` draws each. With k = L the images are the
// reconstructions.
LayerwiseResampling layerwiseResampling(const Model& model, const Dataset& dataset,
                                        const std::vector<int64_t>& items, int samples,
                                        uint64_t seed, std::vector<int> levels = {});

// `count` prior samples with one temperature per layer; the noise depends only on `seed`,
// so changing a temperature changes nothing else.
std::vector<float> temperatureSamples(const Model& model, const std::vector<double>& temperatures,
                                      int count, uint64_t seed);

// Top s layers from item a and the rest from item b (both at posterior means), for each s of
// `splits` (empty: levelsShown()): [splits, C, H, W]; s = 0 reconstructs b, s = L reconstructs a.
std::vector<float> layerMixing(const Model& model, const Dataset& dataset, int64_t a, int64_t b,
                               std::vector<int> splits = {});

}  // namespace strata
