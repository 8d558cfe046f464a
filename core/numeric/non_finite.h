#pragma once
// Finding NaN and infinite values in row-major float matrices, so that computations that
// would fail on them (an eigen solver, a layout) can say which input is wrong first.

#include <cstdint>
#include <optional>
#include <string>

#include "core/base/errors.h"

namespace strata {

struct NonFiniteEntry {
  int64_t row = 0;
  int64_t column = 0;
  float value = 0;
};

// The first NaN or infinite entry in row order of [rows, columns], if any.
std::optional<NonFiniteEntry> findNonFinite(const float* data, int64_t rows, int64_t columns);

// "NaN", "infinity" or "-infinity".
std::string nonFiniteName(float value);

// Raised by computations on data that holds a NaN or infinite value; callers that know what
// the rows and columns are (items, units) rethrow it with their names.
class NonFiniteInput : public Error {
 public:
  NonFiniteInput(const std::string& what, const NonFiniteEntry& entry)
      : Error(what + " contains " + nonFiniteName(entry.value) + " in row " +
              std::to_string(entry.row) + ", column " + std::to_string(entry.column)),
        entry_(entry) {}
  const NonFiniteEntry& entry() const { return entry_; }

 private:
  NonFiniteEntry entry_;
};

}  // namespace strata
