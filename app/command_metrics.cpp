#include "app/command_metrics.h"

#include <QCommandLineParser>
#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>
#include <QTextStream>

#include <algorithm>
#include <cmath>

#include "app/cli_support.h"
#include "core/analysis/model_metrics.h"
#include "core/base/file_io.h"
#include "core/data/dataset_source.h"
#include "core/data/index_list.h"

namespace strata::cli {
namespace {

QString formatted(const MetricRow& r) {
  if (!std::isfinite(r.value)) return QStringLiteral("-");
  if (std::isfinite(r.outOf))
    return QStringLiteral("%1 of %2").arg(qint64(r.value)).arg(qint64(r.outOf));
  if (r.value == std::floor(r.value) && std::abs(r.value) < 1e9 && !std::isfinite(r.low))
    return QString::number(qint64(r.value));  // counts
  QString text = QString::number(r.value, 'f', std::abs(r.value) >= 10 ? 2 : 4);
  if (std::isfinite(r.low))
    text += QStringLiteral(" [%1, %2]")
                .arg(QString::number(r.low, 'f', std::abs(r.value) >= 10 ? 2 : 4),
                     QString::number(r.high, 'f', std::abs(r.value) >= 10 ? 2 : 4));
  return text;
}

void printTable(const std::vector<ModelMetrics>& models) {
  QTextStream out(stdout);
  for (const ModelMetrics& m : models) {
    out << m.modelName << " on " << m.dataset << " (" << m.items << " items)\n";
    // Columns as wide as their longest entry, so long names never run into their values.
    qsizetype nameWidth = 0, valueWidth = 0;
    for (const MetricRow& r : m.rows) {
      nameWidth = std::max(nameWidth, r.name.size());
      valueWidth = std::max(valueWidth, formatted(r).size());
    }
    for (const MetricRow& r : m.rows)
      out << "  " << r.name.leftJustified(nameWidth + 2)
          << formatted(r).leftJustified(valueWidth + 2) << r.parameters << "\n";
  }
}

int layerIndex(const Model& model, const QString& name) {
  const auto& layers = model.info().layers;
  for (size_t l = 0; l < layers.size(); ++l)
    if (layers[l].name == name) return int(l);
  QStringList names;
  for (const LayerInfo& l : layers) names << l.name;
  throw CommandError(kUsage, QStringLiteral("model %1 has no layer '%2' (layers: %3)")
                                 .arg(model.info().name, name, names.join(", ")));
}

}  // namespace

int metricsCommand(const QStringList& arguments) {
  return runCommand("metrics", [&] {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Compute the metrics table (ELBO, importance-weighted bound, KL and active units per "
        "layer, passive, mixed and active units with the total correlation and pairwise "
        "mutual information of mean and sampled codes, units relevant in the ARD-VAE sense, "
        "and MIG, SAP, DCI, FactorVAE and beta-VAE scores when the data has "
        "ground-truth factors) of one to four models on the same items. MIG, SAP, DCI and "
        "FactorVAE follow disentanglement_lib's convention (as published tables); Strata's "
        "earlier definitions are the rows mig/binned-factors, sap/continuous, dci-lasso/* and "
        "factorvae/variance-pruned. Definitions: docs/metrics.md."));
    parser.addHelpOption();
    parser.addPositionalArgument("models", "TorchScript model files", "MODEL.pt...");
    const QCommandLineOption data("data", "dataset (default: fashion-mnist:test)", "SPEC",
                                  defaultDatasetSpec());
    const QCommandLineOption items("items", "random items of the split, 0 = all (default 10000)",
                                   "N", "10000");
    const QCommandLineOption indices("indices", "use exactly these items (.npy of indices)",
                                     "FILE.npy");
    const QCommandLineOption iwK("iw-k", "samples of the importance-weighted bound (default 100)",
                                 "K", "100");
    const QCommandLineOption iwItems("iw-items", "items for that bound, 0 = skip (default 1000)",
                                     "N", "1000");
    const QCommandLineOption layer("layer", "codes from this layer (default: all layers)", "NAME");
    const QCommandLineOption samples("samples", "score posterior samples instead of means");
    const QCommandLineOption seed("seed", "seed of every random choice (default 0)", "S", "0");
    const QCommandLineOption csv("csv", "write the table as CSV", "FILE.csv");
    const QCommandLineOption json("json", "write the table as JSON", "FILE.json");
    const QCommandLineOption plan("plan",
                                  "write the codes, factors and draws behind the scores (.npz, "
                                  "read by tools/metrics_reference.py); one model only",
                                  "FILE.npz");
    const QCommandLineOption noCache("no-cache", "recompute even if a cached table exists");
    parser.addOptions(
        {data, items, indices, iwK, iwItems, layer, samples, seed, csv, json, plan, noCache});
    if (!parseArguments(parser, arguments, "metrics")) return int(kOk);
    const QStringList modelPaths = parser.positionalArguments();
    if (modelPaths.isEmpty() || modelPaths.size() > 4)
      throw CommandError(kUsage, "give one to four model files");
    if (parser.isSet(plan) && modelPaths.size() != 1)
      throw CommandError(kUsage, "--plan needs exactly one model");

    MetricsOptions options;
    options.items = integerOption("items", parser.value(items), 0, 1LL << 40);
    options.iwSamples = int(integerOption("iw-k", parser.value(iwK), 1, 100000));
    options.iwItems = integerOption("iw-items", parser.value(iwItems), 0, 1LL << 40);
    options.samples = parser.isSet(samples);
    options.seed = uint64_t(integerOption("seed", parser.value(seed), 0, 1LL << 62));
    // Every output goes into a folder that exists; checked before hours of work.
    for (const QCommandLineOption* output : {&csv, &json, &plan})
      if (parser.isSet(*output)) checkOutputFolder(parser.value(*output));
    if (parser.isSet(indices)) options.explicitItems = readIndexList(parser.value(indices));

    const DatasetPtr dataset = loadDataset(parser.value(data));
    for (const int64_t i : options.explicitItems)
      if (i >= dataset->size())
        throw CommandError(kFailed, QStringLiteral("--indices %1: item %2 is outside the dataset "
                                                   "(%3 items)")
                                        .arg(parser.value(indices))
                                        .arg(i)
                                        .arg(dataset->size()));
    std::vector<ModelMetrics> tables;
    const MetricsCache cache;
    for (const QString& path : modelPaths) {
      const auto model = loadModel(path);
      MetricsOptions o = options;
      if (parser.isSet(layer)) o.layer = layerIndex(*model, parser.value(layer));
      const JobControl job = stderrProgress(model->info().name);
      if (parser.isSet(plan)) {
        MetricInputs inputs;
        tables.push_back(computeModelMetrics(*model, *dataset, o, job, &inputs));
        if (inputs.codes.items == 0)
          throw CommandError(kFailed, "--plan: the dataset has no ground-truth factors");
        writeMetricInputs(parser.value(plan), inputs);
      } else if (parser.isSet(noCache)) {
        tables.push_back(computeModelMetrics(*model, *dataset, o, job));
      } else {
        tables.push_back(cache.get(*model, *dataset, o, job));
      }
      job.report(1.0);
    }
    printTable(tables);
    if (parser.isSet(csv))
      writeFileAtomically(parser.value(csv), metricsCsv(tables).toUtf8(), "metrics table");
    if (parser.isSet(json))
      writeFileAtomically(parser.value(json), QJsonDocument(metricsJson(tables)).toJson(),
                          "metrics table");
    return int(kOk);
  });
}

}  // namespace strata::cli
