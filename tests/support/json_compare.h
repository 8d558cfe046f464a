#pragma once
// Comparing numbers with a reference's JSON output (the Python references under tools/).

#include <QJsonArray>

#include <algorithm>
#include <cmath>
#include <vector>

namespace strata::test {

// Largest absolute difference; infinite when the sizes differ.
inline double maxDiff(const std::vector<double>& a, const QJsonArray& b) {
  if (size_t(b.size()) != a.size()) return INFINITY;
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[int(i)].toDouble()));
  return m;
}

// A nested array (rows) as one flat array; plain values are kept.
inline QJsonArray flatten(const QJsonArray& nested) {
  QJsonArray flat;
  for (const auto& row : nested)
    if (row.isArray())
      for (const auto& v : row.toArray()) flat.append(v);
    else
      flat.append(row);
  return flat;
}

}  // namespace strata::test
