#pragma once
// One typed struct per figure kind, holding every field a recipe of that kind may have. The
// recipe reader (renderRecipe, `strata render`), the figure subcommands and the views all go
// through these: fromJson() checks every field against the recipe table (recipe_schema.h, the
// limits the command line uses too), toJson() writes what was read, and render() draws it, so
// a recipe is written by the same code that reads it. Fields a recipe may leave out are
// optional and stay out when written; render() applies the defaults (some depend on the model
// or the dataset). Format: docs/recipes.md.
//
// fromJson and toJson need Qt Core only (the fuzzed reader uses them); render() is defined with
// the renderer (recipe.cpp) and needs models and datasets.

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>
#include <variant>
#include <vector>

#include "core/analysis/projection_names.h"
#include "core/analysis/traversal_names.h"
#include "core/base/job.h"
#include "core/figures/figure_names.h"

namespace strata {

// A model file: "bundled:NAME.pt" or a path, and the SHA-256 of its content.
struct RecipeModel {
  std::optional<QString> path;
  std::optional<QString> sha256;
};

struct RecipeStyle {
  std::optional<QString> font;
  std::optional<double> fontSize;
  std::optional<int> dpi;
  std::optional<QString> title;
  std::optional<double> cellSize;       // grids (traversal, hierarchy, comparison)
  std::optional<double> width, height;  // projections
};

// The fields every figure kind has.
struct RecipeCommon {
  std::optional<std::vector<RecipeModel>> models;
  std::optional<QString> dataset;  // a dataset spec; "" for none
  std::optional<qint64> seed;
  std::optional<RecipeStyle> style;
  std::optional<QString> output;  // the figure's file name, without folders
};

struct TraversalRecipe : RecipeCommon {
  static constexpr FigureKind kKind = FigureKind::Traversal;
  struct Start {  // either an item, or a prior sample (prior_seed, temperature)
    std::optional<qint64> item;
    std::optional<qint64> priorSeed;
    std::optional<double> temperature;
    std::optional<QString> cls = {};  // "class": a conditional model's class to decode under
  };
  struct Range {
    std::optional<RangeMode> mode;
    std::optional<double> k;
  };
  std::optional<Start> start;
  std::optional<QStringList> units;  // unit labels as the views show them: "z_top[3]"
  std::optional<int> steps;
  std::optional<Range> range;
  std::optional<Propagation> propagation;
  std::optional<qint64> statsItems;
  std::optional<int> gifDelayMs;

  // Throws DataError(where, "field `steps` must be ...") for a field that is wrong, unknown,
  // or of another figure kind. `where` is the recipe's file ("recipe" if empty).
  static TraversalRecipe fromJson(const QJsonObject& json, const QString& where = {});
  QJsonObject toJson() const;
  // Draws the figure alone to `output` (.png, .svg, .pdf or .gif; renderRecipe checks the
  // output and writes the recipe); model references resolve against `baseDir`. Throws Error
  // for a recipe that does not fit its model or data ("field `units`: model M has no unit
  // 'z[9]'", which renderRecipe turns into a DataError naming the file) or for missing or
  // changed files, or Cancelled.
  void render(const QString& output, const QString& baseDir, const JobControl& job,
              bool checkHash) const;
};

struct HierarchyRecipe : RecipeCommon {
  static constexpr FigureKind kKind = FigureKind::Hierarchy;
  std::optional<HierarchyPage> page;
  std::optional<std::vector<qint64>> items;         // resampling
  std::optional<int> samples;                       // resampling
  std::optional<std::vector<double>> temperatures;  // temperature: one per layer
  std::optional<int> count;                         // temperature
  std::optional<std::vector<qint64>> pair;          // mixing: items A and B
  std::optional<qint64> statsItems;                 // kl
  // resampling and mixing: the numbers k of top layers kept, ascending in 0 .. L; absent:
  // levelsShown() (every k up to 8 layers, the group ends of deeper models)
  std::optional<std::vector<qint64>> levels;

  static HierarchyRecipe fromJson(const QJsonObject& json, const QString& where = {});
  QJsonObject toJson() const;
  void render(const QString& output, const QString& baseDir, const JobControl& job,
              bool checkHash) const;
};

struct ComparisonRecipe : RecipeCommon {
  static constexpr FigureKind kKind = FigureKind::Comparison;
  std::optional<std::vector<qint64>> items;
  std::optional<int> samples;
  std::optional<double> temperature;
  std::optional<QString> cls;  // "class": conditional models' samples decoded under it

  static ComparisonRecipe fromJson(const QJsonObject& json, const QString& where = {});
  QJsonObject toJson() const;
  void render(const QString& output, const QString& baseDir, const JobControl& job,
              bool checkHash) const;
};

struct ProjectionRecipe : RecipeCommon {
  static constexpr FigureKind kKind = FigureKind::Projection;
  // "pixels", "all-layers" or a layer's name (projectionSourceName); default: all layers with
  // a model, else pixels.
  std::optional<QString> source;
  std::optional<bool> samples;  // posterior samples instead of means
  std::optional<ProjectionMethod> method;
  std::optional<double> perplexity;
  std::optional<int> iterations;
  std::optional<int> neighbours;
  std::optional<double> minDist;
  std::optional<KnnEffort> neighbourGraph;  // absent: thorough, as before the choice existed
  std::optional<Colouring> colour;          // default: class if the dataset has classes, else none

  static ProjectionRecipe fromJson(const QJsonObject& json, const QString& where = {});
  QJsonObject toJson() const;
  void render(const QString& output, const QString& baseDir, const JobControl& job,
              bool checkHash) const;
};

// One latent unit as the unit inspector shows it (core/analysis/unit_profile.h): the items
// where it is highest and lowest, the items at its quantiles and a decoder traversal, with
// its most correlated units and its information about each factor in the caption.
struct UnitRecipe : RecipeCommon {
  static constexpr FigureKind kKind = FigureKind::Unit;
  std::optional<QString> unit;        // a single unit's label: "z_top[3]"
  std::optional<qint64> metricItems;  // items profiled: the first this many of a seeded shuffle
                                      // (as the metrics choose theirs); default 10,000

  static UnitRecipe fromJson(const QJsonObject& json, const QString& where = {});
  QJsonObject toJson() const;
  void render(const QString& output, const QString& baseDir, const JobControl& job,
              bool checkHash) const;
};

// One model's correlation matrices of mean codes and of sampled codes over the same items
// (core/analysis/code_correlations.h), as the compare view's Correlations page shows them.
struct CorrelationsRecipe : RecipeCommon {
  static constexpr FigureKind kKind = FigureKind::Correlations;
  std::optional<qint64> metricItems;  // as UnitRecipe's

  static CorrelationsRecipe fromJson(const QJsonObject& json, const QString& where = {});
  QJsonObject toJson() const;
  void render(const QString& output, const QString& baseDir, const JobControl& job,
              bool checkHash) const;
};

// Kingma et al.'s analogy figure for a conditional model (core/analysis/class_conditioning.h):
// each item encoded under its label (or predicted class), its z kept and decoded under every
// class, one row per item.
struct AnalogyRecipe : RecipeCommon {
  static constexpr FigureKind kKind = FigureKind::Analogy;
  std::optional<std::vector<qint64>> items;  // default: 8 items spread over the dataset

  static AnalogyRecipe fromJson(const QJsonObject& json, const QString& where = {});
  QJsonObject toJson() const;
  void render(const QString& output, const QString& baseDir, const JobControl& job,
              bool checkHash) const;
};

// A model's KL per unit, sorted, beside the KL Dang et al.'s linear theory predicts for each
// unit (core/analysis/collapse_prediction.h), over the same items as the metrics take them.
struct CollapseRecipe : RecipeCommon {
  static constexpr FigureKind kKind = FigureKind::Collapse;
  std::optional<qint64> metricItems;  // as UnitRecipe's

  static CollapseRecipe fromJson(const QJsonObject& json, const QString& where = {});
  QJsonObject toJson() const;
  void render(const QString& output, const QString& baseDir, const JobControl& job,
              bool checkHash) const;
};

// The map fields of a projection recipe as the window's map exports them: method, samples,
// seed, perplexity, neighbours, minimum distance, and the source by name ("pixels",
// "all-layers" or the layer's name in `layerNames`). Models, colour, dataset and style are the
// caller's.
ProjectionRecipe projectionRecipeOf(const ProjectionRequest& request,
                                    const QStringList& layerNames);

using FigureRecipe =
    std::variant<TraversalRecipe, HierarchyRecipe, ComparisonRecipe, ProjectionRecipe, UnitRecipe,
                 CorrelationsRecipe, AnalogyRecipe, CollapseRecipe>;

// Any recipe, by its "figure" field; throws DataError as the fromJson above.
FigureRecipe figureRecipeFromJson(const QJsonObject& json, const QString& where = {});
QJsonObject figureRecipeToJson(const FigureRecipe& recipe);
FigureKind figureKindOf(const FigureRecipe& recipe);
RecipeCommon& commonOf(FigureRecipe& recipe);

}  // namespace strata
