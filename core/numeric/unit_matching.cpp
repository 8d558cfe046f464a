#include "core/numeric/unit_matching.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace strata {
namespace {

// Columns centred and scaled to unit norm; a constant column stays zero.
std::vector<double> normalisedColumns(const std::vector<double>& m, int columns, int64_t items) {
  std::vector<double> out(m);
  for (int j = 0; j < columns; ++j) {
    double mean = 0;
    for (int64_t i = 0; i < items; ++i) mean += m[size_t(i * columns + j)];
    mean /= double(items);
    double norm = 0;
    for (int64_t i = 0; i < items; ++i) {
      double& v = out[size_t(i * columns + j)];
      v -= mean;
      norm += v * v;
    }
    norm = std::sqrt(norm);
    for (int64_t i = 0; i < items; ++i) {
      double& v = out[size_t(i * columns + j)];
      v = norm > 0 ? v / norm : 0.0;
    }
  }
  return out;
}

}  // namespace

std::vector<int> minimumCostAssignment(const std::vector<double>& cost, int rows, int columns) {
  if (rows > columns) throw std::invalid_argument("assignment needs rows <= columns");
  // Shortest augmenting paths with row and column potentials (Kuhn-Munkres, O(rows^2 columns)).
  // Arrays are 1-based; index 0 is a virtual column that starts each augmentation.
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(size_t(rows) + 1, 0.0), v(size_t(columns) + 1, 0.0);
  std::vector<int> rowOfColumn(size_t(columns) + 1, 0), way(size_t(columns) + 1, 0);
  for (int r = 1; r <= rows; ++r) {
    rowOfColumn[0] = r;
    int column = 0;
    std::vector<double> minSlack(size_t(columns) + 1, inf);
    std::vector<bool> used(size_t(columns) + 1, false);
    do {
      used[size_t(column)] = true;
      const int row = rowOfColumn[size_t(column)];
      double delta = inf;
      int next = 0;
      for (int c = 1; c <= columns; ++c) {
        if (used[size_t(c)]) continue;
        const double slack =
            cost[size_t(row - 1) * size_t(columns) + size_t(c - 1)] - u[size_t(row)] - v[size_t(c)];
        if (slack < minSlack[size_t(c)]) minSlack[size_t(c)] = slack, way[size_t(c)] = column;
        if (minSlack[size_t(c)] < delta) delta = minSlack[size_t(c)], next = c;
      }
      for (int c = 0; c <= columns; ++c) {
        if (used[size_t(c)]) {
          u[size_t(rowOfColumn[size_t(c)])] += delta;
          v[size_t(c)] -= delta;
        } else {
          minSlack[size_t(c)] -= delta;
        }
      }
      column = next;
    } while (rowOfColumn[size_t(column)] != 0);
    do {
      const int previous = way[size_t(column)];
      rowOfColumn[size_t(column)] = rowOfColumn[size_t(previous)];
      column = previous;
    } while (column != 0);
  }
  std::vector<int> columnOfRow(static_cast<size_t>(rows), -1);
  for (int c = 1; c <= columns; ++c)
    if (rowOfColumn[size_t(c)] > 0) columnOfRow[size_t(rowOfColumn[size_t(c)] - 1)] = c - 1;
  return columnOfRow;
}

UnitMatching matchUnits(const std::vector<double>& a, int unitsA, const std::vector<double>& b,
                        int unitsB, int64_t items) {
  if (int64_t(a.size()) != items * unitsA || int64_t(b.size()) != items * unitsB)
    throw std::invalid_argument("unit matching: code arrays do not match items x units");
  UnitMatching m;
  m.unitsA = unitsA;
  m.unitsB = unitsB;
  const std::vector<double> na = normalisedColumns(a, unitsA, items);
  const std::vector<double> nb = normalisedColumns(b, unitsB, items);
  m.correlation.assign(size_t(unitsA) * size_t(unitsB), 0.0);
  for (int64_t i = 0; i < items; ++i)
    for (int p = 0; p < unitsA; ++p) {
      const double x = na[size_t(i * unitsA + p)];
      if (x == 0) continue;
      for (int q = 0; q < unitsB; ++q)
        m.correlation[size_t(p) * size_t(unitsB) + size_t(q)] +=
            x * nb[size_t(i) * size_t(unitsB) + size_t(q)];
    }
  const bool transpose = unitsA > unitsB;
  const int rows = transpose ? unitsB : unitsA, columns = transpose ? unitsA : unitsB;
  std::vector<double> cost(size_t(rows) * size_t(columns));
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < columns; ++c)
      cost[size_t(r) * size_t(columns) + size_t(c)] =
          -std::abs(transpose ? m.at(c, r) : m.at(r, c));
  const std::vector<int> assigned = minimumCostAssignment(cost, rows, columns);
  for (int r = 0; r < rows; ++r)
    m.pairs.push_back(transpose ? std::pair{assigned[size_t(r)], r}
                                : std::pair{r, assigned[size_t(r)]});
  std::stable_sort(m.pairs.begin(), m.pairs.end(), [&](const auto& x, const auto& y) {
    return std::abs(m.at(x.first, x.second)) > std::abs(m.at(y.first, y.second));
  });
  return m;
}

}  // namespace strata
