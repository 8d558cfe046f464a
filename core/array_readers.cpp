#include "core/array_readers.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QImage>

#include <cmath>

#include "core/errors.h"
#include "core/npy.h"

namespace strata {
namespace {

std::string str(const QString& s) {
  return s.toStdString();
}

const NpyArray* findArray(const std::map<std::string, NpyArray>& arrays,
                          std::initializer_list<const char*> names) {
  for (const char* n : names) {
    auto it = arrays.find(n);
    if (it != arrays.end()) return &it->second;
  }
  return nullptr;
}

}  // namespace

std::shared_ptr<ArrayDataset> datasetFromImageArray(const NpyArray& images, const QString& path,
                                                    const QString& name) {
  const auto& s = images.shape;
  ItemShape shape;
  bool channelsLast = false;
  if (s.size() == 3) {
    shape = {1, int(s[1]), int(s[2])};
  } else if (s.size() == 4 && (s[1] == 1 || s[1] == 3)) {
    shape = {int(s[1]), int(s[2]), int(s[3])};
  } else if (s.size() == 4 && (s[3] == 1 || s[3] == 3)) {
    shape = {int(s[3]), int(s[1]), int(s[2])};
    channelsLast = true;
  } else {
    throw DataError(str(path),
                    "images must be [N, H, W], [N, C, H, W] or [N, H, W, C] with C = 1 or 3");
  }
  const int64_t n = s[0], pixels = shape.pixelCount();
  std::vector<float> values = images.toFloat();
  float lo = 0, hi = 0;
  for (float v : values) {
    if (!std::isfinite(v)) throw DataError(str(path), "images contain NaN or infinite values");
    lo = std::min(lo, v), hi = std::max(hi, v);
  }
  if (images.kind != 'f' && hi > 1.0f) {
    for (float& v : values) v /= 255.0f;
  } else if (lo < 0.0f || hi > 1.0f) {
    throw DataError(str(path), "float images must lie in [0, 1]; found values in [" +
                                   std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  if (channelsLast) {
    std::vector<float> chw(values.size());
    const int64_t plane = int64_t(shape.height) * shape.width;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t p = 0; p < plane; ++p)
        for (int c = 0; c < shape.channels; ++c)
          chw[size_t(i * pixels + c * plane + p)] =
              values[size_t(i * pixels + p * shape.channels + c)];
    values.swap(chw);
  }
  return std::make_shared<ArrayDataset>(name, shape, std::move(values));
}

std::shared_ptr<ArrayDataset> loadArrayDataset(const QString& path) {
  const QString name = QFileInfo(path).fileName();
  if (path.endsWith(".npy", Qt::CaseInsensitive))
    return datasetFromImageArray(readNpy(path), path, name);

  const auto arrays = readNpz(path);
  const NpyArray* images = findArray(arrays, {"imgs", "images", "x"});
  if (!images) throw DataError(str(path), "no image array (expected a key imgs, images or x)");
  auto dataset = datasetFromImageArray(*images, path, name);
  const int64_t n = dataset->size();
  if (const NpyArray* labels = findArray(arrays, {"labels", "y"})) {
    if (labels->count() != n)
      throw DataError(str(path), "labels do not match images: " + std::to_string(labels->count()) +
                                     " labels for " + std::to_string(n) + " images");
    const std::vector<int64_t> raw = labels->toInt();
    std::vector<int> values(raw.begin(), raw.end());
    int maxLabel = 0;
    for (int v : values) {
      if (v < 0) throw DataError(str(path), "negative label " + std::to_string(v));
      maxLabel = std::max(maxLabel, v);
    }
    QStringList names;
    for (int c = 0; c <= maxLabel; ++c) names << QString::number(c);
    dataset->setLabels(std::move(values), names);
  }
  if (const NpyArray* factors = findArray(arrays, {"latents_values", "factors"})) {
    if (factors->shape.size() != 2 || factors->shape[0] != n)
      throw DataError(str(path), "factors must be [N, F] with N = number of images");
    const int count = int(factors->shape[1]);
    QStringList names;
    if (count == 5)
      names = {"shape", "scale", "orientation", "pos_x", "pos_y"};
    else
      for (int f = 0; f < count; ++f) names << QStringLiteral("factor %1").arg(f);
    dataset->setFactors(factors->toDouble(), names);
  }
  return dataset;
}

std::shared_ptr<ArrayDataset> loadImageFolder(const QString& path) {
  const QDir dir(path);
  if (!dir.exists()) throw DataError(str(path), "no such folder");
  const QStringList filters = {"*.png", "*.PNG", "*.jpg", "*.jpeg", "*.JPG", "*.JPEG"};
  QStringList classes = dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
  std::vector<std::pair<QString, int>> files;
  if (classes.isEmpty()) {
    for (const QString& f : dir.entryList(filters, QDir::Files, QDir::Name))
      files.push_back({dir.filePath(f), -1});
  } else {
    for (int c = 0; c < classes.size(); ++c) {
      const QDir sub(dir.filePath(classes[c]));
      for (const QString& f : sub.entryList(filters, QDir::Files, QDir::Name))
        files.push_back({sub.filePath(f), c});
    }
  }
  if (files.empty()) throw DataError(str(path), "no PNG or JPEG images found");

  QImage first(files.front().first);
  if (first.isNull()) throw DataError(str(files.front().first), "cannot decode the image");
  const bool grey = first.isGrayscale();
  const ItemShape shape{grey ? 1 : 3, first.height(), first.width()};
  std::vector<uint8_t> pixels;
  pixels.reserve(files.size() * size_t(shape.pixelCount()));
  std::vector<int> labels;
  for (const auto& [file, label] : files) {
    QImage image(file);
    if (image.isNull()) throw DataError(str(file), "cannot decode the image");
    if (image.size() != first.size())
      throw DataError(str(file), QStringLiteral("size %1x%2 differs from the first image's %3x%4")
                                     .arg(image.width())
                                     .arg(image.height())
                                     .arg(first.width())
                                     .arg(first.height())
                                     .toStdString());
    image = image.convertToFormat(grey ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
    const int64_t plane = int64_t(shape.height) * shape.width;
    const size_t base = pixels.size();
    pixels.resize(base + size_t(shape.pixelCount()));
    for (int y = 0; y < shape.height; ++y) {
      const uchar* row = image.constScanLine(y);
      for (int x = 0; x < shape.width; ++x)
        for (int c = 0; c < shape.channels; ++c)
          pixels[base + size_t(c * plane + int64_t(y) * shape.width + x)] =
              row[x * shape.channels + c];
    }
    labels.push_back(label);
  }
  auto dataset = std::make_shared<ArrayDataset>(dir.dirName(), shape, std::move(pixels));
  if (!classes.isEmpty()) dataset->setLabels(std::move(labels), classes);
  return dataset;
}

}  // namespace strata
