#include "core/analysis/map_input_checks.h"

#include "core/base/errors.h"
#include "core/model/encoding.h"
#include "core/numeric/non_finite.h"

namespace strata {
namespace {

QString layerOfColumn(const ModelInfo& info, int layer, int64_t column) {
  if (layer >= 0) return info.layers[size_t(layer)].name;
  for (const LayerInfo& l : info.layers) {
    if (column < l.size()) return l.name;
    column -= l.size();
  }
  return QStringLiteral("?");
}

[[noreturn]] void throwPixelError(const ItemShape& shape, int64_t item, const NonFiniteEntry& e) {
  const int64_t plane = int64_t(shape.height) * shape.width;
  const int64_t channel = e.column / plane, row = e.column % plane / shape.width,
                column = e.column % shape.width;
  throw Error("the pixels of item " + std::to_string(item) + " contain " + nonFiniteName(e.value) +
              " (channel " + std::to_string(channel) + ", row " + std::to_string(row) +
              ", column " + std::to_string(column) + ")");
}

}  // namespace

void requireFiniteLatents(const ModelInfo& info, int layer, const float* latents, int64_t items,
                          int dims) {
  const auto bad = findNonFinite(latents, items, dims);
  if (!bad) return;
  throw Error(QStringLiteral("the latents of layer %1 contain %2 for item %3 (unit %4)")
                  .arg(layerOfColumn(info, layer, bad->column),
                       QString::fromStdString(nonFiniteName(bad->value)))
                  .arg(bad->row)
                  .arg(encodedUnitLabel(info, layer, int(bad->column)))
                  .toStdString());
}

void requireFinitePixels(const ItemShape& shape, const float* pixels,
                         const std::vector<int64_t>& items) {
  if (const auto bad = findNonFinite(pixels, int64_t(items.size()), shape.pixelCount()))
    throwPixelError(shape, items[size_t(bad->row)], *bad);
}

void requireFinitePixels(const ItemShape& shape, const float* pixels, int64_t first,
                         int64_t count) {
  if (const auto bad = findNonFinite(pixels, count, shape.pixelCount()))
    throwPixelError(shape, first + bad->row, *bad);
}

}  // namespace strata
