#include "core/numeric/non_finite.h"

#include <cmath>

namespace strata {

std::optional<NonFiniteEntry> findNonFinite(const float* data, int64_t rows, int64_t columns) {
  const int64_t count = rows * columns;
  for (int64_t i = 0; i < count; ++i)
    if (!std::isfinite(data[i])) return NonFiniteEntry{i / columns, i % columns, data[i]};
  return std::nullopt;
}

std::string nonFiniteName(float value) {
  if (std::isnan(value)) return "NaN";
  return value > 0 ? "infinity" : "-infinity";
}

}  // namespace strata
