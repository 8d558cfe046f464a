#include "core/data/dataset.h"

#include <xxhash.h>

#include <algorithm>

namespace strata {

uint64_t hashBytes(const void* data, size_t size, uint64_t seed) {
  return XXH3_64bits_withSeed(data, size, seed);
}

uint64_t Dataset::contentFingerprint() const {
  const ItemShape shape = itemShape();
  const int64_t pixels = shape.pixelCount();
  uint64_t h = hashBytes(&shape, sizeof(shape), uint64_t(size()));
  std::vector<float> batch(size_t(pixels) * 256);
  for (int64_t first = 0; first < size(); first += 256) {
    const int64_t count = std::min<int64_t>(256, size() - first);
    copyBatch(first, count, batch.data());
    h = hashBytes(batch.data(), size_t(count * pixels) * sizeof(float), h);
  }
  return h;
}

std::vector<float> Dataset::image(int64_t index) const {
  std::vector<float> pixels(size_t(itemShape().pixelCount()));
  copyImage(index, pixels.data());
  return pixels;
}

void Dataset::copyBatch(int64_t first, int64_t count, float* out) const {
  const int64_t stride = itemShape().pixelCount();
  for (int64_t i = 0; i < count; ++i) copyImage(first + i, out + i * stride);
}

QString Dataset::labelName(int64_t index) const {
  if (!hasLabels()) return {};
  const int l = label(index);
  const QStringList names = classNames();
  if (l >= 0 && l < names.size()) return names[l];
  return QString::number(l);
}

}  // namespace strata
