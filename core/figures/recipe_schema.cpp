#include "core/figures/recipe_schema.h"

#include <QJsonArray>
#include <QLocale>

#include <cmath>
#include <stdexcept>

#include "core/analysis/projection_names.h"
#include "core/analysis/traversal_names.h"
#include "core/base/errors.h"
#include "core/figures/figure_names.h"

namespace strata {
namespace {

// Item indices: far above any dataset, far below where doubles stop being exact.
constexpr double kMaxItem = double(1LL << 40);
// Seeds are stored as JSON numbers, which hold integers exactly up to 2^53.
constexpr double kMaxSeed = double(1LL << 53);

bool isSha256(const QString& text) {
  static const QString digits = QStringLiteral("0123456789abcdef");
  bool hex = text.size() == 64;
  for (const QChar c : text) hex = hex && digits.contains(c);
  return hex;
}

bool isFigureFileName(const QString& text) {
  static const QStringList formats{"png", "svg", "pdf", "gif"};
  const qsizetype dot = text.lastIndexOf('.');
  return isPlainFileName(text) && dot > 0 && formats.contains(text.mid(dot + 1).toLower());
}

// Model files are read, never written, so any path will do; a bundled name has no folders.
bool isModelPath(const QString& text) {
  static const QString bundled = QStringLiteral("bundled:");
  return !text.startsWith(bundled) || isPlainFileName(text.mid(bundled.size()));
}

bool isColouring(const QString& text) {
  return colouringFromName(text).has_value();
}

std::vector<RecipeField> buildTable() {
  using K = FieldKind;
  const QString kTraversal = figureKindName(FigureKind::Traversal);
  const QString kHierarchy = figureKindName(FigureKind::Hierarchy);
  const QString kComparison = figureKindName(FigureKind::Comparison);
  const QString kProjection = figureKindName(FigureKind::Projection);
  const QString kUnit = figureKindName(FigureKind::Unit);
  const QString kCorrelations = figureKindName(FigureKind::Correlations);
  const QString kCollapse = figureKindName(FigureKind::Collapse);
  const QString kAnalogy = figureKindName(FigureKind::Analogy);
  const QStringList all;
  const QStringList grids{kTraversal, kHierarchy, kComparison, kUnit, kAnalogy};
  auto number = [](QString key, QStringList figures, K kind, double low, double high) {
    RecipeField f;
    f.key = std::move(key);
    f.figures = std::move(figures);
    f.kind = kind;
    f.low = low;
    f.high = high;
    return f;
  };
  auto list = [&](QString key, QStringList figures, K kind, int minCount, int maxCount, double low,
                  double high) {
    RecipeField f = number(std::move(key), std::move(figures), kind, low, high);
    f.minCount = minCount;
    f.maxCount = maxCount;
    return f;
  };
  auto choice = [&](QString key, QStringList figures, QStringList choices) {
    RecipeField f = number(std::move(key), std::move(figures), K::Choice, 0, 0);
    f.choices = std::move(choices);
    return f;
  };
  auto text = [&](QString key, QStringList figures, double low, double high,
                  bool (*rule)(const QString&) = nullptr, QString ruleText = {}) {
    RecipeField f = number(std::move(key), std::move(figures), K::Text, low, high);
    f.rule = rule;
    f.ruleText = std::move(ruleText);
    return f;
  };
  return {
      number("strata_recipe", all, K::Integer, 1, 1),
      choice("figure", all, recipeFigures()),
      list("models", {kTraversal, kHierarchy, kUnit, kCorrelations, kAnalogy, kCollapse},
           K::ObjectList, 1, 1, 0, 0),
      list("models", {kComparison}, K::ObjectList, 1, 4, 0, 0),
      list("models", {kProjection}, K::ObjectList, 0, 1, 0, 0),
      text("models.path", all, 1, 4096, isModelPath,
           "a file path, or bundled:NAME.pt with a plain file name"),
      text("models.sha256", all, 64, 64, isSha256, "64 lowercase hexadecimal digits"),
      text("dataset", all, 0, 4096),  // empty: none (the window without data)
      number("seed", all, K::Integer, 0, kMaxSeed),
      number("style", all, K::Object, 0, 0),
      text("style.font", all, 1, 200),
      number("style.font_size", all, K::Number, 3, 72),
      number("style.dpi", all, K::Integer, 36, 2400),
      text("style.title", all, 0, 2000),
      number("style.cell_size", grids, K::Number, 8, 400),
      number("style.width", {kProjection}, K::Number, 150, 3000),
      number("style.height", {kProjection}, K::Number, 150, 3000),
      text("output", all, 1, 255, isFigureFileName,
           "a file name ending in .png, .svg, .pdf or .gif, without folders"),
      // traversal
      number("start", {kTraversal}, K::Object, 0, 0),
      number("start.item", {kTraversal}, K::Integer, 0, kMaxItem),
      number("start.prior_seed", {kTraversal}, K::Integer, 0, kMaxSeed),
      number("start.temperature", {kTraversal}, K::Number, 0, 5),
      text("start.class", {kTraversal}, 1, 200),
      list("units", {kTraversal}, K::TextList, 1, 64, 1, 100),
      number("steps", {kTraversal}, K::Integer, 2, 64),
      number("range", {kTraversal}, K::Object, 0, 0),
      choice("range.mode", {kTraversal}, rangeModeNames()),
      number("range.k", {kTraversal}, K::Number, 0.1, 20),
      choice("propagation", {kTraversal}, propagationNames()),
      number("stats_items", {kTraversal, kHierarchy}, K::Integer, 1, 1000000),
      number("gif_delay_ms", {kTraversal}, K::Integer, 20, 10000),
      // hierarchy
      choice("page", {kHierarchy}, hierarchyPageNames()),
      list("items", {kHierarchy, kComparison, kAnalogy}, K::IntegerList, 1, 64, 0, kMaxItem),
      number("samples", {kHierarchy}, K::Integer, 1, 32),
      // as many as a model may have layers (ModelLimits::maxLayers)
      list("temperatures", {kHierarchy}, K::NumberList, 1, 1024, 0, 3),
      number("count", {kHierarchy}, K::Integer, 1, 64),
      list("pair", {kHierarchy}, K::IntegerList, 2, 2, 0, kMaxItem),
      list("levels", {kHierarchy}, K::IntegerList, 1, 1025, 0, 1024),
      // comparison
      number("samples", {kComparison}, K::Integer, 1, 64),
      number("temperature", {kComparison}, K::Number, 0, 5),
      text("class", {kComparison}, 1, 200),
      // projection
      text("source", {kProjection}, 1, 200),
      number("samples", {kProjection}, K::Flag, 0, 0),
      choice("method", {kProjection}, projectionMethodNames()),
      number("perplexity", {kProjection}, K::Number, 2, 200),
      number("iterations", {kProjection}, K::Integer, 100, 10000),
      number("neighbours", {kProjection}, K::Integer, 2, 200),
      number("min_dist", {kProjection}, K::Number, 0, 1),
      choice("neighbour_graph", {kProjection}, knnEffortNames()),
      text("colour", {kProjection}, 1, 200, isColouring, colouringNamesText()),
      // unit
      text("unit", {kUnit}, 1, 100),
      number("metric_items", {kUnit, kCorrelations, kCollapse}, K::Integer, 2, 100000000),
  };
}

const RecipeField* findField(const QString& figure, const QString& key) {
  for (const RecipeField& f : recipeFields())
    if (f.key == key && (f.figures.isEmpty() || f.figures.contains(figure))) return &f;
  return nullptr;
}

bool knownAnywhere(const QString& key) {
  for (const RecipeField& f : recipeFields())
    if (f.key == key) return true;
  return false;
}

// Integers as integers (no exponent up to 10^15), other numbers as short as they round-trip.
QString numberText(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::abs(v) < 1e15)
    return QString::number(qint64(v));
  return QString::number(v, 'g', QLocale::FloatingPointShortest);
}

QString plural(int count, const QString& one, const QString& many) {
  return QStringLiteral("%1 %2").arg(count).arg(count == 1 ? one : many);
}

// A value as a message quotes it: numbers and words as written, texts quoted and shortened.
QString shown(const QJsonValue& v) {
  switch (v.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
      return QStringLiteral("null");
    case QJsonValue::Bool:
      return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double:
      return numberText(v.toDouble());
    case QJsonValue::String: {
      QString s = v.toString();
      if (s.size() > 60) s = s.left(57) + QStringLiteral("...");
      for (QChar& c : s)
        if (c.category() == QChar::Other_Control) c = QLatin1Char(' ');
      return '"' + s + '"';
    }
    case QJsonValue::Array:
      return QStringLiteral("a list of ") +
             plural(int(v.toArray().size()), QStringLiteral("value"), QStringLiteral("values"));
    case QJsonValue::Object:
      return QStringLiteral("an object");
  }
  return QStringLiteral("an unknown value");
}

bool isInteger(const QJsonValue& v) {
  if (!v.isDouble()) return false;
  const double d = v.toDouble();
  return std::isfinite(d) && d == std::floor(d);
}

QString range(double low, double high) {
  return low == high ? numberText(low)
                     : QStringLiteral("from %1 to %2").arg(numberText(low), numberText(high));
}

QString countText(const RecipeField& f, const QString& one, const QString& many) {
  if (f.minCount == f.maxCount) return plural(f.minCount, one, many);
  return QStringLiteral("%1 to %2 %3").arg(f.minCount).arg(f.maxCount).arg(many);
}

QString lengthText(double low, double high) {
  if (low == high) return QStringLiteral("of %1 characters").arg(numberText(low));
  if (low == 0) return QStringLiteral("of at most %1 characters").arg(numberText(high));
  return QStringLiteral("of %1 to %2 characters").arg(numberText(low), numberText(high));
}

// Whether one list element or scalar is within the field's element rule.
bool elementValid(const RecipeField& f, FieldKind kind, const QJsonValue& v) {
  switch (kind) {
    case FieldKind::Integer:
    case FieldKind::IntegerList:
      return isInteger(v) && v.toDouble() >= f.low && v.toDouble() <= f.high;
    case FieldKind::Number:
    case FieldKind::NumberList:
      return v.isDouble() && std::isfinite(v.toDouble()) && v.toDouble() >= f.low &&
             v.toDouble() <= f.high;
    case FieldKind::Text:
    case FieldKind::TextList:
      return v.isString() && v.toString().size() >= f.low && v.toString().size() <= f.high &&
             (!f.rule || f.rule(v.toString()));
    case FieldKind::Flag:
      return v.isBool();
    case FieldKind::Choice:
      return v.isString() && f.choices.contains(v.toString());
    case FieldKind::Object:
    case FieldKind::ObjectList:
      return v.isObject();
  }
  return false;
}

bool isList(FieldKind kind) {
  return kind == FieldKind::IntegerList || kind == FieldKind::NumberList ||
         kind == FieldKind::TextList || kind == FieldKind::ObjectList;
}

void validateMembers(const QJsonObject& object, const QString& keyPrefix, const QString& namePrefix,
                     const QString& figure, const QString& where) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    const QString key = keyPrefix + it.key();
    const QString name = namePrefix + it.key();
    const RecipeField* field = findField(figure, key);
    if (!field) {
      const QString problem = knownAnywhere(key)
                                  ? QStringLiteral("is not a field of %1 recipes").arg(figure)
                                  : QStringLiteral("is not a recipe field");
      throw DataError(where.toStdString(),
                      QStringLiteral("field `%1` %2").arg(name, problem).toStdString());
    }
    const QString problem = fieldProblem(*field, it.value());
    if (!problem.isEmpty())
      throw DataError(where.toStdString(),
                      QStringLiteral("field `%1` %2").arg(name, problem).toStdString());
    if (field->kind == FieldKind::Object)
      validateMembers(it.value().toObject(), key + '.', name + '.', figure, where);
    if (field->kind == FieldKind::ObjectList) {
      const QJsonArray list = it.value().toArray();
      for (qsizetype i = 0; i < list.size(); ++i)
        validateMembers(list[i].toObject(), key + '.', QStringLiteral("%1[%2].").arg(name).arg(i),
                        figure, where);
    }
  }
}

}  // namespace

QStringList recipeFigures() {
  return namesList(kFigureKindNames);
}

const std::vector<RecipeField>& recipeFields() {
  static const std::vector<RecipeField> table = buildTable();
  return table;
}

const RecipeField& recipeField(const QString& figure, const QString& key) {
  if (const RecipeField* f = findField(figure, key)) return *f;
  throw std::logic_error("no recipe field " + key.toStdString() + " for " + figure.toStdString());
}

QString describeField(const RecipeField& f) {
  switch (f.kind) {
    case FieldKind::Integer:
      return f.low == f.high ? QStringLiteral("the integer %1").arg(numberText(f.low))
                             : QStringLiteral("an integer %1").arg(range(f.low, f.high));
    case FieldKind::Number:
      return QStringLiteral("a number %1").arg(range(f.low, f.high));
    case FieldKind::Flag:
      return QStringLiteral("true or false");
    case FieldKind::Text:
      return f.ruleText.isEmpty() ? QStringLiteral("a text %1").arg(lengthText(f.low, f.high))
                                  : f.ruleText;
    case FieldKind::Choice:
      return f.choices.size() == 1
                 ? f.choices.front()
                 : QStringLiteral("%1 or %2")
                       .arg(f.choices.mid(0, f.choices.size() - 1).join(QStringLiteral(", ")),
                            f.choices.back());
    case FieldKind::IntegerList:
      return QStringLiteral("a list of %1 %2")
          .arg(countText(f, QStringLiteral("integer"), QStringLiteral("integers")),
               range(f.low, f.high));
    case FieldKind::NumberList:
      return QStringLiteral("a list of %1 %2")
          .arg(countText(f, QStringLiteral("number"), QStringLiteral("numbers")),
               range(f.low, f.high));
    case FieldKind::TextList:
      return QStringLiteral("a list of %1 %2")
          .arg(countText(f, QStringLiteral("text"), QStringLiteral("texts")),
               lengthText(f.low, f.high));
    case FieldKind::Object:
      return QStringLiteral("an object");
    case FieldKind::ObjectList:
      return QStringLiteral("a list of %1")
          .arg(countText(f, QStringLiteral("object"), QStringLiteral("objects")));
  }
  return {};
}

QString fieldProblem(const RecipeField& field, const QJsonValue& value) {
  const QString expected = QStringLiteral("must be %1, got ").arg(describeField(field));
  if (!isList(field.kind))
    return elementValid(field, field.kind, value) ? QString() : expected + shown(value);
  if (!value.isArray()) return expected + shown(value);
  const QJsonArray list = value.toArray();
  if (list.size() < field.minCount || list.size() > field.maxCount) return expected + shown(value);
  for (qsizetype i = 0; i < list.size(); ++i)
    if (!elementValid(field, field.kind, list[i]))
      return expected + QStringLiteral("%1 at index %2").arg(shown(list[i])).arg(i);
  return {};
}

void validateRecipe(const QJsonObject& recipe, const QString& where) {
  const std::string file = where.toStdString();
  const QJsonValue version = recipe.value(QStringLiteral("strata_recipe"));
  if (version.isUndefined())
    throw DataError(file, "not a Strata figure recipe (no \"strata_recipe\")");
  if (isInteger(version) && version.toDouble() > kRecipeVersion)
    throw DataError(file, "written by a newer Strata (recipe version " +
                              numberText(version.toDouble()).toStdString() + ")");
  const QJsonValue figure = recipe.value(QStringLiteral("figure"));
  const RecipeField& figureField = recipeField({}, QStringLiteral("figure"));
  if (figure.isUndefined())
    throw DataError(file, QStringLiteral("field `figure` is missing; it must be %1")
                              .arg(describeField(figureField))
                              .toStdString());
  if (const QString problem = fieldProblem(figureField, figure); !problem.isEmpty())
    throw DataError(file, QStringLiteral("field `figure` %1").arg(problem).toStdString());
  validateMembers(recipe, {}, {}, figure.toString(), where);
  const QJsonObject start = recipe.value(QStringLiteral("start")).toObject();
  if (start.contains(QStringLiteral("item")) && (start.contains(QStringLiteral("prior_seed")) ||
                                                 start.contains(QStringLiteral("temperature"))))
    throw DataError(file,
                    "field `start` must hold either `item` or `prior_seed` and `temperature`, "
                    "not both");
}

bool isPlainFileName(const QString& name) {
  if (name.isEmpty() || name == QLatin1String(".") || name == QLatin1String("..") ||
      name.toUtf8().size() > 255)
    return false;
  for (const QChar c : name)
    if (c == '/' || c == '\\' || c.category() == QChar::Other_Control) return false;
  return true;
}

}  // namespace strata
