#include "core/data/array_dataset.h"

#include <algorithm>
#include <stdexcept>

namespace strata {

ArrayDataset::ArrayDataset(QString name, ItemShape shape, std::vector<uint8_t> pixels,
                           float byteScale)
    : name_(std::move(name)), shape_(shape), bytes_(std::move(pixels)), byteScale_(byteScale) {
  if (shape_.pixelCount() <= 0) throw std::invalid_argument("empty item shape");
  size_ = int64_t(bytes_.size()) / shape_.pixelCount();
  fingerprint_ =
      hashBytes(bytes_.data(), bytes_.size(),
                hashBytes(&shape_, sizeof(shape_), hashBytes(&byteScale_, sizeof(float))));
}

ArrayDataset::ArrayDataset(QString name, ItemShape shape, std::vector<float> pixels)
    : name_(std::move(name)), shape_(shape), floats_(std::move(pixels)) {
  if (shape_.pixelCount() <= 0) throw std::invalid_argument("empty item shape");
  size_ = int64_t(floats_.size()) / shape_.pixelCount();
  fingerprint_ = hashBytes(floats_.data(), floats_.size() * sizeof(float),
                           hashBytes(&shape_, sizeof(shape_), 1));
}

void ArrayDataset::setLabels(std::vector<int> labels, QStringList classNames) {
  if (int64_t(labels.size()) != size_) throw std::invalid_argument("label count != item count");
  labels_ = std::move(labels);
  classNames_ = std::move(classNames);
}

void ArrayDataset::setFactors(std::vector<double> values, QStringList factorNames) {
  if (int64_t(values.size()) != size_ * factorNames.size())
    throw std::invalid_argument("factor table size != items x factors");
  factors_ = std::move(values);
  factorNames_ = std::move(factorNames);
}

void ArrayDataset::copyImage(int64_t index, float* out) const {
  const int64_t n = shape_.pixelCount();
  const size_t offset = size_t(index * n);
  if (!floats_.empty()) {
    std::copy_n(floats_.data() + offset, n, out);
    return;
  }
  const uint8_t* src = bytes_.data() + offset;
  for (int64_t i = 0; i < n; ++i) out[i] = float(src[i]) * byteScale_;
}

double ArrayDataset::factor(int64_t index, int f) const {
  return factors_[size_t(index * factorNames_.size() + f)];
}

}  // namespace strata
