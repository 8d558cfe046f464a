#include "core/analysis/code_correlations.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "core/model/traversal.h"
#include "core/numeric/representation_scores.h"

namespace strata {
namespace {

// The columns `units` of `codes`.
CodeMatrix columns(const CodeMatrix& codes, const std::vector<int>& units) {
  CodeMatrix out{codes.items, int(units.size()), {}};
  out.values.reserve(size_t(codes.items) * units.size());
  for (int64_t i = 0; i < codes.items; ++i)
    for (int j : units) out.values.push_back(codes.at(i, j));
  return out;
}

UnitMatching square(const CodeMatrix& codes) {
  UnitMatching m;
  m.unitsA = m.unitsB = codes.dims;
  m.correlation = correlationMatrix(codes);
  return m;
}

double meanAbsOffDiagonal(const UnitMatching& m) {
  double sum = 0;
  int64_t count = 0;
  for (int a = 0; a < m.unitsA; ++a)
    for (int b = 0; b < m.unitsB; ++b)
      if (a != b && std::isfinite(m.at(a, b))) sum += std::abs(m.at(a, b)), ++count;
  return count ? sum / double(count) : NAN;
}

}  // namespace

CodeCorrelations codeCorrelations(const PosteriorCodes& codes, const ModelInfo& info) {
  const CodeMatrix& means = codes.means;
  if (means.dims != info.totalLatentSize() || codes.samples.dims != means.dims ||
      codes.samples.items != means.items)
    throw std::invalid_argument("code correlations: the codes are not those of the model");
  if (means.items < 2) throw std::invalid_argument("code correlations: fewer than two items");
  CodeCorrelations c;
  c.totalUnits = means.dims;
  c.items = means.items;
  std::vector<double> variance(size_t(means.dims), 0.0);
  for (int j = 0; j < means.dims; ++j) {
    double mean = 0;
    for (int64_t i = 0; i < means.items; ++i) mean += means.at(i, j);
    mean /= double(means.items);
    for (int64_t i = 0; i < means.items; ++i)
      variance[size_t(j)] += (means.at(i, j) - mean) * (means.at(i, j) - mean);
  }
  std::vector<int> order(size_t(means.dims));
  std::iota(order.begin(), order.end(), 0);
  // Ties (collapsed units, all near 0) keep the units' own order.
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return variance[size_t(a)] > variance[size_t(b)]; });
  order.resize(size_t(std::min(means.dims, CodeCorrelations::kMaxUnits)));
  c.units = order;
  for (int j : c.units) {
    const auto [layer, unit] = unitOfCode(info, -1, j);
    c.labels << unitLabel(info, layer, unit);
  }
  c.means = square(columns(means, c.units));
  c.samples = square(columns(codes.samples, c.units));
  c.meanAbsMeans = meanAbsOffDiagonal(c.means);
  c.meanAbsSamples = meanAbsOffDiagonal(c.samples);
  return c;
}

}  // namespace strata
