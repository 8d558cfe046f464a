#include "core/figures/recipe_params.h"

#include <QJsonArray>

#include "core/analysis/projection_names.h"
#include "core/base/errors.h"
#include "core/figures/recipe_schema.h"

namespace strata {
namespace {

// The checks of the recipe table, and that the recipe is of the kind asked for.
void check(const QJsonObject& json, FigureKind kind, const QString& where) {
  const QString file = where.isEmpty() ? QStringLiteral("recipe") : where;
  validateRecipe(json, file);
  const QString figure = json.value(QStringLiteral("figure")).toString();
  if (figure != figureKindName(kind))
    throw DataError(file.toStdString(), QStringLiteral("field `figure` must be %1, got \"%2\"")
                                            .arg(figureKindName(kind), figure)
                                            .toStdString());
}

// Readers of fields the table has checked already: present or not, of the right type.
std::optional<qint64> integer(const QJsonObject& o, const char* key) {
  const QJsonValue v = o.value(QLatin1String(key));
  if (v.isUndefined()) return std::nullopt;
  return v.toInteger();
}
std::optional<int> smallInteger(const QJsonObject& o, const char* key) {
  const auto v = integer(o, key);
  return v ? std::optional<int>(int(*v)) : std::nullopt;
}
std::optional<double> number(const QJsonObject& o, const char* key) {
  const QJsonValue v = o.value(QLatin1String(key));
  return v.isUndefined() ? std::nullopt : std::optional<double>(v.toDouble());
}
std::optional<QString> text(const QJsonObject& o, const char* key) {
  const QJsonValue v = o.value(QLatin1String(key));
  return v.isUndefined() ? std::nullopt : std::optional<QString>(v.toString());
}
std::optional<bool> flag(const QJsonObject& o, const char* key) {
  const QJsonValue v = o.value(QLatin1String(key));
  return v.isUndefined() ? std::nullopt : std::optional<bool>(v.toBool());
}
std::optional<QJsonObject> object(const QJsonObject& o, const char* key) {
  const QJsonValue v = o.value(QLatin1String(key));
  return v.isUndefined() ? std::nullopt : std::optional<QJsonObject>(v.toObject());
}
std::optional<std::vector<qint64>> integers(const QJsonObject& o, const char* key) {
  const QJsonValue v = o.value(QLatin1String(key));
  if (v.isUndefined()) return std::nullopt;
  std::vector<qint64> list;
  for (const QJsonValue& e : v.toArray()) list.push_back(e.toInteger());
  return list;
}
std::optional<std::vector<double>> numbers(const QJsonObject& o, const char* key) {
  const QJsonValue v = o.value(QLatin1String(key));
  if (v.isUndefined()) return std::nullopt;
  std::vector<double> list;
  for (const QJsonValue& e : v.toArray()) list.push_back(e.toDouble());
  return list;
}
std::optional<QStringList> texts(const QJsonObject& o, const char* key) {
  const QJsonValue v = o.value(QLatin1String(key));
  if (v.isUndefined()) return std::nullopt;
  QStringList list;
  for (const QJsonValue& e : v.toArray()) list << e.toString();
  return list;
}
// A choice the table has checked, by its names table.
template <class E, class FromName>
std::optional<E> named(const QJsonObject& o, const char* key, FromName fromName) {
  const auto name = text(o, key);
  return name ? fromName(*name) : std::nullopt;
}

// Writers: a field that is not set stays out.
template <class T>
void put(QJsonObject& o, const char* key, const std::optional<T>& value) {
  if (value) o.insert(QLatin1String(key), *value);
}
void put(QJsonObject& o, const char* key, const std::optional<std::vector<qint64>>& value) {
  if (!value) return;
  QJsonArray list;
  for (qint64 v : *value) list.append(v);
  o.insert(QLatin1String(key), list);
}
void put(QJsonObject& o, const char* key, const std::optional<std::vector<double>>& value) {
  if (!value) return;
  QJsonArray list;
  for (double v : *value) list.append(v);
  o.insert(QLatin1String(key), list);
}
void put(QJsonObject& o, const char* key, const std::optional<QStringList>& value) {
  if (value) o.insert(QLatin1String(key), QJsonArray::fromStringList(*value));
}

void readCommon(const QJsonObject& json, RecipeCommon& c) {
  if (json.contains(QLatin1String("models"))) {
    c.models.emplace();
    for (const QJsonValue& v : json.value(QLatin1String("models")).toArray()) {
      const QJsonObject m = v.toObject();
      c.models->push_back({text(m, "path"), text(m, "sha256")});
    }
  }
  c.dataset = text(json, "dataset");
  c.seed = integer(json, "seed");
  if (const auto s = object(json, "style")) {
    RecipeStyle style;
    style.font = text(*s, "font");
    style.fontSize = number(*s, "font_size");
    style.dpi = smallInteger(*s, "dpi");
    style.title = text(*s, "title");
    style.cellSize = number(*s, "cell_size");
    style.width = number(*s, "width");
    style.height = number(*s, "height");
    c.style = style;
  }
  c.output = text(json, "output");
}

QJsonObject writeCommon(const RecipeCommon& c, FigureKind kind) {
  QJsonObject json{{"strata_recipe", kRecipeVersion}, {"figure", figureKindName(kind)}};
  if (c.models) {
    QJsonArray models;
    for (const RecipeModel& m : *c.models) {
      QJsonObject reference;
      put(reference, "path", m.path);
      put(reference, "sha256", m.sha256);
      models.append(reference);
    }
    json["models"] = models;
  }
  put(json, "dataset", c.dataset);
  put(json, "seed", c.seed);
  if (c.style) {
    QJsonObject style;
    put(style, "font", c.style->font);
    put(style, "font_size", c.style->fontSize);
    put(style, "dpi", c.style->dpi);
    put(style, "title", c.style->title);
    put(style, "cell_size", c.style->cellSize);
    put(style, "width", c.style->width);
    put(style, "height", c.style->height);
    json["style"] = style;
  }
  put(json, "output", c.output);
  return json;
}

}  // namespace

TraversalRecipe TraversalRecipe::fromJson(const QJsonObject& json, const QString& where) {
  check(json, kKind, where);
  TraversalRecipe r;
  readCommon(json, r);
  if (const auto s = object(json, "start"))
    r.start = Start{integer(*s, "item"), integer(*s, "prior_seed"), number(*s, "temperature"),
                    text(*s, "class")};
  r.units = texts(json, "units");
  r.steps = smallInteger(json, "steps");
  if (const auto range = object(json, "range"))
    r.range = Range{named<RangeMode>(*range, "mode", rangeModeFromName), number(*range, "k")};
  r.propagation = named<Propagation>(json, "propagation", propagationFromName);
  r.statsItems = integer(json, "stats_items");
  r.gifDelayMs = smallInteger(json, "gif_delay_ms");
  return r;
}

QJsonObject TraversalRecipe::toJson() const {
  QJsonObject json = writeCommon(*this, kKind);
  if (start) {
    QJsonObject s;
    put(s, "item", start->item);
    put(s, "prior_seed", start->priorSeed);
    put(s, "temperature", start->temperature);
    put(s, "class", start->cls);
    json["start"] = s;
  }
  put(json, "units", units);
  put(json, "steps", steps);
  if (range) {
    QJsonObject r;
    if (range->mode) r["mode"] = rangeModeName(*range->mode);
    put(r, "k", range->k);
    json["range"] = r;
  }
  if (propagation) json["propagation"] = propagationName(*propagation);
  put(json, "stats_items", statsItems);
  put(json, "gif_delay_ms", gifDelayMs);
  return json;
}

HierarchyRecipe HierarchyRecipe::fromJson(const QJsonObject& json, const QString& where) {
  check(json, kKind, where);
  HierarchyRecipe r;
  readCommon(json, r);
  r.page = named<HierarchyPage>(json, "page", hierarchyPageFromName);
  r.items = integers(json, "items");
  r.samples = smallInteger(json, "samples");
  r.temperatures = numbers(json, "temperatures");
  r.count = smallInteger(json, "count");
  r.pair = integers(json, "pair");
  r.statsItems = integer(json, "stats_items");
  r.levels = integers(json, "levels");
  return r;
}

QJsonObject HierarchyRecipe::toJson() const {
  QJsonObject json = writeCommon(*this, kKind);
  if (page) json["page"] = hierarchyPageName(*page);
  put(json, "items", items);
  put(json, "samples", samples);
  put(json, "temperatures", temperatures);
  put(json, "count", count);
  put(json, "pair", pair);
  put(json, "stats_items", statsItems);
  put(json, "levels", levels);
  return json;
}

ComparisonRecipe ComparisonRecipe::fromJson(const QJsonObject& json, const QString& where) {
  check(json, kKind, where);
  ComparisonRecipe r;
  readCommon(json, r);
  r.items = integers(json, "items");
  r.samples = smallInteger(json, "samples");
  r.temperature = number(json, "temperature");
  r.cls = text(json, "class");
  return r;
}

QJsonObject ComparisonRecipe::toJson() const {
  QJsonObject json = writeCommon(*this, kKind);
  put(json, "items", items);
  put(json, "samples", samples);
  put(json, "temperature", temperature);
  put(json, "class", cls);
  return json;
}

ProjectionRecipe ProjectionRecipe::fromJson(const QJsonObject& json, const QString& where) {
  check(json, kKind, where);
  ProjectionRecipe r;
  readCommon(json, r);
  r.source = text(json, "source");
  r.samples = flag(json, "samples");
  r.method = named<ProjectionMethod>(
      json, "method", [](const QString& name) { return projectionMethodFromName(name); });
  r.perplexity = number(json, "perplexity");
  r.iterations = smallInteger(json, "iterations");
  r.neighbours = smallInteger(json, "neighbours");
  r.minDist = number(json, "min_dist");
  r.neighbourGraph = named<KnnEffort>(json, "neighbour_graph",
                                      [](const QString& name) { return knnEffortFromName(name); });
  r.colour = named<Colouring>(json, "colour", colouringFromName);
  return r;
}

QJsonObject ProjectionRecipe::toJson() const {
  QJsonObject json = writeCommon(*this, kKind);
  put(json, "source", source);
  put(json, "samples", samples);
  if (method) json["method"] = projectionMethodName(*method);
  put(json, "perplexity", perplexity);
  put(json, "iterations", iterations);
  put(json, "neighbours", neighbours);
  put(json, "min_dist", minDist);
  if (neighbourGraph) json["neighbour_graph"] = knnEffortName(*neighbourGraph);
  if (colour) json["colour"] = colouringName(*colour);
  return json;
}

UnitRecipe UnitRecipe::fromJson(const QJsonObject& json, const QString& where) {
  check(json, kKind, where);
  UnitRecipe r;
  readCommon(json, r);
  r.unit = text(json, "unit");
  r.metricItems = integer(json, "metric_items");
  return r;
}

QJsonObject UnitRecipe::toJson() const {
  QJsonObject json = writeCommon(*this, kKind);
  put(json, "unit", unit);
  put(json, "metric_items", metricItems);
  return json;
}

CorrelationsRecipe CorrelationsRecipe::fromJson(const QJsonObject& json, const QString& where) {
  check(json, kKind, where);
  CorrelationsRecipe r;
  readCommon(json, r);
  r.metricItems = integer(json, "metric_items");
  return r;
}

QJsonObject CorrelationsRecipe::toJson() const {
  QJsonObject json = writeCommon(*this, kKind);
  put(json, "metric_items", metricItems);
  return json;
}

CollapseRecipe CollapseRecipe::fromJson(const QJsonObject& json, const QString& where) {
  check(json, kKind, where);
  CollapseRecipe r;
  readCommon(json, r);
  r.metricItems = integer(json, "metric_items");
  return r;
}

QJsonObject CollapseRecipe::toJson() const {
  QJsonObject json = writeCommon(*this, kKind);
  put(json, "metric_items", metricItems);
  return json;
}

AnalogyRecipe AnalogyRecipe::fromJson(const QJsonObject& json, const QString& where) {
  check(json, kKind, where);
  AnalogyRecipe r;
  readCommon(json, r);
  r.items = integers(json, "items");
  return r;
}

QJsonObject AnalogyRecipe::toJson() const {
  QJsonObject json = writeCommon(*this, kKind);
  put(json, "items", items);
  return json;
}

ProjectionRecipe projectionRecipeOf(const ProjectionRequest& request,
                                    const QStringList& layerNames) {
  ProjectionRecipe r;
  r.method = request.method;
  r.samples = request.samples;
  r.seed = qint64(request.seed);
  r.perplexity = request.tsne.perplexity;
  r.neighbours = request.umap.neighbours;
  r.minDist = request.umap.minDistance;
  if (request.method == ProjectionMethod::Umap) r.neighbourGraph = request.umap.graphEffort;
  r.source = projectionSourceName(request.source, layerNames);
  return r;
}

FigureRecipe figureRecipeFromJson(const QJsonObject& json, const QString& where) {
  const QString file = where.isEmpty() ? QStringLiteral("recipe") : where;
  validateRecipe(json, file);
  switch (*figureKindFromName(json.value(QLatin1String("figure")).toString())) {
    case FigureKind::Traversal:
      return TraversalRecipe::fromJson(json, file);
    case FigureKind::Hierarchy:
      return HierarchyRecipe::fromJson(json, file);
    case FigureKind::Comparison:
      return ComparisonRecipe::fromJson(json, file);
    case FigureKind::Unit:
      return UnitRecipe::fromJson(json, file);
    case FigureKind::Correlations:
      return CorrelationsRecipe::fromJson(json, file);
    case FigureKind::Analogy:
      return AnalogyRecipe::fromJson(json, file);
    case FigureKind::Collapse:
      return CollapseRecipe::fromJson(json, file);
    case FigureKind::Projection:
      break;
  }
  return ProjectionRecipe::fromJson(json, file);
}

QJsonObject figureRecipeToJson(const FigureRecipe& recipe) {
  return std::visit([](const auto& r) { return r.toJson(); }, recipe);
}

FigureKind figureKindOf(const FigureRecipe& recipe) {
  return std::visit([](const auto& r) { return r.kKind; }, recipe);
}

RecipeCommon& commonOf(FigureRecipe& recipe) {
  return std::visit([](auto& r) -> RecipeCommon& { return r; }, recipe);
}

}  // namespace strata
