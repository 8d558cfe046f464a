#pragma once
// Pairs the latent units of two models by how their posterior means co-vary over the same
// items: Pearson correlations, then a one-to-one assignment maximising the summed absolute
// correlation (Hungarian algorithm). See docs/metrics.md.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace strata {

struct UnitMatching {
  int unitsA = 0, unitsB = 0;
  std::vector<double> correlation;  // [unitsA, unitsB]
  // Matched pairs, min(unitsA, unitsB) of them, ordered by decreasing |correlation|.
  std::vector<std::pair<int, int>> pairs;
  double at(int a, int b) const {
    return correlation[static_cast<size_t>(a) * static_cast<size_t>(unitsB) +
                       static_cast<size_t>(b)];
  }
};

// a: [items, unitsA], b: [items, unitsB], row-major.
UnitMatching matchUnits(const std::vector<double>& a, int unitsA, const std::vector<double>& b,
                        int unitsB, int64_t items);

// Minimum-cost assignment of every row to a distinct column (rows <= columns), cost
// [rows, columns] row-major. Returns the column of each row.
std::vector<int> minimumCostAssignment(const std::vector<double>& cost, int rows, int columns);

}  // namespace strata
