#include "app/session_format.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>
#include <iterator>
#include <optional>

#include "app/view_names.h"
#include "core/analysis/comparison.h"
#include "core/analysis/projection_names.h"
#include "core/base/errors.h"

namespace strata {
namespace {

constexpr int kMaxSelection = 100000000;  // far above any dataset Strata opens

QString shown(const QJsonValue& value) {
  switch (value.type()) {
    case QJsonValue::String:
      return QStringLiteral("\"%1\"").arg(value.toString().left(60));
    case QJsonValue::Array:
      return QStringLiteral("an array");
    case QJsonValue::Object:
      return QStringLiteral("an object");
    case QJsonValue::Null:
      return QStringLiteral("null");
    default:
      return QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact))
          .mid(1)
          .chopped(1);
  }
}

std::optional<qint64> integer(const QJsonValue& value) {
  if (!value.isDouble()) return std::nullopt;
  const double d = value.toDouble();
  if (!std::isfinite(d) || d != std::floor(d) || std::abs(d) > 9e15) return std::nullopt;
  return qint64(d);
}

// Sessions before names stored the method as its number; those numbers keep their meaning
// whatever the enum's order becomes.
constexpr ProjectionMethod kMethodNumbers[] = {ProjectionMethod::Pca, ProjectionMethod::Tsne,
                                               ProjectionMethod::Umap};

// By name ("tsne", any case, or "t-SNE"), or by the number older sessions wrote.
std::optional<ProjectionMethod> method(const QJsonValue& value) {
  if (value.isString()) return projectionMethodFromName(value.toString(), NameMatch::Lenient);
  const auto number = integer(value);
  if (number && *number >= 0 && *number < qint64(std::size(kMethodNumbers)))
    return kMethodNumbers[*number];
  return std::nullopt;
}

// Pixels, all layers and embedding vectors by name ("all-layers"), or by the numbers older
// sessions wrote (-2, -1, -3: the values of ProjectionRequest's constants, which stay); a layer
// by its index.
std::optional<int> source(const QJsonValue& value) {
  if (value.isString())
    return fromName(kProjectionSourceNames, value.toString(), NameMatch::Lenient);
  const auto number = integer(value);
  if (number && *number >= ProjectionRequest::kEmbedding && *number < 1000) return int(*number);
  return std::nullopt;
}

QJsonValue sourceToJson(int source) {
  if (source >= 0) return source;
  return projectionSourceName(source);
}

QString methodChoices() {
  return QObject::tr("a projection method (%1)").arg(namesText(kProjectionMethodNames));
}

QString sourceChoices() {
  return QObject::tr("a map source (%1, or a layer number from 0)")
      .arg(namesList(kProjectionSourceNames).join(QStringLiteral(", ")));
}

// Collects the problems of one session, each naming its field.
class Checker {
 public:
  explicit Checker(QStringList* problems) : problems_(problems) {}

  void report(const QString& field, const QJsonValue& value, const QString& expected,
              const QString& fallback) {
    problems_->append(
        QObject::tr("%1: %2 is not %3; %4").arg(field, shown(value), expected, fallback));
  }

  void readString(const QJsonObject& o, const QString& key, QString* out, const QString& fallback) {
    if (!o.contains(key)) return;
    if (o[key].isString())
      *out = o[key].toString();
    else
      report(key, o[key], QObject::tr("a string"), fallback);
  }

 private:
  QStringList* problems_;
};

}  // namespace

Session parseSession(const QJsonObject& json, const QString& path, QStringList* problems) {
  const auto version = integer(json["strata_session"]);
  if (!version || *version < 1)
    throw DataError(path.toStdString(),
                    "not a Strata session (no \"strata_session\" version number)");
  Checker check(problems);
  Session s;
  if (*version > kSessionVersion)
    problems->append(QObject::tr("strata_session: version %1 is newer than this Strata's (%2); "
                                 "reading the fields it knows")
                         .arg(*version)
                         .arg(kSessionVersion));
  if (json.contains("clean")) {
    if (json["clean"].isBool())
      s.clean = json["clean"].toBool();
    else
      check.report("clean", json["clean"], QObject::tr("true or false"),
                   QObject::tr("taken as false"));
  }
  check.readString(json, "dataset", &s.dataset, QObject::tr("opening the last dataset instead"));
  check.readString(json, "model", &s.model, QObject::tr("opening the last model instead"));

  if (json.contains("compare")) {
    const QJsonValue compare = json["compare"];
    if (!compare.isArray()) {
      check.report("compare", compare, QObject::tr("a list of model files"),
                   QObject::tr("comparing nothing"));
    } else {
      const QJsonArray list = compare.toArray();
      for (int i = 0; i < list.size(); ++i) {
        if (!list[i].isString()) {
          check.report(QStringLiteral("compare[%1]").arg(i), list[i],
                       QObject::tr("a model file name"), QObject::tr("skipped"));
        } else if (s.compare.size() == kMaxComparedModels) {
          problems->append(QObject::tr("compare: more than %1 models; the first %1 are compared")
                               .arg(kMaxComparedModels));
          break;
        } else {
          s.compare << list[i].toString();
        }
      }
    }
  }

  if (json.contains("view")) {
    const QJsonValue view = json["view"];
    if (const auto named = view.isString() ? viewFromName(view.toString()) : std::nullopt)
      s.view = viewName(*named);
    else
      check.report("view", view, QObject::tr("a view (%1)").arg(viewNames().join(", ")),
                   QObject::tr("showing the map"));
  }

  if (json.contains("map") && !json["map"].isObject()) {
    check.report("map", json["map"], QObject::tr("an object"),
                 QObject::tr("a PCA map of the pixels"));
  } else if (json.contains("map")) {
    const QJsonObject map = json["map"].toObject();
    if (map.contains("source")) {
      if (const auto chosen = source(map["source"]))
        s.mapSource = *chosen;
      else
        check.report("map.source", map["source"], sourceChoices(),
                     QObject::tr("mapping the pixels"));
    }
    if (map.contains("method")) {
      if (const auto m = method(map["method"]))
        s.mapMethod = *m;
      else
        check.report("map.method", map["method"], methodChoices(), QObject::tr("using PCA"));
    }
    if (map.contains("neighbour_graph")) {
      const QJsonValue graph = map["neighbour_graph"];
      if (const auto effort = graph.isString() ? knnEffortFromName(graph.toString()) : std::nullopt)
        s.mapGraph = *effort;
      else
        check.report("map.neighbour_graph", graph,
                     QObject::tr("a neighbour graph (%1)").arg(namesText(kKnnEffortNames)),
                     QObject::tr("using thorough"));
    }
    if (map.contains("seed")) {
      const auto seed = integer(map["seed"]);
      if (seed && *seed >= 0)
        s.mapSeed = *seed;
      else
        check.report("map.seed", map["seed"], QObject::tr("a seed (an integer, 0 or more)"),
                     QObject::tr("using 0"));
    }
  }

  if (json.contains("selection")) {
    const QJsonValue selection = json["selection"];
    if (!selection.isArray()) {
      check.report("selection", selection, QObject::tr("a list of item indices"),
                   QObject::tr("selecting nothing"));
    } else {
      int skipped = 0;
      for (const QJsonValue& v : selection.toArray()) {
        const auto index = integer(v);
        if (index && *index >= 0 && *index < kMaxSelection)
          s.selection.push_back(int(*index));
        else
          ++skipped;
      }
      if (skipped > 0)
        problems->append(
            QObject::tr("selection: skipped %1 values that are not item indices").arg(skipped));
    }
  }
  return s;
}

QJsonObject sessionToJson(const Session& s) {
  QJsonArray selection;
  for (int i : s.selection) selection.append(i);
  QJsonObject map{{"source", sourceToJson(s.mapSource)},
                  {"method", projectionMethodName(s.mapMethod)},
                  {"seed", s.mapSeed}};
  if (s.mapMethod == ProjectionMethod::Umap) map["neighbour_graph"] = knnEffortName(s.mapGraph);
  return {{"strata_session", kSessionVersion},
          {"saved", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
          {"clean", s.clean},
          {"dataset", s.dataset},
          {"model", s.model},
          {"compare", QJsonArray::fromStringList(s.compare)},
          {"view", s.view},
          {"map", map},
          {"selection", selection}};
}

}  // namespace strata
