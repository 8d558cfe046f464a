#include "core/analysis/model_metrics.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QStandardPaths>

#include <algorithm>
#include <numeric>
#include <optional>
#include <random>

#include "core/analysis/class_conditioning.h"
#include "core/analysis/collapse_prediction.h"
#include "core/analysis/disentanglement_rows.h"
#include "core/analysis/relevance_rows.h"
#include "core/analysis/representation_rows.h"
#include "core/base/cache_folder.h"
#include "core/base/csv_field.h"
#include "core/base/errors.h"
#include "core/base/file_io.h"
#include "core/data/npy.h"
#include "core/model/encoding.h"
#include "core/model/evaluation.h"
#include "core/model/item_conditions.h"
#include "core/model/latent_stats.h"
#include "core/model/layer_groups.h"
#include "core/model/model_ops.h"

namespace strata {
namespace {

// 3: MIG, SAP, DCI and FactorVAE follow disentanglement_lib's convention under their old keys;
// Strata's earlier definitions moved to variant keys (mig/binned-factors, ...); rows on mean
// and sampled representations (units/*, tc/*, mi/*) were added.
// 4: rows and per-unit numbers on ARD-VAE relevance (relevance/*), and per unit the variance
// of the means and the Bonheme & Grzes class, were added.
// 5: rows on Dang et al.'s linear-theory collapse prediction (collapse/*), with the spectrum
// and threshold behind them, were added.
// 6: that prediction refuses non-Gaussian likelihoods and takes its items from the first
// that fit (not refilled past unlabelled ones).
constexpr int kCacheVersion = 6;

// JSON has no NaN: absent values are written as null and read back as NaN.
QJsonValue number(double v) {
  return std::isfinite(v) ? QJsonValue(v) : QJsonValue();
}
double readNumber(const QJsonValue& v) {
  return v.isDouble() ? v.toDouble() : NAN;
}

QJsonArray toArray(const std::vector<double>& v) {
  QJsonArray a;
  for (double x : v) a.append(number(x));
  return a;
}

std::vector<double> fromArray(const QJsonValue& v) {
  std::vector<double> out;
  for (const auto& x : v.toArray()) out.push_back(readNumber(x));
  return out;
}

QString codesText(const MetricsOptions& o, const Model& model, int64_t items) {
  const QString layer =
      o.layer < 0 ? QStringLiteral("all layers") : model.info().layers[size_t(o.layer)].name;
  return QStringLiteral("%1 of %2, %3 items")
      .arg(o.samples ? QStringLiteral("posterior samples") : QStringLiteral("posterior means"),
           layer)
      .arg(items);
}

MetricRow row(QString key, QString name, double value, QString parameters, double low = NAN,
              double high = NAN, bool higherIsBetter = true) {
  return {std::move(key), std::move(name), value, low, high, std::move(parameters), higherIsBetter};
}

void addDisentanglement(ModelMetrics& m, const Model& model, const Dataset& dataset,
                        const std::vector<int64_t>& items, const MetricsOptions& o,
                        const CodeMatrix* means, const JobControl& job, MetricInputs* inputs) {
  // Posterior means are those the representation rows encoded already (the same batches, so
  // the same numbers); samples are drawn from a stream of their own.
  const CodeMatrix codes =
      means && !o.samples
          ? *means
          : encodeItems(model, dataset, items, o.layer, o.samples, o.seed + 7, job.range(0.0, 0.6));
  const QStringList names = dataset.factorNames();
  const std::vector<double> values = factorValues(dataset, items);
  addDisentanglementRows(m,
                         {codes, values, names, codesText(o, model, int64_t(items.size())), o.seed},
                         job.range(0.6, 1.0), inputs);
}

// Passive, mixed and active units, the dependence of mean and sampled codes, and the units
// relevant in the ARD-VAE sense; returns the posteriors they were computed on (none for fewer
// than two items).
std::optional<PosteriorCodes> addRepresentation(ModelMetrics& m, const Model& model,
                                                const Dataset& dataset,
                                                const std::vector<int64_t>& items,
                                                const MetricsOptions& o, const QString& subset,
                                                const JobControl& job) {
  job.cancel.throwIfCancelled();
  if (items.size() < 2) return std::nullopt;
  const QString layer =
      o.layer < 0 ? QStringLiteral("all layers") : model.info().layers[size_t(o.layer)].name;
  const PosteriorCodes codes =
      encodePosteriors(model, dataset, items, o.layer, o.seed + 5, job.range(0, 0.6));
  const QString codesText = QStringLiteral("units of %1, %2").arg(layer, subset);
  addRepresentationRows(m, codes, codesText);
  addRelevanceRows(m, model, dataset, items, codes, o.layer, codesText, job.range(0.6, 1.0));
  return codes;
}

// The rows scored against the data's ground truth: disentanglement against its factors, and a
// conditional model's classifiers against its labels (seed + 9).
void addGroundTruthRows(ModelMetrics& m, const Model& model, const Dataset& dataset,
                        const std::vector<int64_t>& items, const MetricsOptions& o,
                        const CodeMatrix* means, const JobControl& job, MetricInputs* inputs) {
  if (o.disentanglement && !dataset.factorNames().isEmpty())
    addDisentanglement(m, model, dataset, items, o, means, job, inputs);
  addClassifierRows(m, model, dataset, items, o.seed + 9, {job.cancel, {}});
}

std::vector<int64_t> widen(const std::vector<int>& v) {
  return {v.begin(), v.end()};
}

// Deep models (more layers than the views show side by side) also get KL and active units per
// layer group, the resolutions a VDVAE-style model reports its numbers by.
void addGroupRows(ModelMetrics& m, const ModelInfo& info, const LatentStats& stats,
                  const std::vector<double>& klPerLayer, const QString& subset) {
  if (int(info.layers.size()) <= kMaxLayerGroups) return;
  for (const LayerGroup& group : layerGroups(info)) {
    double kl = 0;
    int active = 0, units = 0;
    for (int l = group.first; l < group.first + group.count; ++l) {
      kl += klPerLayer[size_t(l)];
      active += stats.layers[size_t(l)].activeUnits;
      units += int(stats.layers[size_t(l)].units.size());
    }
    const QString layers = QStringLiteral("%1 layers").arg(group.count);
    m.rows.push_back(row("kl-group/" + group.label,
                         QStringLiteral("KL group %1 (nats)").arg(group.label), kl,
                         subset + ", " + layers, NAN, NAN, false));
    m.rows.push_back(
        row("active-group/" + group.label, QStringLiteral("active units group %1").arg(group.label),
            active,
            QStringLiteral("Var E_q[z] > %1, %2").arg(LatentStats::kActiveThreshold).arg(layers)));
    m.rows.back().outOf = units;
  }
}

// Layers collapsed as a whole under the two criteria in use (docs/metrics.md): every unit's
// KL below the collapsed threshold, or no unit active. A hierarchical layer can be collapsed
// by KL and still "active" by variance (its conditional prior moves with the layers above),
// which is why both are shown.
void addLayerCollapseRows(ModelMetrics& m, const ModelInfo& info, const LatentStats& stats) {
  QStringList collapsed, inactive;
  for (size_t l = 0; l < info.layers.size(); ++l) {
    const LayerStats& s = stats.layers[l];
    if (s.collapsedUnits == int(s.units.size())) collapsed << info.layers[l].name;
    if (s.activeUnits == 0) inactive << info.layers[l].name;
  }
  auto named = [](const QStringList& layers) {
    if (layers.isEmpty()) return QString();
    const QStringList shown = layers.mid(0, 12);
    return QStringLiteral(": ") + shown.join(QStringLiteral(", ")) +
           (layers.size() > shown.size() ? QStringLiteral(" and %1 more").arg(layers.size() - 12)
                                         : QString());
  };
  const double layers = double(info.layers.size());
  m.rows.push_back(
      row("collapsed-layers", "layers collapsed (KL)", double(collapsed.size()),
          QStringLiteral("every unit's mean KL < %1 nats").arg(LatentStats::kCollapsedUnitKl) +
              named(collapsed),
          NAN, NAN, false));
  m.rows.back().outOf = layers;
  m.rows.push_back(
      row("inactive-layers", "layers without active units", double(inactive.size()),
          QStringLiteral("no unit with Var E_q[z] > %1").arg(LatentStats::kActiveThreshold) +
              named(inactive),
          NAN, NAN, false));
  m.rows.back().outOf = layers;
}

}  // namespace

void writeMetricInputs(const QString& path, const MetricInputs& in, const CodeMatrix* second) {
  const SamplingPlan& p = in.plan;
  const int64_t g = p.groupSize;
  auto count = [](const std::vector<int>& v) { return int64_t(v.size()); };
  std::map<std::string, NpyArray> arrays{
      {"codes", makeNpy(in.codes.values, {in.codes.items, in.codes.dims})},
      {"factors", makeNpy(in.factors, {in.codes.items, in.factorCount})},
      {"fv_train", makeNpy(p.fvTrain, {count(p.fvTrainFactor), g})},
      {"fv_train_factor", makeNpy(widen(p.fvTrainFactor), {count(p.fvTrainFactor)})},
      {"fv_eval", makeNpy(p.fvEval, {count(p.fvEvalFactor), g})},
      {"fv_eval_factor", makeNpy(widen(p.fvEvalFactor), {count(p.fvEvalFactor)})},
      {"bv_train", makeNpy(p.bvTrain, {count(p.bvTrainFactor), g, 2})},
      {"bv_train_factor", makeNpy(widen(p.bvTrainFactor), {count(p.bvTrainFactor)})},
      {"bv_eval", makeNpy(p.bvEval, {count(p.bvEvalFactor), g, 2})},
      {"bv_eval_factor", makeNpy(widen(p.bvEvalFactor), {count(p.bvEvalFactor)})}};
  if (second) arrays["codes_b"] = makeNpy(second->values, {second->items, second->dims});
  const SamplingPlan& lib = in.libraryVotes;
  if (!lib.fvTrainFactor.empty()) {
    const int64_t lg = lib.groupSize;
    arrays["dlib_fv_train"] = makeNpy(lib.fvTrain, {count(lib.fvTrainFactor), lg});
    arrays["dlib_fv_train_factor"] = makeNpy(widen(lib.fvTrainFactor), {count(lib.fvTrainFactor)});
    arrays["dlib_fv_eval"] = makeNpy(lib.fvEval, {count(lib.fvEvalFactor), lg});
    arrays["dlib_fv_eval_factor"] = makeNpy(widen(lib.fvEvalFactor), {count(lib.fvEvalFactor)});
    arrays["n_train"] = makeNpy(std::vector<int64_t>{in.trainItems}, {});
  }
  writeNpz(path, arrays);
}

QJsonObject MetricsOptions::toJson() const {
  QJsonArray explicitList;
  for (int64_t i : explicitItems) explicitList.append(qint64(i));
  return {{"items", qint64(items)},
          {"explicit_items", explicitList},
          {"iw_samples", iwSamples},
          {"iw_items", qint64(iwItems)},
          {"layer", layer},
          {"samples", samples},
          {"disentanglement", disentanglement},
          {"seed", QString::number(seed)}};
}

const MetricRow* ModelMetrics::find(const QString& key) const {
  for (const MetricRow& r : rows)
    if (r.key == key) return &r;
  return nullptr;
}

QJsonObject ModelMetrics::toJson() const {
  QJsonArray rowArray;
  for (const MetricRow& r : rows)
    rowArray.append(QJsonObject{{"key", r.key},
                                {"name", r.name},
                                {"value", number(r.value)},
                                {"low", number(r.low)},
                                {"high", number(r.high)},
                                {"parameters", r.parameters},
                                {"out_of", number(r.outOf)},
                                {"higher_is_better", r.higherIsBetter}});
  QJsonArray units, meanVariances;
  for (const auto& layer : unitKl) units.append(toArray(layer));
  for (const auto& layer : unitMeanVariance) meanVariances.append(toArray(layer));
  QJsonObject json{{"model", modelName},
                   {"model_file", modelFile},
                   {"dataset", dataset},
                   {"items", qint64(items)},
                   {"options", options.toJson()},
                   {"metrics", rowArray},
                   {"layers", QJsonArray::fromStringList(layerNames)},
                   {"unit_kl", units},
                   {"unit_mean_variance", meanVariances},
                   {"unit_classes", QJsonArray::fromStringList(unitClasses)},
                   {"factors", QJsonArray::fromStringList(factorNames)},
                   {"mig_per_factor", toArray(migPerFactor)},
                   {"sap_per_factor", toArray(sapPerFactor)},
                   {"dci_importance", toArray(dciImportance)},
                   {"code_dims", codeDims},
                   {"unit_prior_variance", toArray(unitPriorVariance)},
                   {"unit_jacobian_weight", toArray(unitJacobianWeight)},
                   {"seconds", seconds}};
  // Only conditional models have these: every other table is written as before.
  if (!classNames.isEmpty()) {
    json["classes"] = QJsonArray::fromStringList(classNames);
    QJsonArray confusion;
    for (int64_t count : classConfusion) confusion.append(qint64(count));
    json["class_confusion"] = confusion;
  }
  if (!unexplainedSpectrum.empty()) {
    json["unexplained_spectrum"] = toArray(unexplainedSpectrum);
    json["collapse_threshold"] = number(collapseThreshold);
  }
  return json;
}

namespace {

// A conditional model's classes and confusion matrix (absent from other tables); a matrix that
// does not fit the classes is dropped.
void readClasses(const QJsonObject& json, ModelMetrics& m) {
  for (const auto& v : json["classes"].toArray()) m.classNames << v.toString();
  for (const auto& v : json["class_confusion"].toArray()) m.classConfusion.push_back(v.toInteger());
  const auto k = size_t(m.classNames.size());
  if (m.classConfusion.size() != k * k) m.classNames.clear(), m.classConfusion.clear();
}

// What the ELBO row of a conditional model is computed under, as the start of its parameters.
QString givenClass(const ModelInfo& info, const Dataset& dataset) {
  if (!info.conditional()) return {};
  if (info.hasClassifier)
    return QStringLiteral("y = the class q(y|x) predicts, without log p(y); ");
  return encodesUnderLabels(info, dataset)
             ? QStringLiteral(
                   "y = each item's label (uniform where it has none among the "
                   "model's classes), without log p(y); ")
             : QStringLiteral("y = uniform class probabilities; ");
}

}  // namespace

ModelMetrics ModelMetrics::fromJson(const QJsonObject& json) {
  ModelMetrics m;
  m.modelName = json["model"].toString();
  m.modelFile = json["model_file"].toString();
  m.dataset = json["dataset"].toString();
  m.items = json["items"].toInteger();
  const QJsonObject o = json["options"].toObject();
  m.options.items = o["items"].toInteger();
  for (const auto& v : o["explicit_items"].toArray())
    m.options.explicitItems.push_back(v.toInteger());
  m.options.iwSamples = o["iw_samples"].toInt();
  m.options.iwItems = o["iw_items"].toInteger();
  m.options.layer = o["layer"].toInt();
  m.options.samples = o["samples"].toBool();
  m.options.disentanglement = o["disentanglement"].toBool();
  m.options.seed = o["seed"].toString().toULongLong();
  for (const auto& v : json["metrics"].toArray()) {
    const QJsonObject r = v.toObject();
    m.rows.push_back({r["key"].toString(), r["name"].toString(), readNumber(r["value"]),
                      readNumber(r["low"]), readNumber(r["high"]), r["parameters"].toString(),
                      r["higher_is_better"].toBool(true), readNumber(r["out_of"])});
  }
  for (const auto& v : json["layers"].toArray()) m.layerNames << v.toString();
  readClasses(json, m);
  for (const auto& v : json["unit_kl"].toArray()) m.unitKl.push_back(fromArray(v));
  for (const auto& v : json["unit_mean_variance"].toArray())
    m.unitMeanVariance.push_back(fromArray(v));
  for (const auto& v : json["unit_classes"].toArray()) m.unitClasses << v.toString();
  for (const auto& v : json["factors"].toArray()) m.factorNames << v.toString();
  m.migPerFactor = fromArray(json["mig_per_factor"]);
  m.sapPerFactor = fromArray(json["sap_per_factor"]);
  m.dciImportance = fromArray(json["dci_importance"]);
  m.codeDims = json["code_dims"].toInt();
  m.unitPriorVariance = fromArray(json["unit_prior_variance"]);
  m.unitJacobianWeight = fromArray(json["unit_jacobian_weight"]);
  m.unexplainedSpectrum = fromArray(json["unexplained_spectrum"]);
  m.collapseThreshold = readNumber(json["collapse_threshold"]);
  m.seconds = json["seconds"].toDouble();
  return m;
}

std::vector<int64_t> metricItems(const MetricsOptions& options, int64_t size) {
  if (!options.explicitItems.empty()) {
    for (int64_t i : options.explicitItems)
      if (i < 0 || i >= size) throw std::invalid_argument("metric item index outside the dataset");
    return options.explicitItems;
  }
  std::vector<int64_t> items(static_cast<size_t>(size));
  std::iota(items.begin(), items.end(), 0);
  // A seeded shuffle, also when every item is used: the items are a random sample in random
  // order (DCI splits in order, and files are often sorted by class or factor).
  const int64_t count = options.items > 0 && options.items < size ? options.items : size;
  std::mt19937_64 rng(options.seed);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t pick = std::uniform_int_distribution<int64_t>(i, size - 1)(rng);
    std::swap(items[size_t(i)], items[size_t(pick)]);
  }
  items.resize(size_t(count));
  return items;
}

void forEachPosteriorBatch(const Model& model, const Dataset& dataset,
                           const std::vector<int64_t>& items, SampleStream* stream,
                           const JobControl& job, const PosteriorVisitor& visit) {
  const size_t pixels = size_t(dataset.itemShape().pixelCount()), batch = 500;
  std::vector<float> x;
  for (size_t first = 0; first < items.size(); first += batch) {
    job.cancel.throwIfCancelled();
    const size_t count = std::min(batch, items.size() - first);
    x.resize(count * pixels);
    for (size_t i = 0; i < count; ++i) dataset.copyImage(items[first + i], x.data() + i * pixels);
    visit(posteriorOfItems(model, dataset, items.data() + first, count, x.data(), stream), first,
          count);
    job.report(double(first + count) / double(items.size()));
  }
}

void copyLayerUnits(const Latents& latents, const ModelInfo& info, size_t item, int layer,
                    double* out) {
  for (size_t l = 0; l < info.layers.size(); ++l) {
    if (layer >= 0 && size_t(layer) != l) continue;
    const size_t units = size_t(info.layers[l].size());
    const float* v = latents.layers[l].data() + item * units;
    out = std::copy(v, v + units, out);
  }
}

CodeMatrix encodeItems(const Model& model, const Dataset& dataset,
                       const std::vector<int64_t>& items, int layer, bool samples, uint64_t seed,
                       const JobControl& job) {
  requireCompatible(model, dataset);
  const auto& layers = model.info().layers;
  if (layer >= int(layers.size())) throw std::invalid_argument("no such latent layer");
  CodeMatrix codes;
  codes.items = int64_t(items.size());
  for (size_t l = 0; l < layers.size(); ++l)
    if (layer < 0 || size_t(layer) == l) codes.dims += int(layers[l].size());
  codes.values.resize(size_t(codes.items) * size_t(codes.dims));
  SampleStream stream(seed);
  forEachPosteriorBatch(model, dataset, items, samples ? &stream : nullptr, job,
                        [&](const Posterior& q, size_t first, size_t count) {
                          for (size_t i = 0; i < count; ++i)
                            copyLayerUnits(q.z, model.info(), i, layer,
                                           codes.values.data() + (first + i) * size_t(codes.dims));
                        });
  return codes;
}

std::vector<double> factorValues(const Dataset& dataset, const std::vector<int64_t>& items) {
  const int count = int(dataset.factorNames().size());
  std::vector<double> values(items.size() * size_t(count));
  for (size_t i = 0; i < items.size(); ++i)
    for (int k = 0; k < count; ++k)
      values[i * size_t(count) + size_t(k)] = dataset.factor(items[i], k);
  return values;
}

ModelMetrics computeModelMetrics(const Model& model, const Dataset& dataset,
                                 const MetricsOptions& options, const JobControl& job,
                                 MetricInputs* inputs) {
  QElapsedTimer timer;
  timer.start();
  requireCompatible(model, dataset);
  ModelMetrics m;
  m.modelName = model.info().name;
  m.modelFile = QFileInfo(model.info().path).fileName();
  m.dataset = dataset.name();
  m.options = options;
  const std::vector<int64_t> items = metricItems(options, dataset.size());
  m.items = int64_t(items.size());
  const QString subset = QStringLiteral("%1 items, seed %2").arg(m.items).arg(options.seed);
  const bool factors = options.disentanglement && !dataset.factorNames().isEmpty();
  const double boundsEnd = factors ? 0.3 : 0.6, iwEnd = factors ? 0.55 : 0.9,
               statsEnd = factors ? 0.65 : 1.0;

  const ElboStats elbo = evaluateElbo(model, dataset, items, options.seed, job.range(0, boundsEnd));
  // A conditional model's ELBO is that of p(x | y) at the y each item is encoded under.
  m.rows.push_back(
      row("elbo", "ELBO (nats)", elbo.elbo,
          "1 posterior sample, analytic KL; " + givenClass(model.info(), dataset) + subset,
          elbo.elbo - 1.96 * elbo.elboStdError, elbo.elbo + 1.96 * elbo.elboStdError));
  m.rows.push_back(row("log_px", "E log p(x|z) (nats)", elbo.logPx, subset));
  if (options.iwItems > 0 && options.iwSamples > 0) {
    const std::vector<int64_t> iwItems(
        items.begin(),
        items.begin() + int64_t(std::min<size_t>(items.size(), size_t(options.iwItems))));
    double error = 0;
    const double iw =
        importanceWeightedBound(model, dataset, iwItems, options.iwSamples, options.seed + 1,
                                job.range(boundsEnd, iwEnd), &error);
    m.rows.push_back(row("iw_bound", QStringLiteral("IW bound k=%1 (nats)").arg(options.iwSamples),
                         iw,
                         givenClass(model.info(), dataset) +
                             QStringLiteral("first %1 of the items").arg(iwItems.size()),
                         iw - 1.96 * error, iw + 1.96 * error));
  }
  const double klTotal = std::accumulate(elbo.klPerLayer.begin(), elbo.klPerLayer.end(), 0.0);
  m.rows.push_back(row("kl", "KL total (nats)", klTotal, subset, NAN, NAN, false));
  const double unitsEnd = iwEnd + 0.6 * (statsEnd - iwEnd);
  const LatentStats stats = computeLatentStats(model, dataset, items, job.range(iwEnd, unitsEnd));
  const auto& layers = model.info().layers;
  int active = 0, collapsed = 0, units = 0;
  for (size_t l = 0; l < layers.size(); ++l) {
    const LayerStats& s = stats.layers[l];
    m.layerNames << layers[l].name;
    std::vector<double> kl, meanVariance;
    for (const UnitStats& u : s.units) kl.push_back(u.kl), meanVariance.push_back(u.meanVariance);
    m.unitKl.push_back(std::move(kl));
    m.unitMeanVariance.push_back(std::move(meanVariance));
    m.rows.push_back(row("kl/" + layers[l].name, QStringLiteral("KL %1 (nats)").arg(layers[l].name),
                         elbo.klPerLayer[l], subset, NAN, NAN, false));
    m.rows.push_back(row("active/" + layers[l].name,
                         QStringLiteral("active units %1").arg(layers[l].name), s.activeUnits,
                         QStringLiteral("Var E_q[z] > %1").arg(LatentStats::kActiveThreshold)));
    m.rows.back().outOf = double(s.units.size());
    active += s.activeUnits;
    collapsed += s.collapsedUnits;
    units += int(s.units.size());
  }
  addGroupRows(m, model.info(), stats, elbo.klPerLayer, subset);
  addLayerCollapseRows(m, model.info(), stats);
  m.rows.push_back(
      row("active", "active units", active,
          QStringLiteral("Var E_q[z] > %1 (Burda et al.)").arg(LatentStats::kActiveThreshold)));
  m.rows.back().outOf = units;
  m.rows.push_back(row("collapsed", "collapsed units", collapsed,
                       QStringLiteral("mean KL < %1 nats").arg(LatentStats::kCollapsedUnitKl), NAN,
                       NAN, false));
  m.rows.back().outOf = units;
  const double collapseEnd = unitsEnd + 0.1 * (statsEnd - unitsEnd);
  addCollapsePredictionRows(m, model, dataset, items, job.range(unitsEnd, collapseEnd));
  const std::optional<PosteriorCodes> posteriors = addRepresentation(
      m, model, dataset, items, options, subset, job.range(collapseEnd, statsEnd));
  addGroundTruthRows(m, model, dataset, items, options, posteriors ? &posteriors->means : nullptr,
                     job.range(statsEnd, 1.0), inputs);
  m.seconds = double(timer.elapsed()) / 1000.0;
  job.report(1.0);
  return m;
}

QString metricsCsv(const std::vector<ModelMetrics>& models) {
  auto text = [](double v) { return std::isfinite(v) ? QString::number(v, 'g', 10) : QString(); };
  QString out = "model,dataset,metric,key,value,low,high,out_of,parameters\n";
  for (const ModelMetrics& m : models)
    for (const MetricRow& r : m.rows)
      out +=
          QStringList{csvField(m.modelName), csvField(m.dataset), csvField(r.name), r.key,
                      text(r.value),         text(r.low),         text(r.high),     text(r.outOf),
                      csvField(r.parameters)}
              .join(',') +
          '\n';
  return out;
}

QJsonObject metricsJson(const std::vector<ModelMetrics>& models) {
  QJsonArray array;
  for (const ModelMetrics& m : models) array.append(m.toJson());
  return {{"format", "strata-metrics"}, {"version", kCacheVersion}, {"models", array}};
}

void writeMetricsTable(const QString& path, const std::vector<ModelMetrics>& models) {
  const QByteArray bytes = path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive)
                               ? QJsonDocument(metricsJson(models)).toJson()
                               : metricsCsv(models).toUtf8();
  writeFileAtomically(path, bytes, QStringLiteral("metrics table"));
}

MetricsCache::MetricsCache(QString directory) : directory_(std::move(directory)) {
  if (directory_.isEmpty()) directory_ = CacheFolder::folder(QStringLiteral("metrics"));
}

QString MetricsCache::key(const Model& model, const Dataset& dataset,
                          const MetricsOptions& options) {
  QCryptographicHash hash(QCryptographicHash::Sha1);
  hash.addData(encodingKey(model, dataset, EncodingChoice{}).toUtf8());
  hash.addData(QJsonDocument(options.toJson()).toJson(QJsonDocument::Compact));
  hash.addData(QByteArray::number(kCacheVersion));
  return QString::fromLatin1(hash.result().toHex());
}

bool MetricsCache::load(const QString& key, ModelMetrics& out) const {
  try {
    const QJsonObject json = readJsonObject(QDir(directory_).filePath(key + ".json"));
    if (json["metrics"].toArray().isEmpty()) return false;
    out = ModelMetrics::fromJson(json);
    CacheFolder::touch(QDir(directory_).filePath(key + ".json"));
    return true;
  } catch (const DataError&) {
    return false;  // absent or damaged: computed again
  }
}

void MetricsCache::store(const QString& key, const ModelMetrics& metrics) const {
  try {
    writeFileAtomically(QDir(directory_).filePath(key + ".json"),
                        QJsonDocument(metrics.toJson()).toJson(), QStringLiteral("metrics cache"));
    CacheFolder::prune();
  } catch (const Error&) {
    // A cache that cannot be written is no error: the table is computed again next time.
  }
}

ModelMetrics MetricsCache::get(const Model& model, const Dataset& dataset,
                               const MetricsOptions& options, const JobControl& job,
                               bool* fromCache) const {
  const QString k = key(model, dataset, options);
  ModelMetrics m;
  if (load(k, m)) {
    if (fromCache) *fromCache = true;
    return m;
  }
  m = computeModelMetrics(model, dataset, options, job);
  store(k, m);
  if (fromCache) *fromCache = false;
  return m;
}

}  // namespace strata
