#include "core/dataset.h"

#include <algorithm>
#include <cstring>

namespace strata {

namespace {

constexpr uint64_t kPrime1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kPrime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kPrime3 = 0x165667B19E3779F9ULL;

uint64_t rotateLeft(uint64_t x, int bits) {
  return (x << bits) | (x >> (64 - bits));
}

uint64_t mixRound(uint64_t accumulator, uint64_t input) {
  return rotateLeft(accumulator + input * kPrime2, 31) * kPrime1;
}

}  // namespace

uint64_t hashBytes(const void* data, size_t size, uint64_t seed) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  uint64_t lanes[4] = {seed + kPrime1 + kPrime2, seed + kPrime2, seed, seed - kPrime1};
  size_t i = 0;
  for (; i + 32 <= size; i += 32) {
    for (int l = 0; l < 4; ++l) {
      uint64_t word;
      std::memcpy(&word, bytes + i + 8 * size_t(l), sizeof(word));
      lanes[l] = mixRound(lanes[l], word);
    }
  }
  uint64_t h = rotateLeft(lanes[0], 1) + rotateLeft(lanes[1], 7) + rotateLeft(lanes[2], 12) +
               rotateLeft(lanes[3], 18) + uint64_t(size);
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes + i, sizeof(word));
    h = rotateLeft(h ^ mixRound(0, word), 27) * kPrime1 + kPrime3;
  }
  for (; i < size; ++i) h = rotateLeft(h ^ (bytes[i] * kPrime1), 11) * kPrime2;
  h ^= h >> 33;
  h *= kPrime2;
  h ^= h >> 29;
  h *= kPrime3;
  return h ^ (h >> 32);
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
