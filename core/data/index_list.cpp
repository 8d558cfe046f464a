#include "core/data/index_list.h"

#include <cmath>
#include <exception>
#include <string>

#include "core/base/errors.h"
#include "core/base/file_io.h"
#include "core/data/npy.h"

namespace strata {
namespace {

std::string shapeText(const std::vector<int64_t>& shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

std::vector<int64_t> parseIndexList(const QByteArray& bytes, const QString& where) {
  const std::string file = where.toStdString();
  NpyArray array;
  try {
    array = parseNpy(std::vector<uint8_t>(bytes.begin(), bytes.end()), file);
  } catch (const DataError&) {
    throw;
  } catch (const std::exception&) {
    // The header's numbers do not fit (a shape or word size beyond 64 bits).
    throw DataError(file, "not a readable .npy array (its header holds numbers out of range)");
  }
  if (array.shape.size() != 1)
    throw DataError(file,
                    "must be a one-dimensional array of item indices, not an array of shape " +
                        shapeText(array.shape));
  const int64_t count = array.shape[0];
  if (count == 0) throw DataError(file, "holds no item indices");
  if (array.bytes.size() / size_t(array.wordSize) != uint64_t(count))
    throw DataError(file, "is truncated: the header declares more indices than the file holds");
  const std::vector<double> values = array.toDouble();
  std::vector<int64_t> indices;
  indices.reserve(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    // Doubles hold every index below 2^53 exactly; no dataset comes near.
    if (!(v >= 0 && v < 9007199254740992.0) || v != std::floor(v))
      throw DataError(file, "index " + std::to_string(i) + " is " +
                                QString::number(v).toStdString() +
                                ", not an item index (a whole number from 0)");
    indices.push_back(int64_t(v));
  }
  return indices;
}

std::vector<int64_t> readIndexList(const QString& path) {
  return parseIndexList(readFileBounded(path, kMaxIndexFileBytes, QStringLiteral("index file")),
                        path);
}

}  // namespace strata
