#pragma once
// The metrics table of one model on one dataset split: likelihood bounds with intervals, KL
// and active units per layer and unit, and (when the data has ground-truth factors) the
// disentanglement scores of docs/metrics.md. Computed on a worker, cached on disk per model
// file, dataset and options, exported as CSV and JSON.

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/base/job.h"
#include "core/data/dataset.h"
#include "core/model/model.h"
#include "core/numeric/disentanglement.h"

namespace strata {

// The items a metrics table (and the figures drawn over its items) take by default.
constexpr int64_t kDefaultMetricItems = 10000;

struct MetricsOptions {
  int64_t items = kDefaultMetricItems;  // seeded random subset of the split (all if smaller)
  std::vector<int64_t> explicitItems;   // overrides `items` when not empty
  int iwSamples = 100;                  // k of the importance-weighted bound
  int64_t iwItems = 1000;               // first items of the subset used for it (0: skip)
  int layer = -1;                       // codes for disentanglement: -1 = all layers
  bool samples = false;                 // posterior samples instead of means
  bool disentanglement = true;          // when the data has factors
  uint64_t seed = 0;
  QJsonObject toJson() const;
};

struct MetricRow {
  QString key;   // stable identifier, e.g. "mig", "kl/z_top"
  QString name;  // e.g. "MIG"
  double value = NAN;
  double low = NAN, high = NAN;  // 95% interval when the metric is random
  QString parameters;            // e.g. "20 bins, posterior means, 10000 items"
  bool higherIsBetter = true;
  double outOf = NAN;  // for counts: the total (e.g. units of the layer)
};

struct ModelMetrics {
  QString modelName, modelFile, dataset;
  int64_t items = 0;
  MetricsOptions options;
  std::vector<MetricRow> rows;
  QStringList layerNames;
  std::vector<std::vector<double>> unitKl;            // per layer, per unit (posterior means)
  std::vector<std::vector<double>> unitMeanVariance;  // per layer, per unit: Var_x E_q[z]
  QStringList factorNames;                            // kept factors, when scored
  std::vector<double> migPerFactor, sapPerFactor, dciImportance;  // importance [dims, factors]
  int codeDims = 0;
  // ARD-VAE per unit of the chosen codes (empty when not computed): prior variance (Eq. 17)
  // and Jacobian weight (Eq. 18); their product is the relevance.
  std::vector<double> unitPriorVariance, unitJacobianWeight;
  // Bonheme & Grzes's class per unit of the chosen codes: "passive", "mixed" or "active".
  QStringList unitClasses;
  // A conditional model on labelled data (core/analysis/class_conditioning.h): its classes and
  // the confusion matrix [true][predicted] of q(y|x), or of the generative classifier for a
  // model without q(y|x); empty otherwise.
  QStringList classNames;
  std::vector<int64_t> classConfusion;
  // Dang et al.'s linear theory (core/analysis/collapse_prediction.h), when it applies: the
  // largest eigenvalues of the covariance of x left unexplained by y, and beta * eta_dec^2.
  std::vector<double> unexplainedSpectrum;
  double collapseThreshold = NAN;
  double seconds = 0;

  const MetricRow* find(const QString& key) const;
  QJsonObject toJson() const;
  static ModelMetrics fromJson(const QJsonObject& json);
};

// The items the options select from a dataset of `size` items.
std::vector<int64_t> metricItems(const MetricsOptions& options, int64_t size);

// Codes of the given items for the chosen layer(s), means or samples, as float64.
CodeMatrix encodeItems(const Model& model, const Dataset& dataset,
                       const std::vector<int64_t>& items, int layer, bool samples, uint64_t seed,
                       const JobControl& job = {});

// Runs the posterior over `items` in batches: means when `stream` is null, else samples drawn
// from it; visit(posterior, position of the batch's first item in `items`, items in the batch).
using PosteriorVisitor = std::function<void(const Posterior&, size_t, size_t)>;
void forEachPosteriorBatch(const Model& model, const Dataset& dataset,
                           const std::vector<int64_t>& items, SampleStream* stream,
                           const JobControl& job, const PosteriorVisitor& visit);
// The units of the chosen layer (-1: all, top first) of one item of `latents` into `out`.
void copyLayerUnits(const Latents& latents, const ModelInfo& info, size_t item, int layer,
                    double* out);

// Factor values of the given items, [items, factorNames().size()].
std::vector<double> factorValues(const Dataset& dataset, const std::vector<int64_t>& items);

// What the disentanglement scores were computed from, so an independent implementation can
// recompute them (docs/metrics.md, "Sampling plans").
struct MetricInputs {
  CodeMatrix codes;
  std::vector<double> factors;  // [items, factorCount]
  int factorCount = 0;
  SamplingPlan plan;
  // disentanglement_lib's convention: its FactorVAE votes and the SAP/DCI train split (the
  // first trainItems items). Written as dlib_fv_* and n_train when there are votes.
  SamplingPlan libraryVotes;
  int64_t trainItems = 0;
};
void writeMetricInputs(const QString& path, const MetricInputs& inputs,
                       const CodeMatrix* secondCodes = nullptr);

// `inputs`, when given, receives the codes, factors and draws behind the scores.
ModelMetrics computeModelMetrics(const Model& model, const Dataset& dataset,
                                 const MetricsOptions& options, const JobControl& job = {},
                                 MetricInputs* inputs = nullptr);

// One row per (model, metric): model, metric, value, low, high, parameters.
QString metricsCsv(const std::vector<ModelMetrics>& models);
QJsonObject metricsJson(const std::vector<ModelMetrics>& models);
// Writes the table as JSON if `path` ends in .json, else as CSV; throws Error naming the file.
void writeMetricsTable(const QString& path, const std::vector<ModelMetrics>& models);

// Disk cache of metric tables, one JSON per model file, dataset and options.
class MetricsCache {
 public:
  explicit MetricsCache(QString directory = {});  // "" = the user's cache folder
  static QString key(const Model& model, const Dataset& dataset, const MetricsOptions& options);
  bool load(const QString& key, ModelMetrics& out) const;
  void store(const QString& key, const ModelMetrics& metrics) const;
  ModelMetrics get(const Model& model, const Dataset& dataset, const MetricsOptions& options,
                   const JobControl& job = {}, bool* fromCache = nullptr) const;

 private:
  QString directory_;
};

}  // namespace strata
