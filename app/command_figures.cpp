#include "app/command_figures.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QRegularExpression>
#include <QTextStream>

#include "app/cli_support.h"
#include "core/analysis/model_metrics.h"
#include "core/data/dataset_source.h"
#include "core/figures/recipe.h"
#include "core/figures/recipe_params.h"
#include "core/model/latent_stats.h"
#include "core/model/model_ops.h"
#include "core/model/traversal.h"

namespace strata::cli {
namespace {

// Options every figure command shares.
struct FigureOptions {
  QCommandLineOption output{{"o", "output"}, "figure file: .png, .svg or .pdf", "FILE"};
  QCommandLineOption font{"font", "font family (default DejaVu Sans)", "NAME", "DejaVu Sans"};
  QCommandLineOption fontSize{"font-size", "font size in points (default 9)", "PT", "9"};
  QCommandLineOption dpi{"dpi", "PNG resolution (default 300)", "DPI", "300"};
  QCommandLineOption title{"title", "figure title", "TEXT"};
  QCommandLineOption seed{"seed", "seed (default 0)", "S", "0"};
  QCommandLineOption data{"data", "dataset (default fashion-mnist:test)", "SPEC",
                          defaultDatasetSpec()};

  void add(QCommandLineParser& p) const {
    p.addOptions({output, font, fontSize, dpi, title, seed, data});
  }

  // Parses the arguments and checks that an output is named, in a folder that exists; false
  // after --help.
  bool parse(QCommandLineParser& p, const QStringList& arguments, const QString& command) const {
    if (!parseArguments(p, arguments, command)) return false;
    if (!p.isSet(output)) throw CommandError(kUsage, "-o FILE is required");
    checkOutputFolder(p.value(output));
    return true;
  }

  // Style and seed into the recipe, inputs checked, then the figure rendered.
  int finish(const QCommandLineParser& p, const QString& command, FigureRecipe recipe) const;

 private:
  void fill(const QCommandLineParser& p, FigureRecipe& recipe) const {
    const QString figure = figureKindName(figureKindOf(recipe));
    auto field = [&](const char* key) -> const RecipeField& {
      return recipeField(figure, QString::fromLatin1(key));
    };
    RecipeCommon& common = commonOf(recipe);
    RecipeStyle style;
    style.font = textOption("font", p.value(font), field("style.font"));
    style.fontSize = numberOption("font-size", p.value(fontSize), field("style.font_size"));
    style.dpi = int(integerOption("dpi", p.value(dpi), field("style.dpi")));
    if (p.isSet(title)) style.title = textOption("title", p.value(title), field("style.title"));
    common.style = style;
    common.seed = integerOption("seed", p.value(seed), field("seed"));
    if (common.dataset) common.dataset = textOption("data", p.value(data), field("dataset"));
  }
};

// A choice option's value, checked against the recipe table (whose choices are the names
// table's), as the enum value it names.
template <class FromName>
auto choiceOption(const QString& name, const QString& value, const RecipeField& field,
                  FromName fromName) {
  return fromName(textOption(name, value, field)).value();
}

std::vector<qint64> itemsOption(const QString& figure, const QString& text) {
  std::vector<qint64> items;
  for (const QJsonValue& v : integerListOption("items", text, recipeField(figure, "items")))
    items.push_back(v.toInteger());
  return items;
}

std::vector<RecipeModel> modelReferences(const QStringList& paths) {
  std::vector<RecipeModel> models;
  for (const QString& path : paths) {
    if (!QFileInfo(path).isFile())
      throw CommandError(kFailed, QStringLiteral("model file not found: %1").arg(path));
    models.push_back(recipeModel(path));
  }
  return models;
}

// Validates the models and dataset before any work, so a bad argument fails fast and clearly.
void checkInputs(const QJsonObject& recipe) {
  for (const auto& m : recipe["models"].toArray()) loadModel(resolveModel(m.toObject(), {}));
  if (recipe.contains("dataset")) loadDataset(recipe["dataset"].toString());
}

int render(const QString& command, const QJsonObject& recipe, const QString& output,
           const QString& baseDir = {}, bool checkHash = true, const QString& recipeFile = {}) {
  const RenderedFigure f =
      renderRecipe(recipe, output, baseDir, stderrProgress(command), checkHash, recipeFile);
  QTextStream(stdout) << "wrote " << f.figurePath << "\nrecipe " << f.recipePath << "\n";
  return kOk;
}

int FigureOptions::finish(const QCommandLineParser& p, const QString& command,
                          FigureRecipe recipe) const {
  fill(p, recipe);
  const QJsonObject json = figureRecipeToJson(recipe);
  checkInputs(json);
  return render(command, json, p.value(output));
}

// --items N of the figures drawn over the items a metrics table draws (unit, correlations).
QCommandLineOption metricItemsOption(const char* what) {
  return {QStringLiteral("items"),
          QStringLiteral("items %1, a seeded sample as the metrics draw (default %2)")
              .arg(QLatin1String(what))
              .arg(kDefaultMetricItems),
          QStringLiteral("N"), QString::number(kDefaultMetricItems)};
}

QCommandLineParser& describe(QCommandLineParser& p, const QString& text) {
  p.setApplicationDescription(text);
  p.addHelpOption();
  return p;
}

}  // namespace

int renderCommand(const QStringList& arguments) {
  return runCommand("render", [&] {
    QCommandLineParser p;
    describe(p, "Make a figure again from its recipe (the .json written beside every export).");
    p.addPositionalArgument("recipe", "recipe file", "RECIPE.json");
    const QCommandLineOption output({"o", "output"}, "write here instead of the recipe's output",
                                    "FILE");
    const QCommandLineOption ignoreHash("ignore-hash", "render even if a model file changed since");
    p.addOptions({output, ignoreHash});
    if (!parseArguments(p, arguments, "render")) return int(kOk);
    if (p.positionalArguments().size() != 1) throw CommandError(kUsage, "give one recipe file");
    const QString path = p.positionalArguments().front();
    const QJsonObject recipe = readRecipe(path);
    const QString baseDir = QFileInfo(path).absolutePath();
    // Without -o the figure goes beside the recipe, under the plain file name it holds
    // (validated: no folders), so a shared recipe writes nowhere else.
    QString out = p.isSet(output) ? p.value(output) : recipe["output"].toString();
    if (out.isEmpty()) throw CommandError(kUsage, "the recipe names no output; use -o FILE");
    if (!p.isSet(output)) out = QDir(baseDir).filePath(out);
    checkOutputFolder(out);
    return render("render", recipe, out, baseDir, !p.isSet(ignoreHash), path);
  });
}

int traverseCommand(const QStringList& arguments) {
  return runCommand("traverse", [&] {
    QCommandLineParser p;
    describe(p, "Traversal grid (PNG, SVG, PDF) or animation (GIF) of latent units.");
    p.addPositionalArgument("model", "TorchScript model file", "MODEL.pt");
    FigureOptions common;
    common.add(p);
    const QCommandLineOption item("item", "start from this item's posterior mean (default 0)", "N",
                                  "0");
    const QCommandLineOption prior("prior", "start from a prior sample instead");
    const QCommandLineOption units("units", "units, e.g. z_top[0],z_top[3] (default: --top)",
                                   "LIST");
    const QCommandLineOption top("top", "the K units with the most KL (default 8)", "K", "8");
    const QCommandLineOption steps("steps", "values per unit (default 9)", "N", "9");
    const QCommandLineOption range("range", namesText(kRangeModeNames), "MODE",
                                   rangeModeName(RangeMode::PriorSigma));
    const QCommandLineOption k("k", "sigmas for the sigma ranges (default 3)", "K", "3");
    const QCommandLineOption keep("keep-lower", "keep lower layers instead of regenerating them");
    const QCommandLineOption cls("class",
                                 "a conditional model's class to decode under (default: as "
                                 "encoded, or the first class for --prior)",
                                 "NAME");
    p.addOptions({item, prior, units, top, steps, range, k, keep, cls});
    if (!common.parse(p, arguments, "traverse")) return int(kOk);
    if (p.positionalArguments().size() != 1) throw CommandError(kUsage, "give one model file");
    const QString modelPath = p.positionalArguments().front();
    const QString figure = figureKindName(FigureKind::Traversal);
    auto field = [&](const char* key) -> const RecipeField& {
      return recipeField(figure, QString::fromLatin1(key));
    };
    TraversalRecipe recipe;
    recipe.models = modelReferences({modelPath});
    recipe.steps = int(integerOption("steps", p.value(steps), field("steps")));
    recipe.range = TraversalRecipe::Range{
        choiceOption("range", p.value(range), field("range.mode"), rangeModeFromName),
        numberOption("k", p.value(k), field("range.k"))};
    if (p.isSet(keep)) recipe.propagation = Propagation::KeepLower;
    if (p.isSet(prior)) {
      recipe.start = TraversalRecipe::Start{
          std::nullopt, integerOption("seed", p.value(common.seed), field("start.prior_seed")),
          1.0};
    } else {
      recipe.dataset = p.value(common.data);
      recipe.start = TraversalRecipe::Start{
          integerOption("item", p.value(item), field("start.item")), std::nullopt, std::nullopt};
    }
    if (p.isSet(cls)) recipe.start->cls = textOption("class", p.value(cls), field("start.class"));
    // As many units as a recipe holds: --top takes the same limit as the unit list.
    const RecipeField& unitsField = field("units");
    const RecipeField topField = [&] {
      RecipeField f = unitsField;
      f.kind = FieldKind::Integer;
      f.low = f.minCount;
      f.high = f.maxCount;
      return f;
    }();
    QStringList unitList;
    if (p.isSet(units)) {
      const QStringList parts =
          p.value(units).split(QRegularExpression(",(?![^\\[]*\\])"), Qt::SkipEmptyParts);
      for (const QString& u : parts) unitList << u.trimmed();
      textListOption("units", unitList, p.value(units), unitsField);
    }
    const int count = int(integerOption("top", p.value(top), topField));
    const auto model = loadModel(modelPath);
    if (!p.isSet(units)) {
      // The units with the most KL, from statistics over 2,000 items (recorded explicitly, so
      // the recipe does not depend on this choice being made again).
      const DatasetPtr dataset = loadDataset(p.value(common.data));
      const LatentStats stats = computeLatentStats(
          *model, *dataset,
          spreadIndices(dataset->size(), int(std::min<int64_t>(2000, dataset->size()))),
          stderrProgress("unit statistics"));
      std::vector<std::tuple<double, int, int>> ranked;
      for (size_t l = 0; l < stats.layers.size(); ++l)
        for (size_t u = 0; u < stats.layers[l].units.size(); ++u)
          ranked.emplace_back(-stats.layers[l].units[u].kl, int(l), int(u));
      std::sort(ranked.begin(), ranked.end());
      for (int i = 0; i < count && i < int(ranked.size()); ++i)
        unitList << unitLabel(model->info(), std::get<1>(ranked[size_t(i)]),
                              std::get<2>(ranked[size_t(i)]));
    }
    recipe.units = unitList;
    return common.finish(p, "traverse", recipe);
  });
}

int hierarchyCommand(const QStringList& arguments) {
  return runCommand("hierarchy", [&] {
    QCommandLineParser p;
    describe(p, "Layer-wise resampling grid: keep the top layers, resample the rest.");
    p.addPositionalArgument("model", "TorchScript model file", "MODEL.pt");
    FigureOptions common;
    common.add(p);
    const QCommandLineOption items("items", "input items, e.g. 0,7,42 (default 0,1)", "LIST",
                                   "0,1");
    const QCommandLineOption samples("samples", "draws per level (default 6)", "N", "6");
    p.addOptions({items, samples});
    if (!common.parse(p, arguments, "hierarchy")) return int(kOk);
    if (p.positionalArguments().size() != 1) throw CommandError(kUsage, "give one model file");
    const QString figure = figureKindName(FigureKind::Hierarchy);
    HierarchyRecipe recipe;
    recipe.models = modelReferences(p.positionalArguments());
    recipe.dataset = p.value(common.data);
    recipe.items = itemsOption(figure, p.value(items));
    recipe.samples =
        int(integerOption("samples", p.value(samples), recipeField(figure, "samples")));
    return common.finish(p, "hierarchy", recipe);
  });
}

int projectCommand(const QStringList& arguments) {
  return runCommand("project", [&] {
    QCommandLineParser p;
    describe(p, "Scatter plot of a projection (PCA, t-SNE or UMAP) of pixels or latents.");
    FigureOptions common;
    common.add(p);
    const QCommandLineOption model("model", "encode with this model (else: pixels)", "MODEL.pt");
    const QCommandLineOption source("source",
                                    QStringLiteral("%1, %2 or a layer name")
                                        .arg(projectionSourceName(ProjectionRequest::kPixels),
                                             projectionSourceName(ProjectionRequest::kAllLayers)),
                                    "SOURCE");
    const QString pca = projectionMethodName(ProjectionMethod::Pca);
    const QCommandLineOption method(
        "method", QStringLiteral("%1 (default %2)").arg(namesText(kProjectionMethodNames), pca),
        "METHOD", pca);
    const QCommandLineOption colour(
        "colour",
        colouringNamesText() + QStringLiteral(" (unit:N: column N of the encoded latents)"), "BY");
    const QCommandLineOption samples("samples", "posterior samples instead of means");
    const QCommandLineOption perplexity("perplexity", "t-SNE perplexity (default 30)", "P");
    const QCommandLineOption iterations("iterations", "t-SNE iterations (default 1000)", "N");
    const QCommandLineOption neighbours("neighbours", "UMAP neighbours (default 15)", "K");
    const QCommandLineOption minDist("min-dist", "UMAP minimum distance (default 0.1)", "D");
    const QString standard = knnEffortName(KnnEffort::Standard);
    const QCommandLineOption graph("neighbour-graph",
                                   QStringLiteral("UMAP's neighbour graph: %1 (default %2)")
                                       .arg(namesText(kKnnEffortNames), standard),
                                   "EFFORT", standard);
    p.addOptions({model, source, method, colour, samples, perplexity, iterations, neighbours,
                  minDist, graph});
    if (!common.parse(p, arguments, "project")) return int(kOk);
    if (!p.positionalArguments().isEmpty()) throw CommandError(kUsage, "unexpected arguments");
    const QString figure = figureKindName(FigureKind::Projection);
    auto field = [&](const char* key) -> const RecipeField& {
      return recipeField(figure, QString::fromLatin1(key));
    };
    ProjectionRecipe recipe;
    recipe.dataset = p.value(common.data);
    recipe.method =
        choiceOption("method", p.value(method), field("method"),
                     [](const QString& name) { return projectionMethodFromName(name); });
    recipe.samples = p.isSet(samples);
    if (p.isSet(model)) recipe.models = modelReferences({p.value(model)});
    if (p.isSet(source)) recipe.source = textOption("source", p.value(source), field("source"));
    if (p.isSet(colour))
      recipe.colour = choiceOption("colour", p.value(colour), field("colour"), colouringFromName);
    if (p.isSet(perplexity))
      recipe.perplexity = numberOption("perplexity", p.value(perplexity), field("perplexity"));
    if (p.isSet(iterations))
      recipe.iterations =
          int(integerOption("iterations", p.value(iterations), field("iterations")));
    if (p.isSet(neighbours))
      recipe.neighbours =
          int(integerOption("neighbours", p.value(neighbours), field("neighbours")));
    if (p.isSet(minDist))
      recipe.minDist = numberOption("min-dist", p.value(minDist), field("min_dist"));
    if (p.isSet(graph) && recipe.method != ProjectionMethod::Umap)
      throw CommandError(kUsage, "--neighbour-graph applies to UMAP only");
    // Written for every UMAP, so the recipe never falls back to the thorough graph of recipes
    // from before the choice existed.
    if (recipe.method == ProjectionMethod::Umap)
      recipe.neighbourGraph =
          choiceOption("neighbour-graph", p.value(graph), field("neighbour_graph"),
                       [](const QString& name) { return knnEffortFromName(name); });
    return common.finish(p, "project", recipe);
  });
}

int compareCommand(const QStringList& arguments) {
  return runCommand("compare", [&] {
    QCommandLineParser p;
    describe(p, "Two to four models on the same inputs: reconstructions and prior samples.");
    p.addPositionalArgument("models", "TorchScript model files", "MODEL.pt...");
    FigureOptions common;
    common.add(p);
    const QCommandLineOption items("items", "input items (default 0,...,7)", "LIST",
                                   "0,1,2,3,4,5,6,7");
    const QCommandLineOption temperature("temperature", "prior temperature (default 1)", "T", "1");
    const QCommandLineOption cls("class", "conditional models' samples under this class", "NAME");
    p.addOptions({items, temperature, cls});
    if (!common.parse(p, arguments, "compare")) return int(kOk);
    const QStringList paths = p.positionalArguments();
    if (paths.size() < 1 || paths.size() > 4) throw CommandError(kUsage, "give one to four models");
    const QString figure = figureKindName(FigureKind::Comparison);
    ComparisonRecipe recipe;
    recipe.models = modelReferences(paths);
    recipe.dataset = p.value(common.data);
    recipe.items = itemsOption(figure, p.value(items));
    recipe.temperature =
        numberOption("temperature", p.value(temperature), recipeField(figure, "temperature"));
    if (p.isSet(cls)) recipe.cls = textOption("class", p.value(cls), recipeField(figure, "class"));
    return common.finish(p, "compare", recipe);
  });
}

int unitCommand(const QStringList& arguments) {
  return runCommand("unit", [&] {
    QCommandLineParser p;
    describe(p,
             "One latent unit as the unit inspector shows it: the items where it is highest, "
             "lowest and at its quantiles, and a decoder traversal over its data range.");
    p.addPositionalArgument("model", "TorchScript model file", "MODEL.pt");
    FigureOptions common;
    common.add(p);
    const QCommandLineOption unit("unit", "the unit, e.g. z_top[3] (as the views name it)",
                                  "LABEL");
    const QCommandLineOption items = metricItemsOption("profiled");
    p.addOptions({unit, items});
    if (!common.parse(p, arguments, "unit")) return int(kOk);
    if (p.positionalArguments().size() != 1) throw CommandError(kUsage, "give one model file");
    if (!p.isSet(unit)) throw CommandError(kUsage, "--unit LABEL is required");
    const QString figure = figureKindName(FigureKind::Unit);
    UnitRecipe recipe;
    recipe.models = modelReferences(p.positionalArguments());
    recipe.dataset = p.value(common.data);
    recipe.unit = textOption("unit", p.value(unit), recipeField(figure, "unit"));
    recipe.metricItems =
        integerOption("items", p.value(items), recipeField(figure, "metric_items"));
    return common.finish(p, "unit", recipe);
  });
}

int correlationsCommand(const QStringList& arguments) {
  return runCommand("correlations", [&] {
    QCommandLineParser p;
    describe(p,
             "Correlation matrices of a model's mean codes and of its sampled codes over the same "
             "items, side by side (up to 64 units, those whose means vary most).");
    p.addPositionalArgument("model", "TorchScript model file", "MODEL.pt");
    FigureOptions common;
    common.add(p);
    const QCommandLineOption items = metricItemsOption("encoded");
    p.addOption(items);
    if (!common.parse(p, arguments, "correlations")) return int(kOk);
    if (p.positionalArguments().size() != 1) throw CommandError(kUsage, "give one model file");
    const QString figure = figureKindName(FigureKind::Correlations);
    CorrelationsRecipe recipe;
    recipe.models = modelReferences(p.positionalArguments());
    recipe.dataset = p.value(common.data);
    recipe.metricItems =
        integerOption("items", p.value(items), recipeField(figure, "metric_items"));
    return common.finish(p, "correlations", recipe);
  });
}

int collapseCommand(const QStringList& arguments) {
  return runCommand("collapse", [&] {
    QCommandLineParser p;
    describe(p,
             "A model's KL per unit, sorted, beside the KL Dang et al.'s linear theory predicts "
             "for each unit from the data's covariance left unexplained by the condition, for a "
             "one-layer model that declares strata_meta.objective.decoder_std.");
    p.addPositionalArgument("model", "TorchScript model file", "MODEL.pt");
    FigureOptions common;
    common.add(p);
    const QCommandLineOption items = metricItemsOption("used");
    p.addOption(items);
    if (!common.parse(p, arguments, "collapse")) return int(kOk);
    if (p.positionalArguments().size() != 1) throw CommandError(kUsage, "give one model file");
    const QString figure = figureKindName(FigureKind::Collapse);
    CollapseRecipe recipe;
    recipe.models = modelReferences(p.positionalArguments());
    recipe.dataset = p.value(common.data);
    recipe.metricItems =
        integerOption("items", p.value(items), recipeField(figure, "metric_items"));
    return common.finish(p, "collapse", recipe);
  });
}

int analogyCommand(const QStringList& arguments) {
  return runCommand("analogy", [&] {
    QCommandLineParser p;
    describe(p,
             "A conditional model's analogies (Kingma et al.'s M2 figure): each item encoded under "
             "its label, its z kept and decoded under every class.");
    p.addPositionalArgument("model", "TorchScript model file with strata_meta.condition",
                            "MODEL.pt");
    FigureOptions common;
    common.add(p);
    const QCommandLineOption items("items", "items, e.g. 0,7,42 (default 8 spread over the data)",
                                   "LIST");
    p.addOption(items);
    if (!common.parse(p, arguments, "analogy")) return int(kOk);
    if (p.positionalArguments().size() != 1) throw CommandError(kUsage, "give one model file");
    const QString figure = figureKindName(FigureKind::Analogy);
    AnalogyRecipe recipe;
    recipe.models = modelReferences(p.positionalArguments());
    recipe.dataset = p.value(common.data);
    if (p.isSet(items)) recipe.items = itemsOption(figure, p.value(items));
    return common.finish(p, "analogy", recipe);
  });
}

}  // namespace strata::cli
