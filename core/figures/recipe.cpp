#include "core/figures/recipe.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QSaveFile>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <variant>

#include "core/analysis/class_conditioning.h"
#include "core/analysis/code_correlations.h"
#include "core/analysis/collapse_prediction.h"
#include "core/analysis/comparison.h"
#include "core/analysis/model_metrics.h"
#include "core/analysis/projection.h"
#include "core/analysis/unit_profile.h"
#include "core/base/errors.h"
#include "core/base/file_checks.h"
#include "core/base/file_io.h"
#include "core/base/resources.h"
#include "core/data/dataset_source.h"
#include "core/data/image_convert.h"
#include "core/figures/figure_layouts.h"
#include "core/figures/gif_writer.h"
#include "core/figures/recipe_params.h"
#include "core/model/hierarchy.h"
#include "core/model/latent_stats.h"
#include "core/model/layer_groups.h"
#include "core/model/model.h"
#include "core/model/model_ops.h"
#include "core/model/traversal.h"

namespace strata {
namespace {

const QString kBundled = QStringLiteral("bundled:");

// A recipe that passed validateRecipe but does not fit its model or data (an item outside the
// dataset, a unit the model lacks); renderRecipe names the recipe's file in front.
class RecipeProblem : public Error {
 public:
  using Error::Error;
};

[[noreturn]] void bad(const QString& what) {
  throw RecipeProblem(what.toStdString());
}

QString itemCount(int64_t n) {
  return QLocale(QLocale::English).toString(qint64(n));
}

// Styles are validated against the recipe table before rendering.
FigureStyle styleOf(const RecipeCommon& recipe) {
  FigureStyle style;
  if (!recipe.style) return style;
  style.fontFamily = recipe.style->font.value_or(style.fontFamily);
  style.fontSize = recipe.style->fontSize.value_or(style.fontSize);
  style.dpi = recipe.style->dpi.value_or(style.dpi);
  return style;
}

QString titleOf(const RecipeCommon& recipe, const QString& otherwise) {
  return recipe.style && recipe.style->title ? *recipe.style->title : otherwise;
}

double cellSizeOf(const RecipeCommon& recipe, double otherwise) {
  return recipe.style ? recipe.style->cellSize.value_or(otherwise) : otherwise;
}

std::vector<int64_t> itemList(const std::optional<std::vector<qint64>>& given, const QString& key,
                              const Dataset& data) {
  std::vector<int64_t> items;
  for (const qint64 i : given.value_or(std::vector<qint64>{})) {
    if (i < 0 || i >= data.size())
      bad(QStringLiteral("field `%1` names item %2, outside the dataset (%3 items)")
              .arg(key)
              .arg(i)
              .arg(itemCount(data.size())));
    items.push_back(i);
  }
  if (items.empty()) bad(QStringLiteral("field `%1` is missing; name at least one item").arg(key));
  return items;
}

// The recipe's `levels`, checked against the model's layer count; empty: the default levels.
std::vector<int> levelList(const std::optional<std::vector<qint64>>& given, const Model& model) {
  std::vector<int> levels;
  const qint64 layers = qint64(model.info().layers.size());
  for (const qint64 k : given.value_or(std::vector<qint64>{})) {
    if (k < 0 || k > layers)
      bad(QStringLiteral("field `levels` names %1 layers kept, but %2 has %3 layers")
              .arg(k)
              .arg(model.info().name)
              .arg(layers));
    if (!levels.empty() && k <= levels.back())
      bad(QStringLiteral("field `levels` must rise: %1 follows %2").arg(k).arg(levels.back()));
    levels.push_back(int(k));
  }
  if (given && levels.empty()) bad(QStringLiteral("field `levels` is empty; name at least one k"));
  return levels;
}

QJsonObject referenceJson(const RecipeModel& model) {
  QJsonObject reference;
  if (model.path) reference["path"] = *model.path;
  if (model.sha256) reference["sha256"] = *model.sha256;
  return reference;
}

std::vector<std::shared_ptr<Model>> loadModels(const RecipeCommon& recipe, const QString& baseDir,
                                               bool checkHash) {
  std::vector<std::shared_ptr<Model>> models;
  for (const RecipeModel& m : recipe.models.value_or(std::vector<RecipeModel>{}))
    models.push_back(Model::load(resolveModel(referenceJson(m), baseDir, checkHash)));
  if (models.empty()) bad("field `models` is missing; this figure needs a model");
  return models;
}

DatasetPtr datasetOf(const RecipeCommon& recipe, const QString& baseDir) {
  QString spec = recipe.dataset.value_or(QString());
  if (spec.isEmpty()) bad("field `dataset` is missing; this figure needs a dataset");
  // A relative file path resolves against the recipe's folder.
  if (!spec.contains(':') && QFileInfo(spec).isRelative() && !baseDir.isEmpty() &&
      QFileInfo::exists(QDir(baseDir).filePath(spec)))
    spec = QDir(baseDir).filePath(spec);
  requireFileOrFolder(spec);
  return openDataset(spec);
}

// "z_top[3]" -> (layer, unit), by the labels the views show.
std::pair<int, int> parseUnit(const ModelInfo& info, const QString& label,
                              const char* key = "units") {
  for (size_t l = 0; l < info.layers.size(); ++l)
    for (int64_t u = 0; u < info.layers[l].size(); ++u)
      if (unitLabel(info, int(l), int(u)) == label) return {int(l), int(u)};
  bad(QStringLiteral("field `%1`: model %2 has no unit '%3'").arg(key, info.name, label));
}

QString cellValue(double v) {
  return QString::number(v, 'f', std::abs(v) < 10 ? 2 : 1);
}

// Prior samples with one temperature per layer: the same noise whatever the temperatures.
void renderTemperatures(const HierarchyRecipe& r, const Model& model, const QString& output) {
  const auto& layers = model.info().layers;
  const std::vector<double> given = r.temperatures.value_or(std::vector<double>{});
  if (given.size() != layers.size())
    bad(QStringLiteral("field `temperatures` must give one per layer (%1), got %2")
            .arg(layers.size())
            .arg(given.size()));
  const std::vector<double>& temperatures = given;
  // Named by group, as the view shows them, so 60 layers make a caption of a few entries; a
  // group whose layers differ lists them.
  QStringList text;
  for (const LayerGroup& g : layerGroups(model.info())) {
    const auto first = given.begin() + g.first, end = first + g.count;
    if (std::all_of(first, end, [&](double t) { return t == *first; })) {
      text << QStringLiteral("%1 %2").arg(g.label).arg(*first, 0, 'f', 2);
      continue;
    }
    for (int l = g.first; l < g.first + g.count; ++l)
      text << QStringLiteral("%1 %2")
                  .arg(layers[size_t(l)].shownName())
                  .arg(given[size_t(l)], 0, 'f', 2);
  }
  const int count = r.count.value_or(32);
  const uint64_t seed = uint64_t(r.seed.value_or(0));
  const QVector<QImage> images =
      toQImages(temperatureSamples(model, temperatures, count, seed), model.info().input);
  GridFigure grid;
  grid.columns = std::min(count, 8);
  grid.rows = (count + grid.columns - 1) / grid.columns;
  grid.cells.assign(images.begin(), images.end());
  grid.title = titleOf(r, QStringLiteral("Temperature per layer in %1").arg(model.info().name));
  grid.caption = QStringLiteral("%1 prior samples, seed %2; temperatures %3.")
                     .arg(count)
                     .arg(seed)
                     .arg(text.join(QStringLiteral(", ")));
  grid.cellSize = cellSizeOf(r, 32);
  layoutGrid(grid, styleOf(r)).save(output);
}

// Top s layers from input A and the rest from B, s = 0 .. L.
void renderMixing(const HierarchyRecipe& r, const Model& model, const Dataset& dataset,
                  const QString& output) {
  const std::vector<int64_t> pair = itemList(r.pair, "pair", dataset);
  std::vector<int> splits = levelList(r.levels, model);
  if (splits.empty()) splits = levelsShown(model.info());
  const QVector<QImage> mixed =
      toQImages(layerMixing(model, dataset, pair[0], pair[1], splits), model.info().input);
  GridFigure grid;
  grid.rows = 1;
  grid.columns = int(mixed.size()) + 2;
  grid.cells = {datasetImage(dataset, pair[0]), datasetImage(dataset, pair[1])};
  grid.cells.insert(grid.cells.end(), mixed.begin(), mixed.end());
  grid.marked = {0, 1};
  grid.columnLabels << QStringLiteral("A") << QStringLiteral("B");
  for (const int s : splits) grid.columnLabels << QString::number(s);
  grid.title = titleOf(r, QStringLiteral("Layer mixing in %1").arg(model.info().name));
  grid.caption = QStringLiteral(
                     "A = #%1, B = #%2; column s takes the top s layers from A and the rest from "
                     "B (posterior means).")
                     .arg(pair[0])
                     .arg(pair[1]);
  grid.cellSize = cellSizeOf(r, 32);
  layoutGrid(grid, styleOf(r)).save(output);
}

// KL per unit over `stats_items` items spread evenly over the dataset, as the KL page shows it.
void renderKl(const HierarchyRecipe& r, const Model& model, const Dataset& dataset,
              const QString& output, const JobControl& job) {
  const qint64 wanted = r.statsItems.value_or(kLatentStatsItems);
  const std::vector<int64_t> items = latentStatsItems(dataset.size(), wanted);
  const int64_t count = int64_t(items.size());
  const LatentStats stats = computeLatentStats(model, dataset, items, job);
  const QString number = QLocale(QLocale::English).toString(count);
  const QString over = count < dataset.size()
                           ? QStringLiteral("%1 items spread over %2").arg(number, dataset.name())
                           : QStringLiteral("all %1 items of %2").arg(number, dataset.name());
  const QString title = titleOf(r, QStringLiteral("KL per unit in %1").arg(model.info().name));
  const QString caption =
      QStringLiteral(
          "KL(q\u2016p) per unit from posterior means, averaged over %1.\nUnits sorted by KL, "
          "largest first; crossed out: collapsed (KL < %2 nats).\nActive: the posterior mean "
          "varies over the items (variance > %3).")
          .arg(over)
          .arg(LatentStats::kCollapsedUnitKl)
          .arg(LatentStats::kActiveThreshold) +
      (spatialLayerCount(model.info()) > kMaxKlMapLayers
           ? QStringLiteral("\nPer-position maps are drawn for up to %1 spatial layers; this "
                            "model has %2.")
                 .arg(kMaxKlMapLayers)
                 .arg(spatialLayerCount(model.info()))
           : QString());
  layoutKlHeatmap(model.info(), stats, title, caption, styleOf(r)).save(output);
}

void renderTraversal(const TraversalRecipe& r, const QString& output, const QString& baseDir,
                     const JobControl& job, bool checkHash) {
  const auto model = loadModels(r, baseDir, checkHash).front();
  const ModelInfo& info = model->info();
  DatasetPtr dataset;
  LatentStart startPoint;
  if (r.start && r.start->item) {
    dataset = datasetOf(r, baseDir);
    const int64_t item = *r.start->item;
    if (item < 0 || item >= dataset->size())
      bad(QStringLiteral("field `start.item` names item %1, outside the dataset (%2 items)")
              .arg(item)
              .arg(itemCount(dataset->size())));
    startPoint = startFromItem(*model, *dataset, item, false, 0);
  } else {
    startPoint = startFromPrior(*model, uint64_t(r.start ? r.start->priorSeed.value_or(0) : 0),
                                r.start ? r.start->temperature.value_or(1.0) : 1.0);
  }
  if (r.start && r.start->cls) {
    const int cls = int(info.classes.indexOf(*r.start->cls));
    if (cls < 0)
      bad(info.conditional()
              ? QStringLiteral("field `start.class`: model %1 has no class '%2' (its classes: %3)")
                    .arg(info.name, *r.start->cls, info.classes.join(QStringLiteral(", ")))
              : QStringLiteral("field `start.class`: model %1 takes no class "
                               "(strata_meta.condition)")
                    .arg(info.name));
    startPoint = underClass(*model, startPoint, cls);
  }
  std::vector<UnitGroup> rows;
  for (const QString& label : r.units.value_or(QStringList{})) {
    const auto [layer, unit] = parseUnit(info, label);
    rows.push_back(singleUnit(info, layer, unit));
  }
  if (rows.empty()) bad("field `units` is missing; name at least one unit, e.g. \"z[0]\"");
  const RangeMode mode =
      r.range ? r.range->mode.value_or(RangeMode::PriorSigma) : RangeMode::PriorSigma;
  const double k = r.range ? r.range->k.value_or(3.0) : 3.0;
  const int stepCount = r.steps.value_or(9);
  const Propagation lower = r.propagation.value_or(info.layers.size() > 1 ? Propagation::Regenerate
                                                                          : Propagation::KeepLower);
  std::shared_ptr<LatentStats> stats;
  if (mode == RangeMode::DataQuantiles || mode == RangeMode::DataMinMax) {
    if (!dataset) dataset = datasetOf(r, baseDir);
    const int count = int(std::min<int64_t>(dataset->size(), r.statsItems.value_or(2000)));
    stats = std::make_shared<LatentStats>(
        computeLatentStats(*model, *dataset, spreadIndices(dataset->size(), count), job));
  }
  job.cancel.throwIfCancelled();
  const TraversalGrid g =
      traversalGrid(*model, startPoint, stats.get(), rows, stepCount, mode, k, lower);
  const QVector<QImage> images = toQImages(g.images, info.input);
  if (output.endsWith(".gif", Qt::CaseInsensitive)) {
    // Frames are the steps; each frame stacks the rows, there and back.
    QVector<QImage> frames;
    const int w = info.input.width, h = info.input.height;
    for (int s = 0; s < g.steps; ++s) {
      QImage frame(w, h * g.rows, QImage::Format_RGB32);
      frame.fill(Qt::black);
      for (int row = 0; row < g.rows; ++row)
        for (int y = 0; y < h; ++y)
          for (int x = 0; x < w; ++x)
            frame.setPixel(x, row * h + y, images[row * g.steps + s].pixel(x, y));
      frames << frame;
    }
    for (int i = int(frames.size()) - 2; i > 0; --i) frames << frames[i];
    writeGif(output, frames, r.gifDelayMs.value_or(80), std::max(1, 192 / w));
    return;
  }
  GridFigure grid;
  grid.rows = g.rows;
  grid.columns = g.steps;
  grid.cells.assign(images.begin(), images.end());
  for (const UnitGroup& row : rows) grid.rowLabels << row.label;
  for (int s = 0; s < g.steps; ++s)
    grid.columnLabels << (g.rows == 1 ? cellValue(g.values[0][size_t(s)]) : QString());
  for (int row = 0; row < g.rows; ++row)
    grid.marked.push_back(row * g.steps + g.startColumn[size_t(row)]);
  grid.title = titleOf(r, QStringLiteral("Traversals of %1").arg(info.name));
  grid.caption = QStringLiteral("From %1; %2 steps over %3; lower layers %4; outlined: start.")
                     .arg(startPoint.description)
                     .arg(stepCount)
                     .arg(describeRangeMode(mode, k))
                     .arg(lower == Propagation::KeepLower ? "kept" : "regenerated");
  grid.cellSize = cellSizeOf(r, 40);
  layoutGrid(grid, styleOf(r)).save(output);
}

void renderHierarchy(const HierarchyRecipe& r, const QString& output, const QString& baseDir,
                     const JobControl& job, bool checkHash) {
  const auto model = loadModels(r, baseDir, checkHash).front();
  const HierarchyPage shown = r.page.value_or(HierarchyPage::Resampling);
  if (shown == HierarchyPage::Temperature) return renderTemperatures(r, *model, output);
  const DatasetPtr dataset = datasetOf(r, baseDir);
  if (shown == HierarchyPage::Mixing) return renderMixing(r, *model, *dataset, output);
  if (shown == HierarchyPage::Kl) return renderKl(r, *model, *dataset, output, job);
  const std::vector<int64_t> inputs = itemList(r.items, "items", *dataset);
  const int draws = r.samples.value_or(6);
  job.cancel.throwIfCancelled();
  const LayerwiseResampling lr = layerwiseResampling(
      *model, *dataset, inputs, draws, uint64_t(r.seed.value_or(0)), levelList(r.levels, *model));
  const ItemShape shape = model->info().input;
  const QVector<QImage> originals = toQImages(lr.originals, shape);
  const QVector<QImage> images = toQImages(lr.images, shape);
  GridFigure grid;
  grid.rows = lr.inputs * lr.levels;
  grid.columns = 1 + lr.samples;
  grid.columnLabels << QStringLiteral("input");
  for (int s = 0; s < lr.samples; ++s) grid.columnLabels << QString::number(s + 1);
  for (int i = 0; i < lr.inputs; ++i)
    for (int level = 0; level < lr.levels; ++level) {
      grid.cells.push_back(level == 0 ? originals[i] : QImage());
      for (int s = 0; s < lr.samples; ++s)
        grid.cells.push_back(images[(i * lr.levels + level) * lr.samples + s]);
      const QString what =
          QStringLiteral("keep ") + keptLayersText(model->info(), lr.kept[size_t(level)]);
      grid.rowLabels << (level == 0 ? QStringLiteral("#%1 %2").arg(inputs[size_t(i)]).arg(what)
                                    : what);
    }
  grid.title = titleOf(r, QStringLiteral("What each layer of %1 controls").arg(model->info().name));
  grid.caption = QStringLiteral(
                     "Top layers kept at the posterior mean, the rest drawn from the conditional "
                     "prior (seed %1).")
                     .arg(r.seed.value_or(0));
  grid.cellSize = cellSizeOf(r, 32);
  layoutGrid(grid, styleOf(r)).save(output);
}

void renderComparison(const ComparisonRecipe& r, const QString& output, const QString& baseDir,
                      const JobControl& job, bool checkHash) {
  const auto models = loadModels(r, baseDir, checkHash);
  const DatasetPtr dataset = datasetOf(r, baseDir);
  const std::vector<int64_t> inputs = itemList(r.items, "items", *dataset);
  const int draws = r.samples.value_or(int(inputs.size()));
  const uint64_t drawSeed = uint64_t(r.seed.value_or(0));
  const double t = r.temperature.value_or(1.0);
  GridFigure grid;
  grid.columns = int(std::max<size_t>(inputs.size(), size_t(draws)));
  auto addRow = [&](const QVector<QImage>& images, const QString& label) {
    for (int c = 0; c < grid.columns; ++c) grid.cells.push_back(images.value(c));
    grid.rowLabels << label;
    ++grid.rows;
  };
  QVector<QImage> inputImages;
  for (int64_t i : inputs) inputImages << datasetImage(*dataset, i);
  addRow(inputImages, QStringLiteral("input"));
  std::vector<const Model*> raw;
  raw.reserve(models.size());
  for (const auto& m : models) raw.push_back(m.get());
  for (size_t m = 0; m < models.size(); ++m) {
    job.cancel.throwIfCancelled();
    requireCompatible(*models[m], *dataset);
    addRow(toQImages(reconstruct(*models[m], *dataset, inputs).reconstructions,
                     models[m]->info().input),
           QStringLiteral("%1 recon.").arg(QChar('A' + int(m))));
  }
  const QString className = r.cls.value_or(QString());
  if (r.cls && std::none_of(models.begin(), models.end(),
                            [&](const auto& m) { return m->info().classes.contains(className); }))
    bad(QStringLiteral("field `class`: no model of the figure has a class '%1'").arg(className));
  const std::vector<PriorSamples> drawn = comparePriorSamples(raw, draws, drawSeed, t, className);
  for (size_t m = 0; m < models.size(); ++m)
    addRow(toQImages(drawn[m].images, models[m]->info().input),
           QStringLiteral("%1 sample").arg(QChar('A' + int(m))));
  QStringList names;
  for (size_t m = 0; m < models.size(); ++m)
    names << QStringLiteral("%1 = %2").arg(QChar('A' + int(m))).arg(models[m]->info().name);
  grid.title = titleOf(r, QStringLiteral("Model comparison"));
  grid.caption = QStringLiteral("%1; samples: seed %2, temperature %3%4.")
                     .arg(names.join(QStringLiteral("; ")))
                     .arg(drawSeed)
                     .arg(t)
                     .arg(r.cls ? QStringLiteral(", class %1").arg(className) : QString());
  grid.cellSize = cellSizeOf(r, 36);
  layoutGrid(grid, styleOf(r)).save(output);
}

void renderProjection(const ProjectionRecipe& r, const QString& output, const QString& baseDir,
                      const JobControl& job, bool checkHash) {
  const DatasetPtr dataset = datasetOf(r, baseDir);
  std::shared_ptr<Model> model;
  if (r.models && !r.models->empty()) model = loadModels(r, baseDir, checkHash).front();
  ProjectionRequest request;
  const QString sourceName = r.source.value_or(
      projectionSourceName(model ? ProjectionRequest::kAllLayers : ProjectionRequest::kPixels));
  // Pixels and all layers by name; anything else names a layer of the model.
  const std::optional<int> named = fromName(kProjectionSourceNames, sourceName);
  if (named == ProjectionRequest::kPixels) {
    request.source = ProjectionRequest::kPixels;
  } else if (named == ProjectionRequest::kAllLayers) {
    request.source = ProjectionRequest::kAllLayers;
  } else {
    request.source = -100;
    if (model)
      for (size_t l = 0; l < model->info().layers.size(); ++l)
        if (model->info().layers[l].name == sourceName) request.source = int(l);
    if (request.source == -100)
      bad(QStringLiteral("field `source`: '%1' is not a layer of the model").arg(sourceName));
  }
  if (request.source != ProjectionRequest::kPixels && !model)
    bad("field `source`: a latent map needs a model");
  request.samples = r.samples.value_or(false);
  request.seed = uint64_t(r.seed.value_or(0));
  request.method = r.method.value_or(ProjectionMethod::Pca);
  request.tsne.perplexity = r.perplexity.value_or(request.tsne.perplexity);
  request.tsne.iterations = r.iterations.value_or(request.tsne.iterations);
  request.tsne.seed = request.seed;
  request.umap.neighbours = r.neighbours.value_or(request.umap.neighbours);
  request.umap.minDistance = r.minDist.value_or(request.umap.minDistance);
  if (r.neighbourGraph && request.method != ProjectionMethod::Umap)
    bad("field `neighbour_graph`: only a UMAP has a neighbour graph");
  // A recipe without the field was written when every neighbour graph was thorough.
  request.umap.graphEffort = r.neighbourGraph.value_or(KnnEffort::Thorough);
  request.umap.seed = request.seed;
  // Encodings go to the user's cache folder only: a shared recipe names no place to write.
  const EncodingCache cache({});
  const ProjectionResult map = computeProjection(*dataset, model.get(), cache, request, job);
  ScatterFigure s;
  const size_t n = size_t(dataset->size());
  s.xy.resize(n * 2);
  for (size_t i = 0; i < n; ++i) {
    s.xy[2 * i] = map.coords[i * 3];
    s.xy[2 * i + 1] = map.coords[i * 3 + 1];
  }
  const Colouring by = r.colour.value_or(
      Colouring{dataset->hasLabels() ? Colouring::Class : Colouring::None, {}, 0});
  switch (by.kind) {
    case Colouring::Class:
      if (!dataset->hasLabels()) bad("field `colour`: the dataset has no classes");
      for (size_t i = 0; i < n; ++i) s.categories.push_back(dataset->label(int64_t(i)));
      s.categoryNames = dataset->classNames();
      break;
    case Colouring::Kl:
    case Colouring::Reconstruction:
      if (!map.encoding || map.encoding->kl.empty())
        bad("field `colour`: KL and reconstruction error need a model's latent map (vectors read "
            "from a file have neither)");
      s.values = by.kind == Colouring::Kl ? map.encoding->kl : map.encoding->reconstruction;
      s.valueLabel =
          by.kind == Colouring::Kl ? QStringLiteral("KL (nats)") : QStringLiteral("−log p(x|z)");
      break;
    case Colouring::PredictedClass:
    case Colouring::ClassEntropy:
      if (!map.encoding || map.encoding->classEntropy.empty())
        bad("field `colour`: the class q(y|x) predicts and its entropy need a latent map of a "
            "conditional model with a classifier (strata_meta.condition)");
      if (by.kind == Colouring::ClassEntropy) {
        s.values = map.encoding->classEntropy;
        s.valueLabel = QStringLiteral("entropy of q(y|x) (nats)");
      } else {
        s.categories.assign(map.encoding->predictedClass.begin(),
                            map.encoding->predictedClass.end());
        s.categoryNames = model->info().classes;
      }
      break;
    case Colouring::Factor: {
      const int f = int(dataset->factorNames().indexOf(by.factor));
      if (f < 0)
        bad(QStringLiteral("field `colour`: the dataset has no factor '%1'").arg(by.factor));
      for (size_t i = 0; i < n; ++i) s.values.push_back(float(dataset->factor(int64_t(i), f)));
      s.valueLabel = by.factor;
      break;
    }
    case Colouring::Unit: {
      if (!map.encoding || !model) bad("field `colour`: a latent unit needs a latent map");
      const int column = by.unit;
      const int dims = map.encoding->dims;
      if (column < 0 || column >= dims)
        bad(QStringLiteral("field `colour`: unit must be 0 to %1 for this map").arg(dims - 1));
      for (size_t i = 0; i < n; ++i)
        s.values.push_back(map.encoding->latents[i * size_t(dims) + size_t(column)]);
      s.valueLabel = encodedUnitLabel(model->info(), map.source, column);
      break;
    }
    case Colouring::None:
      break;
  }
  s.title = titleOf(r, map.description);
  const bool pca = request.method == ProjectionMethod::Pca;
  s.xLabel = pca ? QStringLiteral("PC 1") : QStringLiteral("1");
  s.yLabel = pca ? QStringLiteral("PC 2") : QStringLiteral("2");
  s.caption = QStringLiteral("%1 points of %2.").arg(n).arg(dataset->name());
  s.width = r.style ? r.style->width.value_or(420) : 420;
  s.height = r.style ? r.style->height.value_or(330) : 330;
  layoutScatter(s, styleOf(r)).save(output);
}

// The model (with an encoder), dataset and items of a figure drawn over the items a metrics
// table draws (unit, correlations): `count` of the dataset shuffled with the recipe's seed.
struct OverMetricItems {
  std::shared_ptr<Model> model;
  DatasetPtr dataset;
  std::vector<int64_t> items;
  uint64_t seed = 0;
};
OverMetricItems overMetricItems(const RecipeCommon& r, std::optional<qint64> count,
                                const QString& baseDir, bool checkHash, const char* figureNeeds) {
  OverMetricItems in{loadModels(r, baseDir, checkHash).front(),
                     datasetOf(r, baseDir),
                     {},
                     uint64_t(r.seed.value_or(0))};
  requireCompatible(*in.model, *in.dataset);
  if (!in.model->info().hasEncoder)
    bad(QStringLiteral("field `models`: %1 a model with an encoder").arg(figureNeeds));
  MetricsOptions options;
  options.items = count.value_or(kDefaultMetricItems);
  options.seed = in.seed;
  in.items = metricItems(options, in.dataset->size());
  if (in.items.size() < 2)
    bad(QStringLiteral("field `dataset`: %1 at least two items").arg(figureNeeds));
  return in;
}

// The caption of a unit figure: what the rows show, then the numbers the inspector lists.
QString unitCaption(const UnitInspection& u, const Dataset& dataset, uint64_t seed) {
  const UnitProfile& p = u.profile;
  QStringList parts;
  parts << QStringLiteral(
               "Posterior means over %1 items of %2 (seed %3): from %4 to %5, beyond the unit's "
               "own posterior sd on %6% of items")
               .arg(p.items.size())
               .arg(dataset.name())
               .arg(seed)
               .arg(cellValue(p.low), cellValue(p.high))
               .arg(100.0 * p.beyondNoise, 0, 'f', 1);
  QStringList quantiles;
  for (size_t q = 0; q < p.quantiles.size(); ++q)
    quantiles << QStringLiteral("%1%: %2")
                     .arg(100.0 * p.quantiles[q])
                     .arg(cellValue(p.quantileValues[q]));
  parts << QStringLiteral("quantiles %1").arg(quantiles.join(QStringLiteral(", ")));
  parts << QStringLiteral("traversal from the median item, %1 to %2, lower layers kept")
               .arg(cellValue(u.values.front()), cellValue(u.values.back()));
  QStringList neighbours;
  for (size_t n = 0; n < p.correlated.size() && n < 4; ++n)
    neighbours << QStringLiteral("%1 (r %2, sampled %3)")
                      .arg(p.correlated[n].label, cellValue(p.correlated[n].meanCorrelation),
                           cellValue(p.correlated[n].sampledCorrelation));
  if (!neighbours.isEmpty())
    parts << QStringLiteral("most correlated: %1").arg(neighbours.join(QStringLiteral(", ")));
  QStringList information;
  for (int k = 0; k < p.factorNames.size(); ++k)
    information << QStringLiteral("%1 %2").arg(p.factorNames[k],
                                               cellValue(p.factorInformation[size_t(k)]));
  if (!information.isEmpty())
    parts << QStringLiteral("mutual information with the factors (nats, 20 bins): %1")
                 .arg(information.join(QStringLiteral(", ")));
  return parts.join(QStringLiteral("; ")) + '.';
}

void renderUnit(const UnitRecipe& r, const QString& output, const QString& baseDir,
                const JobControl& job, bool checkHash) {
  const OverMetricItems in =
      overMetricItems(r, r.metricItems, baseDir, checkHash, "a unit figure needs");
  const auto& [model, dataset, items, seed] = in;
  if (!r.unit) bad("field `unit` is missing; name the unit, e.g. \"z[0]\"");
  const auto [layer, unit] = parseUnit(model->info(), *r.unit, "unit");
  const UnitInspection u = inspectUnit(*model, *dataset, items, nullptr, layer, unit, seed, job);
  const UnitProfile& p = u.profile;
  GridFigure grid;
  grid.columns = UnitInspection::kTraversalSteps;
  auto addRow = [&](const QVector<QImage>& images, const QString& label) {
    for (int c = 0; c < grid.columns; ++c) grid.cells.push_back(images.value(c));
    grid.rowLabels << label;
    ++grid.rows;
  };
  auto itemImages = [&](const std::vector<int64_t>& chosen) {
    QVector<QImage> images;
    for (int64_t i : chosen) images << datasetImage(*dataset, i);
    return images;
  };
  addRow(itemImages(p.highest), QStringLiteral("highest"));
  addRow(itemImages(p.lowest), QStringLiteral("lowest"));
  addRow(itemImages(p.quantileItems), QStringLiteral("quantiles"));
  addRow(toQImages(u.traversal, model->info().input), QStringLiteral("traversal"));
  grid.title = titleOf(r, QStringLiteral("Unit %1 of %2").arg(*r.unit, model->info().name));
  grid.caption = unitCaption(u, *dataset, seed);
  grid.wrapCaption = true;
  grid.cellSize = cellSizeOf(r, 36);
  layoutGrid(grid, styleOf(r)).save(output);
}

void renderCorrelations(const CorrelationsRecipe& r, const QString& output, const QString& baseDir,
                        const JobControl& job, bool checkHash) {
  const OverMetricItems in =
      overMetricItems(r, r.metricItems, baseDir, checkHash, "correlations of codes need");
  const auto& [model, dataset, items, seed] = in;
  const CodeCorrelations c =
      codeCorrelations(encodePosteriors(*model, *dataset, items, -1, seed, job), model->info());
  MatrixFigure m;
  m.labels = c.labels;
  m.panels = {{QStringLiteral("posterior means"), c.means.correlation},
              {QStringLiteral("posterior samples (one draw per item)"), c.samples.correlation}};
  m.title = titleOf(r, QStringLiteral("Correlations of the codes of %1").arg(model->info().name));
  const QString shown =
      c.totalUnits > int(c.units.size())
          ? QStringLiteral("the %1 of %2 units whose means vary most")
                .arg(c.units.size())
                .arg(c.totalUnits)
          : QStringLiteral("all %1 units, by falling variance of their means").arg(c.totalUnits);
  m.caption = QStringLiteral(
                  "%1 items of %2 (seed %3), %4. Mean |r| between different units: %5 for the "
                  "means, %6 for the samples.")
                  .arg(c.items)
                  .arg(dataset->name())
                  .arg(seed)
                  .arg(shown)
                  .arg(cellValue(c.meanAbsMeans), cellValue(c.meanAbsSamples));
  if (m.labels.size() > MatrixFigure::kMaxLabelledUnits)
    m.caption +=
        QStringLiteral(" Units, top to bottom: %1.").arg(m.labels.join(QStringLiteral(", ")));
  layoutMatrices(m, styleOf(r)).save(output);
}

void renderAnalogy(const AnalogyRecipe& r, const QString& output, const QString& baseDir,
                   const JobControl& job, bool checkHash) {
  const auto model = loadModels(r, baseDir, checkHash).front();
  const DatasetPtr dataset = datasetOf(r, baseDir);
  requireCompatible(*model, *dataset);
  const ModelInfo& info = model->info();
  if (!info.conditional())
    bad(QStringLiteral("field `models`: an analogy figure needs a conditional model "
                       "(strata_meta.condition); %1 has no classes")
            .arg(info.name));
  if (!info.hasEncoder) bad(QStringLiteral("field `models`: an analogy figure needs an encoder"));
  const std::vector<int64_t> items =
      r.items ? itemList(r.items, "items", *dataset) : spreadIndices(dataset->size(), 8);
  const AnalogyGrid a = analogyGrid(*model, *dataset, items, job);
  GridFigure grid;
  grid.columns = a.classes + 1;
  grid.columnLabels << QStringLiteral("input") << info.classes;
  const QVector<QImage> decoded = toQImages(a.images, info.input);
  for (size_t i = 0; i < items.size(); ++i) {
    grid.cells.push_back(datasetImage(*dataset, items[i]));
    for (int c = 0; c < a.classes; ++c) grid.cells.push_back(decoded.value(int(i) * a.classes + c));
    const EncodingClass& under = a.encodedUnder[i];
    grid.rowLabels << QStringLiteral("%1 (%2)").arg(items[i]).arg(
        under.cls < 0     ? QStringLiteral("uniform y")
        : under.fromLabel ? info.classes[under.cls]
                          : QStringLiteral("q: %1").arg(info.classes[under.cls]));
    ++grid.rows;
  }
  grid.title = titleOf(r, QStringLiteral("Analogies of %1").arg(info.name));
  grid.caption = QStringLiteral(
                     "Each item of %1 encoded under its label (\"q:\" the class q(y|x) predicts "
                     "where it has none), z = the posterior mean kept and decoded under every "
                     "class.")
                     .arg(dataset->name());
  grid.wrapCaption = true;
  grid.cellSize = cellSizeOf(r, 36);
  layoutGrid(grid, styleOf(r)).save(output);
}

}  // namespace

void CollapseRecipe::render(const QString& output, const QString& baseDir, const JobControl& job,
                            bool checkHash) const {
  const OverMetricItems in =
      overMetricItems(*this, metricItems, baseDir, checkHash, "a collapse figure needs");
  const auto& [model, dataset, items, figureSeed] = in;
  const QString unavailable = collapsePredictionUnavailable(model->info());
  if (!unavailable.isEmpty()) bad("field `models`: no linear-theory prediction: " + unavailable);
  const CollapsePrediction p = predictCollapse(*model, *dataset, items, job.range(0, 0.3));
  if (!p.computed) bad("field `models`: no linear-theory prediction: " + p.reason);
  const LatentStats stats = computeLatentStats(*model, *dataset, items, job.range(0.3, 1.0));
  std::vector<double> observed;
  for (const UnitStats& u : stats.layers.front().units) observed.push_back(u.kl);
  std::sort(observed.begin(), observed.end(), std::greater<>());
  const auto kept = std::count_if(observed.begin(), observed.end(),
                                  [](double kl) { return kl >= LatentStats::kCollapsedUnitKl; });
  LineFigure f;
  f.title = titleOf(
      *this,
      QStringLiteral("Collapse of %1: KL per unit and the linear theory").arg(model->info().name));
  f.xLabel = QStringLiteral("unit rank (largest KL first)");
  f.yLabel = QStringLiteral("KL (nats)");
  f.series = {
      {QStringLiteral("model: KL per unit, sorted (%1 of %2 at or above %3 nats)")
           .arg(kept)
           .arg(p.units)
           .arg(LatentStats::kCollapsedUnitKl),
       observed, QColor(31, 119, 180)},
      {QStringLiteral("linear theory: 1/2 ln(lambda_i / (beta eta_dec^2)) (%1 of %2 active)")
           .arg(p.predictedActive)
           .arg(p.units),
       p.unitKl, QColor(255, 127, 14)}};
  // Every number is substituted in one pass, so a dataset name holding "%1" stays as it is.
  const QString over =
      p.items == int64_t(items.size())
          ? QStringLiteral("%1 items of %2 (seed %3).")
                .arg(QString::number(p.items), dataset->name(), QString::number(figureSeed))
          : QStringLiteral("KL over %1 items of %2 (seed %3), the spectrum over the first %4.")
                .arg(QString::number(items.size()), dataset->name(), QString::number(figureSeed),
                     QString::number(p.items));
  f.caption = over + QStringLiteral(
                         " Dang et al. (ICLR 2024): a linear %1VAE with learnable encoder variance "
                         "keeps unit i active when the i-th eigenvalue lambda_i of %2 exceeds "
                         "beta eta_dec^2 = %3 x %4^2 = %5 (the model's strata_meta.objective%6). "
                         "KL in all: the model %7 nats, the theory %8 nats.")
                         .arg(p.conditional ? QStringLiteral("conditional ") : QString(),
                              p.conditional ? QStringLiteral("Cov(x) - Cov(x,y) Cov(y)^+ Cov(y,x)")
                                            : QStringLiteral("Cov(x)"),
                              QString::number(p.beta), QString::number(p.decoderStd),
                              QString::number(p.threshold, 'g', 4),
                              p.betaDeclared ? QString() : QStringLiteral(", beta not declared: 1"),
                              QString::number(
                                  std::accumulate(observed.begin(), observed.end(), 0.0), 'f', 2),
                              QString::number(p.predictedKl(), 'f', 2));
  layoutLines(f, styleOf(*this)).save(output);
}

void AnalogyRecipe::render(const QString& output, const QString& baseDir, const JobControl& job,
                           bool checkHash) const {
  renderAnalogy(*this, output, baseDir, job, checkHash);
}

void CorrelationsRecipe::render(const QString& output, const QString& baseDir,
                                const JobControl& job, bool checkHash) const {
  renderCorrelations(*this, output, baseDir, job, checkHash);
}

void UnitRecipe::render(const QString& output, const QString& baseDir, const JobControl& job,
                        bool checkHash) const {
  renderUnit(*this, output, baseDir, job, checkHash);
}

void TraversalRecipe::render(const QString& output, const QString& baseDir, const JobControl& job,
                             bool checkHash) const {
  renderTraversal(*this, output, baseDir, job, checkHash);
}

void HierarchyRecipe::render(const QString& output, const QString& baseDir, const JobControl& job,
                             bool checkHash) const {
  renderHierarchy(*this, output, baseDir, job, checkHash);
}

void ComparisonRecipe::render(const QString& output, const QString& baseDir, const JobControl& job,
                              bool checkHash) const {
  renderComparison(*this, output, baseDir, job, checkHash);
}

void ProjectionRecipe::render(const QString& output, const QString& baseDir, const JobControl& job,
                              bool checkHash) const {
  renderProjection(*this, output, baseDir, job, checkHash);
}

QJsonObject modelReference(const QString& path, bool hash) {
  const QFileInfo file(path);
  const QFileInfo bundled(bundledModelPath(file.fileName()));
  const bool isBundled =
      bundled.exists() && bundled.canonicalFilePath() == file.canonicalFilePath();
  QJsonObject reference{{"path", isBundled ? kBundled + file.fileName() : file.absoluteFilePath()}};
  if (hash) reference["sha256"] = fileSha256(path);
  return reference;
}

RecipeModel recipeModel(const QString& path, bool hash) {
  const QJsonObject reference = modelReference(path, hash);
  RecipeModel model;
  model.path = reference.value(QLatin1String("path")).toString();
  if (hash) model.sha256 = reference.value(QLatin1String("sha256")).toString();
  return model;
}

QString resolveModel(const QJsonObject& reference, const QString& baseDir, bool checkHash) {
  QString path = reference["path"].toString();
  if (path.isEmpty()) throw Error("a model reference has no path");
  if (path.startsWith(kBundled))
    path = bundledModelPath(path.mid(kBundled.size()));
  else if (QFileInfo(path).isRelative() && !baseDir.isEmpty())
    path = QDir(baseDir).filePath(path);
  if (!QFileInfo(path).isFile())
    throw Error(QStringLiteral("model file not found: %1").arg(path).toStdString());
  const QString expected = reference["sha256"].toString();
  if (!checkHash || expected.isEmpty()) return path;
  const QString actual = fileSha256(path);  // the whole file: read it once
  if (actual != expected)
    throw Error(QStringLiteral("%1 has changed since the recipe was written (SHA-256 %2, the "
                               "recipe expects %3); the figure would differ")
                    .arg(path, actual.left(12), expected.left(12))
                    .toStdString());
  return path;
}

QJsonObject readRecipe(const QString& path) {
  const QJsonObject recipe = readJsonObject(path, QStringLiteral("recipe"));
  validateRecipe(recipe, path);
  return recipe;
}

RenderedFigure renderRecipe(const QJsonObject& input, const QString& output, const QString& baseDir,
                            const JobControl& job, bool checkHash, const QString& where) {
  const QString source = where.isEmpty() ? QStringLiteral("recipe") : where;
  QJsonObject json = input;
  json["strata_recipe"] = kRecipeVersion;
  FigureRecipe recipe = figureRecipeFromJson(json, source);  // every field checked
  const QString suffix = QFileInfo(output).suffix().toLower();
  if (!QStringList{"png", "svg", "pdf", "gif"}.contains(suffix))
    throw Error(QStringLiteral("output '%1': use .png, .svg, .pdf (or .gif for traversals)")
                    .arg(output)
                    .toStdString());
  if (suffix == QLatin1String("gif") && figureKindOf(recipe) != FigureKind::Traversal)
    throw Error(QStringLiteral("output '%1': only traversals are animated (GIF)")
                    .arg(output)
                    .toStdString());
  RecipeCommon& common = commonOf(recipe);
  // The written recipe names its figure by file name alone, which it must be able to read back.
  common.output = QFileInfo(output).fileName();
  if (!isPlainFileName(QFileInfo(output).fileName()))
    throw Error(QStringLiteral("output '%1': the file name must not contain '\\' or control "
                               "characters")
                    .arg(output)
                    .toStdString());
  requireOutputFolder(output);
  // References made without a hash get it here, so the written recipe pins the model files.
  if (common.models)
    for (RecipeModel& model : *common.models)
      if (model.sha256.value_or(QString()).isEmpty())
        model.sha256 = fileSha256(resolveModel(referenceJson(model), baseDir, false));
  // Likewise a UMAP from before the graph's effort was a choice names the graph it gets.
  if (auto* projection = std::get_if<ProjectionRecipe>(&recipe))
    if (projection->method == ProjectionMethod::Umap && !projection->neighbourGraph)
      projection->neighbourGraph = KnnEffort::Thorough;
  try {
    std::visit([&](const auto& r) { r.render(output, baseDir, job, checkHash); }, recipe);
  } catch (const RecipeProblem& problem) {
    throw DataError(source.toStdString(), problem.what());
  }
  const QString recipePath = output + QStringLiteral(".json");
  // Written by the code that read it: what the figure was made from, in the same form.
  writeFileAtomically(recipePath, QJsonDocument(figureRecipeToJson(recipe)).toJson(),
                      QStringLiteral("recipe"));
  job.report(1.0);
  return {output, recipePath};
}

}  // namespace strata
