#include "core/data/idx_reader.h"

#include <QFileInfo>

#include <algorithm>

#include "core/base/errors.h"
#include "core/data/byte_source.h"
#include "core/data/data_limits.h"

namespace strata {
namespace {

constexpr int kUnsignedByte = 0x08;

std::string str(const QString& s) {
  return s.toStdString();
}

int64_t bigEndian32(const uint8_t* p) {
  return (int64_t(p[0]) << 24) | (int64_t(p[1]) << 16) | (int64_t(p[2]) << 8) | int64_t(p[3]);
}

IdxArray readIdx(ByteStream& in) {
  const std::string& where = in.where();
  uint8_t head[4 + 4 * 4];
  if (in.read(head, 4) < 4) throw DataError(where, "truncated: too short for an IDX header");
  if (head[0] != 0 || head[1] != 0) throw DataError(where, "wrong magic number: not an IDX file");
  if (head[2] != kUnsignedByte)
    throw DataError(where, "unsupported IDX element type " + std::to_string(head[2]) +
                               " (only unsigned bytes, type 8, are supported)");
  const int rank = head[3];
  if (rank < 1 || rank > 4)
    throw DataError(where, "wrong magic number: " + std::to_string(rank) + " dimensions");
  const uint64_t headerSize = 4 + 4 * uint64_t(rank);
  if (in.read(head + 4, headerSize - 4) < headerSize - 4)
    throw DataError(where, "truncated: incomplete header");

  IdxArray array;
  uint64_t expected = 1;
  bool overflow = false;
  std::string shape;
  for (int i = 0; i < rank; ++i) {
    const int64_t d = bigEndian32(head + 4 + 4 * ptrdiff_t(i));
    // Dimensions become ints (image sides, item counts).
    if (d <= 0 || d > INT32_MAX)
      throw DataError(where, "dimension " + std::to_string(i) + " is " + std::to_string(d));
    array.dims.push_back(d);
    overflow = overflow || __builtin_mul_overflow(expected, uint64_t(d), &expected);
    shape += (i ? " x " : "") + std::to_string(d);
  }
  if (overflow || expected > kMaxArrayBytes)
    throw DataError(where, "the header declares " + shape + " bytes, more than the " +
                               byteText(kMaxArrayBytes) + " Strata reads for one array");
  const std::string declared =
      "the header declares " + shape + " = " + std::to_string(expected) + " bytes";
  // Check what the header declares against what the file can hold before allocating it.
  const uint64_t available = in.maxSize() > headerSize ? in.maxSize() - headerSize : 0;
  if (in.sizeIsExact() && available < expected)
    throw DataError(
        where, "truncated: " + declared + " but only " + std::to_string(available) + " follow");
  if (in.sizeIsExact() && available > expected)
    throw DataError(
        where, "sizes disagree: " + declared + " but " + std::to_string(available) + " follow");
  if (available < expected)
    throw DataError(where, declared + ", more than its compressed data can hold");
  array.data = allocateBytes(expected, where, "the IDX data");
  const uint64_t got = in.read(array.data.data(), expected);
  if (got < expected)
    throw DataError(where,
                    "truncated: " + declared + " but only " + std::to_string(got) + " follow");
  if (in.hasMore()) throw DataError(where, "sizes disagree: " + declared + " but more follow");
  return array;
}

// gzip-compressed or raw, told apart by the gzip magic number (raw IDX starts with 0 0).
IdxArray readIdx(ByteSource& source) {
  uint8_t magic[2] = {0, 0};
  if (source.size() >= 2) source.read(0, magic, 2);
  if (magic[0] == 0x1f && magic[1] == 0x8b) {
    InflateStream in(source, 0, source.size(), InflateStream::Format::Gzip,
                     InflateStream::kUndeclared, source.where());
    return readIdx(in);
  }
  StoredStream in(source, 0, source.size(), source.where());
  return readIdx(in);
}

}  // namespace

IdxArray readIdx(const QString& path) {
  return withMemoryCheck(path, [&] {
    FileSource file(path, kMaxArrayBytes + 4 + 4 * 4ULL);
    return readIdx(file);
  });
}

IdxArray parseIdx(const uint8_t* data, size_t size, const std::string& where) {
  MemorySource source(data, size, where);
  return readIdx(source);
}

std::shared_ptr<ArrayDataset> idxImageDataset(IdxArray images, const std::string& where,
                                              const QString& name) {
  const auto& d = images.dims;
  ItemShape shape;
  if (d.size() == 3) {
    shape = {1, int(d[1]), int(d[2])};
  } else if (d.size() == 4) {
    shape = {int(d[1]), int(d[2]), int(d[3])};
  } else {
    throw DataError(where,
                    "expected images of 3 or 4 dimensions, found " + std::to_string(d.size()));
  }
  return std::make_shared<ArrayDataset>(name, shape, std::move(images.data));
}

void setIdxLabels(ArrayDataset& dataset, const IdxArray& labels, const std::string& where,
                  const QStringList& classNames) {
  if (labels.dims.size() != 1)
    throw DataError(where,
                    "labels must have 1 dimension, found " + std::to_string(labels.dims.size()));
  if (labels.dims[0] != dataset.size())
    throw DataError(where, "labels do not match images: " + std::to_string(labels.dims[0]) +
                               " labels for " + std::to_string(dataset.size()) + " images");
  std::vector<int> values(labels.data.begin(), labels.data.end());
  QStringList names = classNames;
  for (size_t i = 0; i < values.size(); ++i)
    if (!classNames.isEmpty() && values[i] >= classNames.size())
      throw DataError(where, "item " + std::to_string(i) + " has label " +
                                 std::to_string(values[i]) + ", outside the " +
                                 std::to_string(classNames.size()) + " known classes");
  const int top = values.empty() ? 0 : *std::max_element(values.begin(), values.end());
  for (int c = int(names.size()); c <= top; ++c) names << QString::number(c);
  dataset.setLabels(std::move(values), names);
}

std::shared_ptr<ArrayDataset> loadIdxDataset(const QString& imagesPath, const QString& labelsPath,
                                             const QString& name, const QStringList& classNames) {
  auto dataset = withMemoryCheck(
      imagesPath, [&] { return idxImageDataset(readIdx(imagesPath), str(imagesPath), name); });
  if (!labelsPath.isEmpty())
    setIdxLabels(*dataset, readIdx(labelsPath), str(labelsPath), classNames);
  return dataset;
}

QString companionLabelsPath(const QString& imagesPath) {
  QString candidate = imagesPath;
  candidate.replace("images-idx3", "labels-idx1").replace("images.idx3", "labels.idx1");
  if (candidate == imagesPath) return {};
  return QFileInfo(candidate).isFile() ? candidate : QString();
}

}  // namespace strata
