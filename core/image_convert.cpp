#include "core/image_convert.h"

#include <algorithm>
#include <cmath>

namespace strata {

static uchar toByte(float v) {
  if (!std::isfinite(v)) return 0;
  return uchar(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f));
}

QImage toQImage(const float* chw, const ItemShape& shape) {
  const int h = shape.height, w = shape.width;
  const int64_t plane = int64_t(h) * w;
  if (shape.channels == 3) {
    QImage image(w, h, QImage::Format_RGB888);
    for (int y = 0; y < h; ++y) {
      uchar* row = image.scanLine(y);
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < 3; ++c) row[3 * size_t(x) + size_t(c)] = toByte(chw[c * plane + int64_t(y) * w + x]);
    }
    return image;
  }
  QImage image(w, h, QImage::Format_Grayscale8);
  for (int y = 0; y < h; ++y) {
    uchar* row = image.scanLine(y);
    for (int x = 0; x < w; ++x) row[x] = toByte(chw[y * w + x]);
  }
  return image;
}

QImage datasetImage(const Dataset& dataset, int64_t index) {
  const std::vector<float> pixels = dataset.image(index);
  return toQImage(pixels.data(), dataset.itemShape());
}

}  // namespace strata
