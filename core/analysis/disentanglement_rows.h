#pragma once
// The disentanglement rows of a metrics table: MIG, SAP, DCI and the FactorVAE score in
// disentanglement_lib's convention (the default, comparable with published tables), the
// beta-VAE score, and Strata's earlier definitions of the first four as named variants
// (docs/metrics.md says how each convention differs).

#include <QString>
#include <QStringList>

#include <vector>

#include "core/analysis/model_metrics.h"

namespace strata {

struct DisentanglementInputs {
  const CodeMatrix& codes;
  const std::vector<double>& factors;  // [items, factorNames.size()]
  const QStringList& factorNames;
  QString codesText;  // what the codes are, e.g. "posterior means of all layers, 10000 items"
  uint64_t seed = 0;
};

// Adds the rows (nothing when no factor varies or the code has one unit); `inputs`, when
// given, receives the draws behind them.
void addDisentanglementRows(ModelMetrics& m, const DisentanglementInputs& in, const JobControl& job,
                            MetricInputs* inputs);

}  // namespace strata
