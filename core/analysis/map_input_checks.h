#pragma once
// Checks that a map's input holds no NaN or infinite value, with messages in the user's terms
// (item, layer, unit, pixel) rather than a solver's failure later on.

#include <cstdint>
#include <vector>

#include "core/data/dataset.h"
#include "core/model/model.h"

namespace strata {

// Latents of `layer` (-1: all layers, top first), [items, dims]. Throws Error such as
// "the latents of layer z1 contain NaN for item 17 (unit z1[3])".
void requireFiniteLatents(const ModelInfo& info, int layer, const float* latents, int64_t items,
                          int dims);

// Pixels of the dataset items `items` (one row each). Throws Error such as
// "the pixels of item 17 contain NaN (channel 0, row 3, column 5)".
void requireFinitePixels(const ItemShape& shape, const float* pixels,
                         const std::vector<int64_t>& items);
// The same for the consecutive items first, first + 1, ..., first + count - 1.
void requireFinitePixels(const ItemShape& shape, const float* pixels, int64_t first, int64_t count);

}  // namespace strata
