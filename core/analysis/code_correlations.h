#pragma once
// Correlation matrices of a model's mean codes and of its sampled codes over the same items,
// side by side (Bonheme & Grzes, "Be More Active!"): passive units look uncorrelated in the
// samples, whose noise they are, while their means can be strongly correlated. See
// docs/metrics.md, "Correlations of mean and sampled codes".

#include <QStringList>

#include <vector>

#include "core/analysis/representation_rows.h"
#include "core/model/model.h"
#include "core/numeric/unit_matching.h"

namespace strata {

struct CodeCorrelations {
  // A matrix stays readable up to about this many units a side; larger models show the units
  // whose posterior means vary most over the items.
  static constexpr int kMaxUnits = 64;
  int totalUnits = 0;
  int64_t items = 0;
  std::vector<int> units;  // code indices shown (every layer, top first), by falling Var E[z]
  QStringList labels;      // of the shown units: "z_mid[3]"
  // [shown, shown] Pearson r of the mean codes and of the sampled codes, NaN for a constant
  // unit; in UnitMatching's layout (no pairs), which the matrix view draws.
  UnitMatching means, samples;
  // Mean |r| over the off-diagonal pairs of the shown units (NaN pairs left out).
  double meanAbsMeans = 0, meanAbsSamples = 0;
};

// Throws std::invalid_argument when the codes are not those of `info`'s units or have fewer
// than two items.
CodeCorrelations codeCorrelations(const PosteriorCodes& codes, const ModelInfo& info);

}  // namespace strata
