#include "core/dataset.h"

namespace strata {

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
