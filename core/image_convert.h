#pragma once
// Turning float CHW images in [0, 1] into QImages.

#include <QImage>

#include "core/dataset.h"

namespace strata {

// 1 channel gives Grayscale8, 3 channels RGB888; values are clamped to [0, 1].
QImage toQImage(const float* chw, const ItemShape& shape);
QImage datasetImage(const Dataset& dataset, int64_t index);

}  // namespace strata
