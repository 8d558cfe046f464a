#pragma once
// The metrics table's rows on Dang et al.'s linear-theory collapse prediction (ICLR 2024;
// docs/metrics.md, "Collapse predicted by the linear theory"), beside the collapse the model
// shows: how many units a linear (conditional) VAE with the model's beta and Gaussian decoder
// standard deviation would keep active on these items, and the KL it would give each unit.

#include <cstdint>
#include <vector>

#include "core/analysis/model_metrics.h"
#include "core/base/job.h"
#include "core/data/dataset.h"
#include "core/model/model.h"

namespace strata {

// The spectrum and prediction on one model's items; `reason` says why not when not computed.
struct CollapsePrediction {
  bool computed = false;
  QString reason;
  double beta = NAN, decoderStd = NAN, threshold = NAN;  // threshold = beta * decoderStd^2
  bool betaDeclared = false;
  int units = 0;
  int predictedActive = 0;
  std::vector<double> eigenvalues;  // of the unexplained covariance, largest first
  std::vector<double> unitKl;       // predicted per unit, rank order: 1/2 ln(lambda_i / threshold)
  int64_t items = 0, fromLabels = 0, fromClassifier = 0;
  bool conditional = false, fromGram = false;
  double predictedKl() const;  // their sum
  QString parametersText() const;
};

// Why the theory does not cover this model (several latent layers, no Gaussian decoder
// standard deviation declared, a likelihood that is not Gaussian, a threshold that underflows),
// or empty.
QString collapsePredictionUnavailable(const ModelInfo& info);

// The data in the model's input space (the declared range, then any normalisation) and, for a
// conditional model, each item's class: its label among the model's classes, else the class
// q(y|x) predicts; items with neither are left out. Of `items`, the first kMaxSpectrumValues /
// max(pixels, classes) are considered (at most kMaxSpectrumSide when the items are wider than
// that).
CollapsePrediction predictCollapse(const Model& model, const Dataset& dataset,
                                   const std::vector<int64_t>& items, const JobControl& job = {});

// Adds the rows collapse/linear-theory (units predicted collapsed) and
// collapse/linear-theory-kl (the KL the theory predicts), and keeps the spectrum and threshold
// in the table; rows without a value say why when the theory does not apply.
void addCollapsePredictionRows(ModelMetrics& m, const Model& model, const Dataset& dataset,
                               const std::vector<int64_t>& items, const JobControl& job = {});

}  // namespace strata
