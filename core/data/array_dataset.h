#pragma once
// A dataset held in memory: 8-bit or float pixels, optional labels and factors.

#include "core/data/dataset.h"

namespace strata {

class ArrayDataset : public Dataset {
 public:
  // 8-bit pixels; value v is shown as v * byteScale (1/255 for photographs, 1 for binary).
  ArrayDataset(QString name, ItemShape shape, std::vector<uint8_t> pixels,
               float byteScale = 1.0f / 255.0f);
  // Float pixels, already in [0, 1].
  ArrayDataset(QString name, ItemShape shape, std::vector<float> pixels);

  void setLabels(std::vector<int> labels, QStringList classNames);
  // Row-major [size, factorNames.size()].
  void setFactors(std::vector<double> values, QStringList factorNames);

  QString name() const override { return name_; }
  uint64_t contentFingerprint() const override { return fingerprint_; }
  int64_t size() const override { return size_; }
  ItemShape itemShape() const override { return shape_; }
  void copyImage(int64_t index, float* out) const override;
  bool hasLabels() const override { return !labels_.empty(); }
  int label(int64_t index) const override { return labels_[size_t(index)]; }
  QStringList classNames() const override { return classNames_; }
  QStringList factorNames() const override { return factorNames_; }
  double factor(int64_t index, int f) const override;

 private:
  QString name_;
  ItemShape shape_;
  int64_t size_ = 0;
  std::vector<uint8_t> bytes_;
  std::vector<float> floats_;
  float byteScale_ = 1.0f;
  uint64_t fingerprint_ = 0;  // of shape, scale and pixels, taken once: the pixels never change
  std::vector<int> labels_;
  QStringList classNames_;
  std::vector<double> factors_;
  QStringList factorNames_;
};

}  // namespace strata
