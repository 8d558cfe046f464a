#include "core/model/model_meta.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>

namespace strata {

namespace {

// A JSON number that is a whole number in [1, max], or 0.
int64_t positiveInteger(const QJsonValue& v, int64_t max) {
  if (!v.isDouble()) return 0;
  const double d = v.toDouble();
  if (!(d >= 1 && d <= double(max)) || d != double(int64_t(d))) return 0;
  return int64_t(d);
}

QString jsonText(const QJsonValue& v) {
  if (v.isUndefined()) return QStringLiteral("nothing");
  if (v.isString()) return "\"" + v.toString().left(40) + "\"";
  if (v.isDouble()) return QString::number(v.toDouble());
  if (v.isBool()) return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
  if (v.isNull()) return QStringLiteral("null");
  return v.isArray() ? QStringLiteral("a list") : QStringLiteral("an object");
}

}  // namespace

namespace {

// strata_meta.input: the item shape, value range and likelihood. False if the model cannot be
// probed with what it declares.
bool parseInput(const QJsonObject& input, ModelInfo& info, QStringList& violations) {
  bool usable = true;
  const int64_t channels = positiveInteger(input.value("channels"), ModelLimits::maxChannels);
  const int64_t height = positiveInteger(input.value("height"), ModelLimits::maxSide);
  const int64_t width = positiveInteger(input.value("width"), ModelLimits::maxSide);
  info.input = {int(channels), int(height), int(width)};
  if (channels == 0 || height == 0 || width == 0) {
    violations << QStringLiteral(
                      "strata_meta.input: channels (1 to %1), height and width (1 to %2) must be "
                      "whole numbers, got %3 x %4 x %5")
                      .arg(ModelLimits::maxChannels)
                      .arg(ModelLimits::maxSide)
                      .arg(jsonText(input.value("channels")), jsonText(input.value("height")),
                           jsonText(input.value("width")));
    usable = false;
  } else if (channels * height * width > ModelLimits::maxInputValues) {
    violations << QStringLiteral(
                      "strata_meta.input: %1 x %2 x %3 values per item, more than the "
                      "%4 Strata handles")
                      .arg(channels)
                      .arg(height)
                      .arg(width)
                      .arg(ModelLimits::maxInputValues);
    usable = false;
  }
  const QJsonArray range = input.value("range").toArray();
  if (range.size() != 2 || !range[0].isDouble() || !range[1].isDouble() ||
      !(range[0].toDouble() < range[1].toDouble()) ||
      !std::isfinite(range[1].toDouble() - range[0].toDouble())) {
    violations << QStringLiteral(
        "strata_meta.input.range: expected [low, high] with finite low < high");
    usable = false;
  } else {
    info.rangeLow = range[0].toDouble();
    info.rangeHigh = range[1].toDouble();
  }
  info.likelihood = input.value("likelihood").toString();
  if (info.likelihood.isEmpty())
    violations << QStringLiteral("strata_meta.input.likelihood: missing");
  return usable;
}

// strata_meta.layers[i]; `names` are the earlier layers' names. Adds the layer's units to
// `total` when its shape is valid; false if the layer makes the model unusable.
bool parseLayer(int i, const QJsonObject& layer, const QStringList& names, LayerInfo& l,
                int64_t& total, QStringList& violations) {
  bool usable = true;
  l.name = layer.value("name").toString();
  const QJsonArray shape = layer.value("shape").toArray();
  bool shapeOk = shape.size() == 1 || shape.size() == 3;
  int64_t units = 1;
  for (const QJsonValue v : shape) {
    const int64_t s = positiveInteger(v, ModelLimits::maxLayerUnits);
    shapeOk = shapeOk && s > 0;
    if (s > 0) units = std::min(units * s, ModelLimits::maxLayerUnits + 1);  // no overflow
    l.shape.push_back(s);
  }
  if (l.name.isEmpty() || names.contains(l.name)) {
    violations << QStringLiteral("strata_meta.layers[%1].name: missing or repeated").arg(i);
    usable = false;
  }
  if (!shapeOk) {
    violations << QStringLiteral(
                      "strata_meta.layers[%1].shape: expected [D] or [C, H, W] of whole "
                      "numbers from 1 to %2")
                      .arg(i)
                      .arg(ModelLimits::maxLayerUnits);
    usable = false;
  } else if (units > ModelLimits::maxLayerUnits) {
    violations << QStringLiteral(
                      "strata_meta.layers[%1].shape: more than %2 units in one "
                      "layer, the most Strata handles")
                      .arg(i)
                      .arg(ModelLimits::maxLayerUnits);
    usable = false;
  } else {
    total += units;
  }
  return usable;
}

// strata_meta.layers. Returns false if the model is unusable; `stop` when the list is too
// long to read at all.
bool parseLayers(const QJsonArray& layers, ModelInfo& info, QStringList& violations, bool& stop) {
  bool usable = true;
  if (layers.isEmpty()) {
    violations << QStringLiteral("strata_meta.layers: expected a non-empty list");
    usable = false;
  } else if (layers.size() > ModelLimits::maxLayers) {
    violations << QStringLiteral("strata_meta.layers: %1 layers, more than the %2 Strata handles")
                      .arg(layers.size())
                      .arg(ModelLimits::maxLayers);
    stop = true;
    return false;
  }
  QStringList names;
  int64_t total = 0;
  for (int i = 0; i < layers.size(); ++i) {
    LayerInfo l;
    if (!parseLayer(i, layers[i].toObject(), names, l, total, violations)) usable = false;
    names << l.name;
    info.layers.push_back(l);
  }
  if (total > ModelLimits::maxTotalUnits) {
    violations << QStringLiteral(
                      "strata_meta.layers: %1 latent units in all, more than the %2 "
                      "Strata handles")
                      .arg(total)
                      .arg(ModelLimits::maxTotalUnits);
    usable = false;
  }
  return usable;
}

// Contract 2's optional strata_meta.input.normalize: {"mean": [C numbers], "std": [C positive
// numbers]}, as torchvision's Normalize takes them.
void parseNormalize(const QJsonValue& value, ModelInfo& info, QStringList& violations) {
  if (value.isUndefined()) return;
  const QJsonObject normalize = value.toObject();
  const QJsonArray mean = normalize.value("mean").toArray(), std = normalize.value("std").toArray();
  const int channels = info.input.channels;
  bool ok = value.isObject() && channels > 0 && mean.size() == channels && std.size() == channels;
  std::vector<double> m, s;
  for (int c = 0; ok && c < channels; ++c) {
    ok = mean[c].isDouble() && std[c].isDouble() && std::isfinite(mean[c].toDouble()) &&
         std::isfinite(std[c].toDouble()) && std[c].toDouble() > 0;
    m.push_back(mean[c].toDouble());
    s.push_back(std[c].toDouble());
  }
  if (!ok) {
    violations << QStringLiteral(
                      "strata_meta.input.normalize: expected {\"mean\": [...], \"std\": [...]} "
                      "with %1 finite numbers each (one per channel), std > 0")
                      .arg(channels);
    return;
  }
  info.normalizeMean = std::move(m);
  info.normalizeStd = std::move(s);
}

// Contract 2's optional strata_meta.output: {"decode": "mean" | "logits"}.
void parseOutput(const QJsonValue& value, ModelInfo& info, QStringList& violations) {
  if (value.isUndefined()) return;
  const QJsonValue decode = value.toObject().value("decode");
  if (decode.isUndefined() && value.isObject()) return;
  if (decode.toString() == QLatin1String("mean")) {
    info.decodeOutput = DecodeOutput::Mean;
  } else if (decode.toString() == QLatin1String("logits")) {
    info.decodeOutput = DecodeOutput::Logits;
  } else {
    violations << QStringLiteral(
                      "strata_meta.output.decode: expected \"mean\" or \"logits\", got %1")
                      .arg(jsonText(value.isObject() ? decode : value));
  }
}

// Contract 2's optional strata_meta.condition: {"classes": [K distinct names], "classifier":
// bool}. The model's methods then take y ([B, K]) as their last argument.
void parseCondition(const QJsonValue& value, ModelInfo& info, QStringList& violations) {
  const QJsonObject condition = value.toObject();
  const QJsonArray classes = condition.value("classes").toArray();
  QStringList names;
  for (const QJsonValue v : classes) {
    const QString name = v.toString();
    if (!v.isString() || name.trimmed().isEmpty() || name.size() > 200 || names.contains(name))
      break;
    names << name;
  }
  if (!value.isObject() || names.size() != classes.size() || names.size() < 2 ||
      names.size() > ModelLimits::maxClasses) {
    violations << QStringLiteral(
                      "strata_meta.condition.classes: expected a list of 2 to %1 distinct "
                      "non-empty class names")
                      .arg(ModelLimits::maxClasses);
    return;
  }
  const QJsonValue classifier = condition.value("classifier");
  if (!classifier.isUndefined() && !classifier.isBool()) {
    violations << QStringLiteral("strata_meta.condition.classifier: expected true or false");
    return;
  }
  info.classes = names;
  info.hasClassifier = classifier.toBool(false);
}

// Contract 2's optional "objective": {"beta": b, "decoder_std": s}, each a number in (0, 1e6].
void parseObjective(const QJsonValue& value, ModelInfo& info, QStringList& violations) {
  if (!value.isObject()) {
    violations
        << QStringLiteral("strata_meta.objective: expected an object, got %1").arg(jsonText(value));
    return;
  }
  const QJsonObject objective = value.toObject();
  const std::pair<const char*, double*> fields[] = {{"beta", &info.objectiveBeta},
                                                    {"decoder_std", &info.decoderStd}};
  for (const auto& [key, target] : fields) {
    const QJsonValue v = objective.value(QLatin1String(key));
    if (v.isUndefined()) continue;
    // QJsonValue holds only finite doubles; the bound keeps beta * std^2 finite.
    if (!v.isDouble() || !(v.toDouble() > 0) || v.toDouble() > 1e6) {
      violations << QStringLiteral(
                        "strata_meta.objective.%1: expected a number in (0, 1e6], got %2")
                        .arg(QLatin1String(key), jsonText(v));
      continue;
    }
    *target = v.toDouble();
  }
}

// Contract 2's optional per-layer "group" and "display_name": non-empty strings when present.
void parseLayerExtras(const QJsonArray& layers, ModelInfo& info, QStringList& violations) {
  for (int i = 0; i < layers.size() && size_t(i) < info.layers.size(); ++i) {
    const QJsonObject layer = layers[i].toObject();
    for (const char* key : {"group", "display_name"}) {
      const QJsonValue v = layer.value(QLatin1String(key));
      if (v.isUndefined()) continue;
      if (!v.isString() || v.toString().trimmed().isEmpty() || v.toString().size() > 200) {
        violations << QStringLiteral("strata_meta.layers[%1].%2: expected a non-empty name, got %3")
                          .arg(i)
                          .arg(QLatin1String(key), jsonText(v));
        continue;
      }
      (QLatin1String(key) == QLatin1String("group") ? info.layers[size_t(i)].group
                                                    : info.layers[size_t(i)].displayName) =
          v.toString();
    }
  }
}

}  // namespace

bool parseModelMeta(const QString& json, ModelInfo& info, QStringList& violations) {
  QJsonParseError error;
  const QJsonDocument doc = QJsonDocument::fromJson(json.toUtf8(), &error);
  if (error.error != QJsonParseError::NoError) {
    violations << QStringLiteral("strata_meta: not valid JSON (%1 at offset %2)")
                      .arg(error.errorString())
                      .arg(error.offset);
    return false;
  }
  if (!doc.isObject()) {
    violations << QStringLiteral("strata_meta: expected a JSON object");
    return false;
  }
  const QJsonObject meta = doc.object();
  bool usable = true;
  info.metaJson = json;
  const QJsonValue contract = meta.value("contract");
  info.contract = contract.isDouble() ? contract.toInt(-1) : -1;
  if (info.contract != 1 && info.contract != 2) {
    violations << QStringLiteral("strata_meta.contract: expected 1 or 2, got %1%2")
                      .arg(jsonText(contract))
                      .arg(contract.isDouble() && contract.toDouble() > 2
                               ? QStringLiteral(" (written for a newer Strata)")
                               : QString());
    usable = false;
  }
  info.name = meta.value("name").toString();
  if (info.name.isEmpty()) violations << QStringLiteral("strata_meta.name: missing or empty");
  if (!parseInput(meta.value("input").toObject(), info, violations)) usable = false;
  bool stop = false;
  if (!parseLayers(meta.value("layers").toArray(), info, violations, stop)) usable = false;
  if (stop) return false;
  if (info.contract >= 2) {  // version 1 files keep their meaning: these keys were ignored
    parseNormalize(meta.value("input").toObject().value("normalize"), info, violations);
    parseOutput(meta.value("output"), info, violations);
    parseLayerExtras(meta.value("layers").toArray(), info, violations);
    if (meta.contains("condition")) parseCondition(meta.value("condition"), info, violations);
    if (meta.contains("objective")) parseObjective(meta.value("objective"), info, violations);
  }
  info.training = meta.value("training").toObject();
  for (const QJsonValue v : meta.value("factors").toArray()) info.factors << v.toString();
  return usable;
}

}  // namespace strata
