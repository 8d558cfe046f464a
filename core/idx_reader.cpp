#include "core/idx_reader.h"

#include <QFile>
#include <QFileInfo>

#include <zlib.h>

#include "core/errors.h"

namespace strata {
namespace {

constexpr int kUnsignedByte = 0x08;

std::string str(const QString& s) {
  return s.toStdString();
}

// Reads the whole file, decompressing if it is gzip (zlib passes raw files through).
std::vector<uint8_t> readAll(const QString& path) {
  if (!QFileInfo(path).isFile()) throw DataError(str(path), "no such file");
  gzFile file = gzopen(QFile::encodeName(path).constData(), "rb");
  if (!file) throw DataError(str(path), "cannot open the file");
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> chunk(1 << 20);
  for (;;) {
    const int got = gzread(file, chunk.data(), unsigned(chunk.size()));
    if (got < 0) {
      int code = 0;
      const std::string why = gzerror(file, &code);
      gzclose(file);
      throw DataError(str(path), "corrupt compressed data (" + why + ")");
    }
    if (got == 0) break;
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + got);
  }
  // A gzip stream cut short reads as a clean end of file in zlib; gzclose reports it.
  const int closed = gzclose(file);
  if (closed == Z_BUF_ERROR) throw DataError(str(path), "truncated compressed data");
  if (closed != Z_OK) throw DataError(str(path), "error while reading the file");
  return bytes;
}

int64_t bigEndian32(const uint8_t* p) {
  return (int64_t(p[0]) << 24) | (int64_t(p[1]) << 16) | (int64_t(p[2]) << 8) | int64_t(p[3]);
}

}  // namespace

IdxArray readIdx(const QString& path) {
  std::vector<uint8_t> bytes = readAll(path);
  if (bytes.size() < 4) throw DataError(str(path), "truncated: too short for an IDX header");
  if (bytes[0] != 0 || bytes[1] != 0)
    throw DataError(str(path), "wrong magic number: not an IDX file");
  if (bytes[2] != kUnsignedByte)
    throw DataError(str(path), "unsupported IDX element type " + std::to_string(bytes[2]) +
                                   " (only unsigned bytes, type 8, are supported)");
  const int rank = bytes[3];
  if (rank < 1 || rank > 4)
    throw DataError(str(path), "wrong magic number: " + std::to_string(rank) + " dimensions");
  const size_t headerSize = 4 + 4 * size_t(rank);
  if (bytes.size() < headerSize) throw DataError(str(path), "truncated: incomplete header");

  IdxArray array;
  int64_t expected = 1;
  std::string shape;
  for (int i = 0; i < rank; ++i) {
    const int64_t d = bigEndian32(bytes.data() + 4 + 4 * size_t(i));
    if (d <= 0 || d > (int64_t(1) << 31))
      throw DataError(str(path), "dimension " + std::to_string(i) + " is " + std::to_string(d));
    array.dims.push_back(d);
    expected *= d;
    shape += (i ? " x " : "") + std::to_string(d);
  }
  const int64_t actual = int64_t(bytes.size() - headerSize);
  if (actual < expected)
    throw DataError(str(path), "truncated: the header declares " + shape + " = " +
                                   std::to_string(expected) + " bytes but only " +
                                   std::to_string(actual) + " follow");
  if (actual > expected)
    throw DataError(str(path), "sizes disagree: the header declares " + shape + " = " +
                                   std::to_string(expected) + " bytes but " +
                                   std::to_string(actual) + " follow");
  array.data.assign(bytes.begin() + int64_t(headerSize), bytes.end());
  return array;
}

std::shared_ptr<ArrayDataset> loadIdxDataset(const QString& imagesPath, const QString& labelsPath,
                                             const QString& name, const QStringList& classNames) {
  IdxArray images = readIdx(imagesPath);
  ItemShape shape;
  if (images.dims.size() == 3) {
    shape = {1, int(images.dims[1]), int(images.dims[2])};
  } else if (images.dims.size() == 4) {
    shape = {int(images.dims[1]), int(images.dims[2]), int(images.dims[3])};
  } else {
    throw DataError(str(imagesPath), "expected images of 3 or 4 dimensions, found " +
                                         std::to_string(images.dims.size()));
  }
  const int64_t count = images.dims[0];
  auto dataset = std::make_shared<ArrayDataset>(name, shape, std::move(images.data));
  if (labelsPath.isEmpty()) return dataset;

  IdxArray labels = readIdx(labelsPath);
  if (labels.dims.size() != 1)
    throw DataError(str(labelsPath),
                    "labels must have 1 dimension, found " + std::to_string(labels.dims.size()));
  if (labels.dims[0] != count)
    throw DataError(str(labelsPath),
                    "labels do not match images: " + std::to_string(labels.dims[0]) +
                        " labels for " + std::to_string(count) + " images in " + str(imagesPath));
  std::vector<int> values(labels.data.begin(), labels.data.end());
  int maxLabel = 0;
  for (int v : values) maxLabel = std::max(maxLabel, v);
  QStringList names = classNames;
  if (!names.isEmpty() && maxLabel >= names.size())
    throw DataError(str(labelsPath), "label " + std::to_string(maxLabel) + " is outside the " +
                                         std::to_string(names.size()) + " known classes");
  for (int c = int(names.size()); c <= maxLabel; ++c) names << QString::number(c);
  dataset->setLabels(std::move(values), names);
  return dataset;
}

QString companionLabelsPath(const QString& imagesPath) {
  QString candidate = imagesPath;
  candidate.replace("images-idx3", "labels-idx1").replace("images.idx3", "labels.idx1");
  if (candidate == imagesPath) return {};
  return QFileInfo(candidate).isFile() ? candidate : QString();
}

}  // namespace strata
