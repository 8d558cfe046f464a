#include "core/data/image_convert.h"

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
        for (int c = 0; c < 3; ++c)
          row[3 * size_t(x) + size_t(c)] = toByte(chw[c * plane + int64_t(y) * w + x]);
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

QVector<QImage> toQImages(const std::vector<float>& batch, const ItemShape& shape, size_t first,
                          size_t count) {
  QVector<QImage> images;
  const size_t pixels = size_t(shape.pixelCount());
  const size_t total = pixels ? batch.size() / pixels : 0;
  if (first >= total) return images;
  const size_t end = count >= total - first ? total : first + count;
  for (size_t i = first; i < end; ++i) images << toQImage(batch.data() + i * pixels, shape);
  return images;
}

QImage datasetImage(const Dataset& dataset, int64_t index) {
  const std::vector<float> pixels = dataset.image(index);
  return toQImage(pixels.data(), dataset.itemShape());
}

}  // namespace strata
