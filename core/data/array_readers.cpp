#include "core/data/array_readers.h"

#include <QFileInfo>

#include <algorithm>
#include <climits>
#include <cmath>

#include "core/base/errors.h"
#include "core/data/byte_source.h"
#include "core/data/data_limits.h"

namespace strata {
namespace {

std::string str(const QString& s) {
  return s.toStdString();
}

std::string whereOf(const NpyArray& array, const char* fallback) {
  return array.where.empty() ? fallback : array.where;
}

NpyArray* findArray(std::map<std::string, NpyArray>& arrays,
                    std::initializer_list<const char*> names) {
  for (const char* n : names) {
    auto it = arrays.find(n);
    if (it != arrays.end()) return &it->second;
  }
  return nullptr;
}

struct ImageLayout {
  ItemShape shape;
  int64_t items = 0;
  bool channelsLast = false;
};

ImageLayout imageLayout(const NpyArray& images, const std::string& where) {
  const auto& s = images.shape;
  ImageLayout l;
  if (s.size() == 3) {
    l.shape = {1, int(std::min<int64_t>(s[1], INT_MAX)), int(std::min<int64_t>(s[2], INT_MAX))};
  } else if (s.size() == 4 && (s[1] == 1 || s[1] == 3)) {
    l.shape = {int(s[1]), int(std::min<int64_t>(s[2], INT_MAX)),
               int(std::min<int64_t>(s[3], INT_MAX))};
  } else if (s.size() == 4 && (s[3] == 1 || s[3] == 3)) {
    l.shape = {int(s[3]), int(std::min<int64_t>(s[1], INT_MAX)),
               int(std::min<int64_t>(s[2], INT_MAX))};
    l.channelsLast = true;
  } else {
    throw DataError(where,
                    "images must be [N, H, W], [N, C, H, W] or [N, H, W, C] with C = 1 or 3");
  }
  if (s[0] < 1 || l.shape.height < 1 || l.shape.width < 1 || l.shape.height == INT_MAX ||
      l.shape.width == INT_MAX)
    throw DataError(where,
                    "images of shape (" + std::to_string(s[0]) + ", ...) must hold at " +
                        "least one item of at least 1 x 1 pixels and fewer than 2^31 a side");
  l.items = s[0];
  return l;
}

// Calls f(source element, CHW destination) for every element, in source order.
template <class F>
void forEachPixel(const ImageLayout& l, F f) {
  const int64_t pixels = l.shape.pixelCount();
  if (!l.channelsLast) {
    for (int64_t e = 0, n = l.items * pixels; e < n; ++e) f(e, e);
    return;
  }
  const int64_t plane = int64_t(l.shape.height) * l.shape.width;
  int64_t e = 0;
  for (int64_t i = 0; i < l.items; ++i)
    for (int64_t p = 0; p < plane; ++p)
      for (int c = 0; c < l.shape.channels; ++c) f(e++, i * pixels + c * plane + p);
}

void checkFloatPixels(const NpyArray& images, const ImageLayout& l, const PixelRange& range,
                      const std::string& where) {
  const int64_t pixels = l.shape.pixelCount();
  const std::string declared =
      "[" + std::to_string(range.low) + ", " + std::to_string(range.high) + "]";
  double lo = range.low, hi = range.low;
  for (int64_t e = 0, n = l.items * pixels; e < n; ++e) {
    const double v = images.valueAt(e);
    if (!std::isfinite(v))
      throw DataError(where, "image " + std::to_string(e / pixels) + " contains " +
                                 images.textAt(e) + "; images must hold finite values in " +
                                 (range.declared ? declared : std::string("[0, 1]")));
    lo = std::min(lo, v), hi = std::max(hi, v);
  }
  if (lo < range.low || hi > range.high) {
    const std::string found = "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    if (range.declared)
      throw DataError(where, "float images lie in " + found + ", outside the declared " +
                                 "pixel_range " + declared);
    throw DataError(where, "float images must lie in [0, 1]; found values in " + found +
                               " (images stored in another range, such as [-1, 1], can say so "
                               "with an array pixel_range = [low, high] in the .npz, or be "
                               "opened as range=-1,1:FILE)");
  }
}

// The first element of an integer array that is neither 0 nor 1, or -1.
int64_t firstNonBinary(const NpyArray& images) {
  const int64_t n = images.count();
  for (int64_t e = 0; e < n; ++e) {
    const double v = images.valueAt(e);
    if (v != 0.0 && v != 1.0) return e;
  }
  return -1;
}

// One byte per pixel in CHW order: uint8 arrays in that order are taken over, not copied.
std::vector<uint8_t> chwBytes(NpyArray& images, const ImageLayout& l, const std::string& where) {
  if (images.wordSize == 1 && !l.channelsLast) return std::move(images.bytes);
  const int64_t n = l.items * l.shape.pixelCount();
  std::vector<uint8_t> out = allocateBytes(uint64_t(n), where, "the images");
  forEachPixel(l,
               [&](int64_t from, int64_t to) { out[size_t(to)] = uint8_t(images.valueAt(from)); });
  return out;
}

// (value - offset) * scale, in CHW order.
std::vector<float> chwFloats(const NpyArray& images, const ImageLayout& l, double scale,
                             const std::string& where, double offset = 0) {
  const int64_t n = l.items * l.shape.pixelCount();
  if (uint64_t(n) > kMaxArrayBytes / sizeof(float))
    throw DataError(where, "the images as floats would take " + byteText(uint64_t(n) * 4) +
                               ", more than the " + byteText(kMaxArrayBytes) +
                               " Strata holds for one array");
  std::vector<float> out(static_cast<size_t>(n));
  forEachPixel(l, [&](int64_t from, int64_t to) {
    out[size_t(to)] = float((images.valueAt(from) - offset) * scale);
  });
  return out;
}

}  // namespace

std::shared_ptr<ArrayDataset> datasetFromImageArray(NpyArray images, const QString& path,
                                                    const QString& name, const PixelRange& range) {
  const std::string where = images.where.empty() ? str(path) : images.where;
  const ImageLayout l = imageLayout(images, where);
  if (images.kind == 'f') {
    checkFloatPixels(images, l, range, where);
    // Mapped once, here: everything after holds [0, 1] data.
    return std::make_shared<ArrayDataset>(
        name, l.shape, chwFloats(images, l, 1.0 / (range.high - range.low), where, range.low));
  }
  if (range.declared)
    throw DataError(where, "a pixel_range is declared, but the images are " + images.typeName() +
                               ", not floats (integer images have fixed ranges)");
  const int64_t bad = firstNonBinary(images);
  if (bad < 0)  // binary images: 0 and 1 are shown as black and white
    return std::make_shared<ArrayDataset>(name, l.shape, chwBytes(images, l, where), 1.0f);
  if (images.kind == 'u' && images.wordSize == 1)
    return std::make_shared<ArrayDataset>(name, l.shape, chwBytes(images, l, where));
  if (images.kind == 'u' && images.wordSize == 2)
    return std::make_shared<ArrayDataset>(name, l.shape, chwFloats(images, l, 1.0 / 65535, where));
  throw DataError(where, "images of type " + images.typeName() + " are not supported (image " +
                             std::to_string(bad / l.shape.pixelCount()) + " holds " +
                             images.textAt(bad) +
                             "): store uint8 (0 to 255), uint16 (0 to 65535) or floats in [0, 1]");
}

PixelRange pixelRangeOf(const NpyArray& array) {
  const std::string where = whereOf(array, "pixel_range");
  if (array.count() != 2 || array.shape.size() != 1)
    throw DataError(where, "pixel_range must hold two numbers [low, high]");
  const double low = array.valueAt(0), high = array.valueAt(1);
  if (!std::isfinite(low) || !std::isfinite(high) || !(low < high) || !std::isfinite(high - low))
    throw DataError(where, "pixel_range must be finite with low < high; found [" + array.textAt(0) +
                               ", " + array.textAt(1) + "]");
  return {low, high, true};
}

void setArrayLabels(ArrayDataset& dataset, const NpyArray& labels, const char* items) {
  const std::string where = whereOf(labels, "labels");
  const int64_t n = dataset.size();
  if (labels.count() != n)
    throw DataError(where, "labels do not match " + std::string(items) + ": " +
                               std::to_string(labels.count()) + " labels for " + std::to_string(n) +
                               " " + items);
  std::vector<int> values(static_cast<size_t>(n));
  int top = 0;
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = 0;
    if (!labels.integerAt(i, v) || v < 0 || v >= kMaxClasses)
      throw DataError(where, "item " + std::to_string(i) + " has label " + labels.textAt(i) +
                                 "; labels must be whole numbers from 0 to " +
                                 std::to_string(kMaxClasses - 1) + " (at most " +
                                 std::to_string(kMaxClasses) + " classes)");
    values[size_t(i)] = int(v);
    top = std::max(top, int(v));
  }
  QStringList names;
  for (int c = 0; c <= top; ++c) names << QString::number(c);
  dataset.setLabels(std::move(values), names);
}

void setArrayFactors(ArrayDataset& dataset, const NpyArray& factors) {
  const std::string where = whereOf(factors, "factors");
  const int64_t n = dataset.size();
  if (factors.shape.size() != 2 || factors.shape[0] != n || factors.shape[1] < 1 ||
      factors.shape[1] > kMaxFactors)
    throw DataError(where, "factors must be [N, F] with N = " + std::to_string(n) +
                               " items and 1 to " + std::to_string(kMaxFactors) + " factors");
  const int count = int(factors.shape[1]);
  std::vector<double> values = factors.toDouble();
  for (size_t e = 0; e < values.size(); ++e)
    if (!std::isfinite(values[e]))
      throw DataError(where, "factor " + std::to_string(e % size_t(count)) + " of item " +
                                 std::to_string(e / size_t(count)) + " is " +
                                 factors.textAt(int64_t(e)) + "; factors must be finite");
  QStringList names;
  if (count == 5)
    names = {"shape", "scale", "orientation", "pos_x", "pos_y"};
  else
    for (int f = 0; f < count; ++f) names << QStringLiteral("factor %1").arg(f);
  dataset.setFactors(std::move(values), names);
}

std::shared_ptr<ArrayDataset> datasetFromArrays(std::map<std::string, NpyArray> arrays,
                                                const QString& path, const PixelRange& given) {
  const QString name = QFileInfo(path).fileName();
  NpyArray* images = findArray(arrays, {"imgs", "images", "x"});
  if (!images) throw DataError(str(path), "no image array (expected a key imgs, images or x)");
  PixelRange range = given;
  if (const NpyArray* declared = findArray(arrays, {"pixel_range"})) {
    range = pixelRangeOf(*declared);
    if (given.declared && (given.low != range.low || given.high != range.high))
      throw DataError(
          whereOf(*declared, "pixel_range"),
          "the file declares pixel_range [" + declared->textAt(0) + ", " + declared->textAt(1) +
              "], but it was opened with range=" + QString::number(given.low).toStdString() + "," +
              QString::number(given.high).toStdString());
  }
  auto dataset = datasetFromImageArray(std::move(*images), path, name, range);
  if (const NpyArray* labels = findArray(arrays, {"labels", "y"}))
    setArrayLabels(*dataset, *labels, "images");
  if (const NpyArray* factors = findArray(arrays, {"latents_values", "factors"}))
    setArrayFactors(*dataset, *factors);
  return dataset;
}

std::shared_ptr<ArrayDataset> loadArrayDataset(const QString& path, const PixelRange& given) {
  return withMemoryCheck(path, [&] {
    if (path.endsWith(".npy", Qt::CaseInsensitive))
      return datasetFromImageArray(readNpy(path), path, QFileInfo(path).fileName(), given);
    return datasetFromArrays(readNpz(path), path, given);
  });
}

}  // namespace strata
