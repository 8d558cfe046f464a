#include "core/data/image_folder.h"

#include <QBuffer>
#include <QDir>
#include <QImageReader>

#include <algorithm>

#include "core/base/errors.h"
#include "core/data/byte_source.h"
#include "core/data/data_limits.h"

namespace strata {
namespace {

// Wider images are not dataset items; Qt's readers refuse large ones on their own as well.
constexpr int kMaxImageSide = 16384;

std::string str(const QString& s) {
  return s.toStdString();
}

}  // namespace

QImage decodeImage(const QByteArray& bytes, const std::string& where) {
  QBuffer buffer;
  buffer.setData(bytes);
  buffer.open(QIODevice::ReadOnly);
  QImageReader reader(&buffer);
  // Only the formats the folder reader promises: Qt's other plugins (SVG, ICO, GIF, ...) stay
  // out of reach of a file that merely carries a .png name.
  const QByteArray format = reader.format();
  if (format != "png" && format != "jpeg") throw DataError(where, "is not a PNG or JPEG image");
  const QSize size = reader.size();
  if (size.isValid() && (size.width() > kMaxImageSide || size.height() > kMaxImageSide))
    throw DataError(where, QStringLiteral("is %1 x %2 pixels; images of up to %3 pixels a side "
                                          "are read")
                               .arg(size.width())
                               .arg(size.height())
                               .arg(kMaxImageSide)
                               .toStdString());
  QImage image = reader.read();
  if (image.isNull())
    throw DataError(where, "cannot decode the image (" + str(reader.errorString()) + ")");
  if (image.width() > kMaxImageSide || image.height() > kMaxImageSide)
    throw DataError(where, "is larger than " + std::to_string(kMaxImageSide) + " pixels a side");
  return image;
}

std::vector<uint8_t> itemPixels(const QImage& image, int channels) {
  const QImage converted =
      image.convertToFormat(channels == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
  const int64_t plane = int64_t(converted.height()) * converted.width();
  std::vector<uint8_t> pixels(size_t(plane * channels));
  for (int y = 0; y < converted.height(); ++y) {
    const uchar* row = converted.constScanLine(y);
    for (int x = 0; x < converted.width(); ++x)
      for (int c = 0; c < channels; ++c)
        pixels[size_t(c * plane + int64_t(y) * converted.width() + x)] = row[x * channels + c];
  }
  return pixels;
}

namespace {

std::shared_ptr<ArrayDataset> readImageFolder(const QString& path) {
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
  if (classes.size() > kMaxClasses)
    throw DataError(str(path), "has " + std::to_string(classes.size()) +
                                   " class folders; at most " + std::to_string(kMaxClasses) +
                                   " classes are supported");

  auto decodeFile = [](const QString& file) {
    FileSource source(file, kMaxImageFileBytes);
    QByteArray bytes(qsizetype(source.size()), Qt::Uninitialized);
    source.read(0, bytes.data(), source.size());
    return decodeImage(bytes, str(file));
  };
  const QImage first = decodeFile(files.front().first);
  const ItemShape shape{first.isGrayscale() ? 1 : 3, first.height(), first.width()};
  const uint64_t total = uint64_t(files.size()) * uint64_t(shape.pixelCount());
  if (total > kMaxArrayBytes)
    throw DataError(str(path), std::to_string(files.size()) + " images of " +
                                   std::to_string(shape.pixelCount()) + " values take " +
                                   byteText(total) + ", more than the " + byteText(kMaxArrayBytes) +
                                   " Strata holds for one dataset");
  std::vector<uint8_t> pixels = allocateBytes(total, str(path), "the images");
  std::vector<int> labels;
  size_t filled = 0;
  for (const auto& [file, label] : files) {
    const QImage image = file == files.front().first ? first : decodeFile(file);
    if (image.size() != first.size())
      throw DataError(str(file), QStringLiteral("size %1x%2 differs from the first image's %3x%4")
                                     .arg(image.width())
                                     .arg(image.height())
                                     .arg(first.width())
                                     .arg(first.height())
                                     .toStdString());
    const std::vector<uint8_t> item = itemPixels(image, shape.channels);
    std::copy(item.begin(), item.end(), pixels.begin() + int64_t(filled));
    filled += item.size();
    labels.push_back(label);
  }
  auto dataset = std::make_shared<ArrayDataset>(dir.dirName(), shape, std::move(pixels));
  if (!classes.isEmpty()) dataset->setLabels(std::move(labels), classes);
  return dataset;
}

}  // namespace

std::shared_ptr<ArrayDataset> loadImageFolder(const QString& path) {
  return withMemoryCheck(path, [&] { return readImageFolder(path); });
}

}  // namespace strata
