#pragma once
// A collection of images with optional labels and ground-truth factors.

#include <QString>
#include <QStringList>

#include <cstdint>
#include <memory>
#include <vector>

namespace strata {

struct ItemShape {
  int channels = 1;
  int height = 0;
  int width = 0;
  int64_t pixelCount() const { return int64_t(channels) * height * width; }
  bool operator==(const ItemShape& o) const {
    return channels == o.channels && height == o.height && width == o.width;
  }
};

class Dataset {
 public:
  virtual ~Dataset() = default;

  // A short human name, e.g. "Fashion-MNIST (test)".
  virtual QString name() const = 0;
  virtual int64_t size() const = 0;
  virtual ItemShape itemShape() const = 0;

  // Writes item `index` as floats in [0, 1], CHW order, pixelCount() values.
  virtual void copyImage(int64_t index, float* out) const = 0;

  virtual bool hasLabels() const { return false; }
  virtual int label(int64_t index) const { return -1; }
  virtual QStringList classNames() const { return {}; }

  virtual QStringList factorNames() const { return {}; }
  // Value of ground-truth factor `factor` for item `index`.
  virtual double factor(int64_t index, int factor) const { return 0.0; }

  // Changes whenever any image changes (labels and factors do not count): what encodings are
  // cached under. This default hashes every image; datasets override it with something cheaper.
  virtual uint64_t contentFingerprint() const;

  std::vector<float> image(int64_t index) const;
  // Copies items [first, first + count) contiguously into `out`.
  void copyBatch(int64_t first, int64_t count, float* out) const;
  QString labelName(int64_t index) const;
};

using DatasetPtr = std::shared_ptr<const Dataset>;

// A fast 64-bit hash of `size` bytes: XXH3 (libxxhash), whose output is specified and the same
// in every process, on every machine and in every version of the library. On-disk cache keys
// are built from it, so it must never depend on a per-process seed (Qt's qHashBits does).
// Detects changes; not cryptographic.
uint64_t hashBytes(const void* data, size_t size, uint64_t seed = 0);

}  // namespace strata
