#pragma once
// Turning float CHW images in [0, 1] into QImages.

#include <QImage>
#include <QVector>

#include <cstdint>
#include <vector>

#include "core/data/dataset.h"

namespace strata {

// 1 channel gives Grayscale8, 3 channels RGB888; values are clamped to [0, 1].
QImage toQImage(const float* chw, const ItemShape& shape);
QImage datasetImage(const Dataset& dataset, int64_t index);
// Images `first` .. `first + count` of a batch [n, C, H, W] (clipped to the batch).
QVector<QImage> toQImages(const std::vector<float>& batch, const ItemShape& shape, size_t first = 0,
                          size_t count = SIZE_MAX);

}  // namespace strata
