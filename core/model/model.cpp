#include "core/model/model.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QScopeGuard>
#include <QStringList>

#include <torch/autograd.h>
#include <torch/csrc/autograd/forward_grad.h>
#include <torch/script.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <mutex>
#include <optional>
#include <random>

#include "core/base/errors.h"
#include "core/model/load_failure.h"
#include "core/model/model_meta.h"
#include "core/model/model_vetting.h"

namespace strata {

namespace {

// LibTorch's default CPU generator is one per process: whoever seeds it, swaps its state or
// draws from it holds this, so no draw lands in another stream.
std::mutex& torchRandomMutex() {
  static std::mutex mutex;
  return mutex;
}

at::Tensor generatorState() {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void setGeneratorState(const at::Tensor& state) {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

}  // namespace

struct SampleStream::State {
  at::Tensor generator;  // the default CPU generator's state between this stream's draws
};

SampleStream::SampleStream(uint64_t seed) : state_(std::make_unique<State>()) {
  std::lock_guard<std::mutex> lock(torchRandomMutex());
  const at::Tensor saved = generatorState();
  torch::manual_seed(seed);
  state_->generator = generatorState();
  setGeneratorState(saved);
}

SampleStream::~SampleStream() = default;

int64_t LayerInfo::size() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

QString LayerInfo::title() const {
  QString text = displayName.isEmpty() || displayName == name
                     ? name
                     : QStringLiteral("%1 (%2)").arg(displayName, name);
  text += QLatin1Char(' ') + shapeText();
  if (!group.isEmpty()) text += QStringLiteral(" \u00b7 ") + group;
  return text;
}

QString LayerInfo::shapeText() const {
  QStringList parts;
  for (int64_t s : shape) parts << QString::number(s);
  return "[" + parts.join(", ") + "]";
}

int64_t ModelInfo::totalLatentSize() const {
  int64_t n = 0;
  for (const LayerInfo& l : layers) n += l.size();
  return n;
}

QString ModelInfo::mappingText() const {
  QString text;
  auto list = [](const std::vector<double>& v) {
    QStringList parts;
    for (double x : v) parts << QString::number(x);
    return parts.join(QStringLiteral(", "));
  };
  if (!normalizeMean.empty())
    text += QStringLiteral("Inputs are standardised per channel after the range (mean %1; std %2).")
                .arg(list(normalizeMean), list(normalizeStd));
  if (decodeOutput == DecodeOutput::Logits)
    text += QStringLiteral("%1decode returns logits; Strata shows their sigmoid.")
                .arg(text.isEmpty() ? QString() : QStringLiteral(" "));
  return text;
}

QString ValidationReport::text() const {
  QString out = QStringLiteral("%1: %2\n")
                    .arg(path, ok() ? QStringLiteral("valid model (contract %1)").arg(info.contract)
                                    : QStringLiteral("INVALID model"));
  if (!info.name.isEmpty()) {
    out += QStringLiteral("  name: %1\n").arg(info.name);
    out += QStringLiteral("  input: %1 x %2 x %3, range [%4, %5], likelihood %6\n")
               .arg(info.input.channels)
               .arg(info.input.height)
               .arg(info.input.width)
               .arg(info.rangeLow)
               .arg(info.rangeHigh)
               .arg(info.likelihood);
    if (!info.mappingText().isEmpty())
      out += QStringLiteral("  mapping: %1\n").arg(info.mappingText());
    if (std::isfinite(info.objectiveBeta) || std::isfinite(info.decoderStd))
      out += QStringLiteral("  objective: beta %1, decoder std %2\n")
                 .arg(std::isfinite(info.objectiveBeta) ? QString::number(info.objectiveBeta)
                                                        : QStringLiteral("not declared"),
                      std::isfinite(info.decoderStd) ? QString::number(info.decoderStd)
                                                     : QStringLiteral("not declared"));
    for (const LayerInfo& l : info.layers) out += QStringLiteral("  layer %1\n").arg(l.title());
  }
  for (const QString& n : notes) out += QStringLiteral("  note: %1\n").arg(n);
  for (const QString& v : violations) out += QStringLiteral("  violation: %1\n").arg(v);
  return out;
}

namespace {

using torch::jit::Module;

QString shapeString(at::IntArrayRef sizes) {
  QStringList parts;
  for (int64_t s : sizes) parts << QString::number(s);
  return "[" + parts.join(", ") + "]";
}

std::vector<int64_t> batchShape(int64_t batch, const std::vector<int64_t>& shape) {
  std::vector<int64_t> out{batch};
  out.insert(out.end(), shape.begin(), shape.end());
  return out;
}

int argumentCount(const Module& module, const char* name) {
  auto method = module.find_method(name);
  if (!method) return -1;
  return int(method->function().getSchema().arguments().size()) - 1;  // minus self
}

c10::List<at::Tensor> tensorList(const std::vector<at::Tensor>& tensors) {
  c10::List<at::Tensor> list;
  for (const at::Tensor& t : tensors) list.push_back(t);
  return list;
}

std::vector<at::Tensor> toTensors(const c10::IValue& value) {
  std::vector<at::Tensor> out;
  for (const c10::IValue& item : value.toListRef()) out.push_back(item.toTensor());
  return out;
}

at::Tensor channelColumn(const std::vector<double>& values) {
  std::vector<float> f(values.begin(), values.end());
  return torch::tensor(f, torch::kFloat32).reshape({1, int64_t(f.size()), 1, 1});
}

// Data units [0, 1] -> the model's inputs: the declared range, then any per-channel
// normalisation (contract 2).
at::Tensor toModelInputs(at::Tensor t, const ModelInfo& info) {
  if (info.rangeLow != 0 || info.rangeHigh != 1)
    t.mul_(info.rangeHigh - info.rangeLow).add_(info.rangeLow);
  if (!info.normalizeMean.empty())
    t.sub_(channelColumn(info.normalizeMean)).div_(channelColumn(info.normalizeStd));
  return t;
}

// What decode returned -> data units: the inverse of toModelInputs for means, the sigmoid for
// logits.
at::Tensor decodedToDataUnits(const at::Tensor& decoded, const ModelInfo& info) {
  // Logits are a Bernoulli mean's: its probability is the fraction of the range, data units.
  if (info.decodeOutput == DecodeOutput::Logits) return torch::sigmoid(decoded.to(torch::kFloat32));
  at::Tensor t = decoded.to(torch::kFloat32).clone();
  if (!info.normalizeMean.empty())
    t.mul_(channelColumn(info.normalizeStd)).add_(channelColumn(info.normalizeMean));
  if (info.rangeLow != 0 || info.rangeHigh != 1)
    t.sub_(info.rangeLow).div_(info.rangeHigh - info.rangeLow);
  return t;
}

}  // namespace

struct Model::Impl {
  Module module;
  ModelInfo info;
  mutable std::mutex mutex;  // TorchScript modules are not documented as re-entrant

  std::vector<at::Tensor> toTensors(const Latents& z, size_t firstLayer) const {
    std::vector<at::Tensor> out;
    for (size_t i = 0; i < z.layers.size(); ++i) {
      const LayerInfo& l = info.layers[firstLayer + i];
      out.push_back(torch::from_blob(const_cast<float*>(z.layers[i].data()),
                                     batchShape(z.batch, l.shape), torch::kFloat32)
                        .clone());
    }
    return out;
  }
  static std::vector<float> values(const at::Tensor& t) {
    at::Tensor c = t.contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  }
  // A plain loop rather than torch::isfinite(t).all(): that allocates and dispatches three
  // operators per tensor, which for a 60-layer posterior (300 tensors per batch) cost more
  // than the model's own arithmetic.
  static bool allFinite(const at::Tensor& t) {
    const at::Tensor c = t.contiguous();
    const float* p = c.data_ptr<float>();
    const int64_t n = c.numel();
    bool finite = true;
    for (int64_t i = 0; i < n; ++i) finite &= std::isfinite(p[i]);  // no early exit: vectorises
    return finite;
  }
  // Checks one result of a model call against what the contract promises (shape, float32,
  // finite) before anything reads it. Cheap next to the call itself: one pass over the data.
  static void checkResult(const at::Tensor& t, const std::vector<int64_t>& expected,
                          const std::string& what) {
    if (t.sizes().vec() != expected)
      throw ModelOutputError(what, "returned shape " + shapeString(t.sizes()).toStdString() +
                                       ", expected " + shapeString(expected).toStdString());
    if (t.scalar_type() != torch::kFloat32)
      throw ModelOutputError(what, "returned " + std::string(c10::toString(t.scalar_type())) +
                                       " values, expected float32");
    if (allFinite(t)) return;
    const at::Tensor badItems =
        torch::nonzero(torch::logical_not(torch::isfinite(t)).reshape({t.size(0), -1}).any(1))
            .reshape({-1});
    std::vector<int64_t> items(badItems.data_ptr<int64_t>(),
                               badItems.data_ptr<int64_t>() + badItems.numel());
    throw ModelOutputError(what, "returned NaN or Inf", items);
  }
  // As checkResult, for a batch repeated once per unit (row c * batch + i is item i): the
  // items named are those of the original batch.
  static void checkReplicatedResult(const at::Tensor& t, const std::vector<int64_t>& expected,
                                    int64_t batch) {
    try {
      checkResult(t, expected, "decode");
    } catch (const ModelOutputError& e) {
      std::vector<int64_t> items;
      for (int64_t row : e.items())
        if (std::find(items.begin(), items.end(), row % batch) == items.end())
          items.push_back(row % batch);
      throw ModelOutputError(e.method(), e.problem(), items);
    }
  }
  Latents layersResult(const c10::IValue& value, int64_t batch, size_t firstLayer,
                       const std::string& what) const {
    if (!value.isTensorList() && !value.isList())
      throw ModelOutputError(what, "returned " + value.tagKind() + ", expected a list of tensors");
    const auto list = value.toListRef();
    const size_t expected = info.layers.size() - firstLayer;
    if (list.size() != expected)
      throw ModelOutputError(what, "returned " + std::to_string(list.size()) +
                                       " layers, expected " + std::to_string(expected));
    Latents z;
    z.batch = batch;
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].isTensor())
        throw ModelOutputError(what + "[" + std::to_string(i) + "]", "is not a tensor");
      const at::Tensor& t = list[i].toTensor();
      checkResult(t, batchShape(batch, info.layers[firstLayer + i].shape),
                  what + "[" + std::to_string(firstLayer + i) + "]");
      z.layers.push_back(values(t));
    }
    return z;
  }
  // Data arrive in [0, 1] (the dataset's units) and enter the model as it declares them;
  // decoded images leave it mapped back, unclipped, so every caller sees one convention.
  at::Tensor images(const float* x, int64_t batch) const {
    return toModelInputs(
        torch::from_blob(const_cast<float*>(x),
                         {batch, info.input.channels, info.input.height, info.input.width},
                         torch::kFloat32)
            .clone(),
        info);
  }
  std::vector<float> toDataUnits(const at::Tensor& decoded) const {
    return values(decodedToDataUnits(decoded, info));
  }
  std::vector<int64_t> imageShape(int64_t batch) const {
    return {batch, info.input.channels, info.input.height, info.input.width};
  }
  // y for a batch, [batch, K]: `condition` as given ([batch, K], or [K] for every item), or
  // the first class when empty.
  at::Tensor conditionTensor(const std::vector<float>& condition, int64_t batch) const {
    const int64_t k = info.classes.size();
    if (condition.empty())
      return at::one_hot(torch::zeros({batch}, torch::kLong), k).to(torch::kFloat32);
    if (int64_t(condition.size()) == k)
      return torch::tensor(condition, torch::kFloat32).reshape({1, k}).repeat({batch, 1});
    if (int64_t(condition.size()) != batch * k)
      throw ModelError("condition: " + std::to_string(condition.size()) + " values, expected " +
                       std::to_string(k) + " (one y) or " + std::to_string(batch * k) +
                       " (one per item)");
    return torch::tensor(condition, torch::kFloat32).reshape({batch, k});
  }
  // The method's arguments, with y appended for a conditional model.
  std::vector<c10::IValue> withCondition(std::vector<c10::IValue> args, const at::Tensor& y) const {
    if (info.conditional()) args.emplace_back(y);
    return args;
  }
  at::Tensor classLogits(const at::Tensor& images, int64_t batch) const {
    const c10::IValue result = module.get_method("classify")({images});
    if (!result.isTensor())
      throw ModelOutputError("classify", "returned " + result.tagKind() + ", expected a tensor");
    checkResult(result.toTensor(), {batch, int64_t(info.classes.size())}, "classify");
    return result.toTensor();
  }
  // Draws from LibTorch's default generator when sampling: callers hold torchRandomMutex.
  // `condition` null: the model's default y (Model's comment).
  Posterior posterior(const float* x, int64_t batch, bool sample,
                      const std::vector<float>* condition = nullptr) const;
};

std::vector<float> conditionRow(const Latents& z, int64_t item, int classes) {
  const size_t k = size_t(std::max(classes, 0));
  if (k == 0 || z.condition.empty()) return {};
  if (z.condition.size() == k) return z.condition;
  const auto begin = z.condition.begin() + item * int64_t(k);
  if (z.condition.size() < size_t(item + 1) * k) return {};
  return {begin, begin + int64_t(k)};
}

std::vector<float> oneHotCondition(int classes, int cls) {
  std::vector<float> y(size_t(std::max(classes, 0)), 0.0f);
  if (cls >= 0 && cls < classes) y[size_t(cls)] = 1.0f;
  return y;
}

Model::Model() : d(new Impl) {}
Model::~Model() = default;

const ModelInfo& Model::info() const {
  return d->info;
}

namespace {

// The contract's probe checks on a loaded module, run on a small batch; each appends what it
// finds to `violations`.
struct Probe {
  static constexpr int64_t batch = 3;
  Module& module;
  const ModelInfo& info;
  QStringList& violations;

  // A conditional model's probe y: item i in class i mod K.
  std::vector<c10::IValue> args(std::vector<c10::IValue> a) const {
    if (!info.conditional()) return a;
    const int64_t k = info.classes.size();
    a.emplace_back(at::one_hot(torch::arange(batch) % k, k).to(torch::kFloat32));
    return a;
  }

  static QString firstLine(const std::exception& e) {
    return QString::fromUtf8(e.what()).section('\n', 0, 0);
  }

  // One result tensor per layer, each of the layer's shape, float32 and finite.
  bool checkLayers(const std::vector<at::Tensor>& tensors, const QString& what) {
    const size_t L = info.layers.size();
    bool ok = true;
    if (tensors.size() != L) {
      violations
          << QStringLiteral("%1: %2 layers, expected %3").arg(what).arg(tensors.size()).arg(L);
      return false;
    }
    for (size_t l = 0; l < L; ++l) {
      const auto expected = batchShape(batch, info.layers[l].shape);
      const at::Tensor& t = tensors[l];
      if (t.sizes().vec() != expected) {
        violations << QStringLiteral("%1[%2]: shape %3, expected %4")
                          .arg(what)
                          .arg(l)
                          .arg(shapeString(t.sizes()), shapeString(expected));
        ok = false;
      } else if (t.scalar_type() != torch::kFloat32) {
        violations << QStringLiteral("%1[%2]: dtype %3, expected float32")
                          .arg(what)
                          .arg(l)
                          .arg(QString::fromStdString(std::string(c10::toString(t.scalar_type()))));
        ok = false;
      } else if (!torch::isfinite(t).all().item<bool>()) {
        violations << QStringLiteral("%1[%2]: contains NaN or Inf").arg(what).arg(l);
        ok = false;
      }
    }
    return ok;
  }

  // Every layer sampled from `eps` at temperature 1; empty when the call or its result fails.
  std::vector<at::Tensor> priorSample(const std::vector<at::Tensor>& eps) {
    std::vector<at::Tensor> sampled;
    try {
      c10::List<double> temps;
      for (size_t l = 0; l < info.layers.size(); ++l) temps.push_back(1.0);
      sampled = toTensors(
          module.get_method("prior_sample")(args({tensorList({}), tensorList(eps), temps})));
      if (!checkLayers(sampled, "prior_sample")) sampled.clear();
    } catch (const std::exception& e) {
      violations << QStringLiteral("prior_sample: raised %1").arg(firstLine(e));
    }
    return sampled;
  }

  // prior_sample with the top k layers given must return them unchanged.
  void fixedLayers(const std::vector<at::Tensor>& sampled, const std::vector<at::Tensor>& eps) {
    const size_t L = info.layers.size();
    for (size_t k = 1; k < L; ++k) {
      try {
        std::vector<at::Tensor> fixed(sampled.begin(), sampled.begin() + int64_t(k));
        std::vector<at::Tensor> rest(eps.begin() + int64_t(k), eps.end());
        c10::List<double> temps;
        for (size_t l = k; l < L; ++l) temps.push_back(1.0);
        const auto out = toTensors(
            module.get_method("prior_sample")(args({tensorList(fixed), tensorList(rest), temps})));
        if (checkLayers(out, QStringLiteral("prior_sample(k=%1)").arg(k))) {
          for (size_t l = 0; l < k; ++l)
            if (!torch::equal(out[l], fixed[l]))
              violations << QStringLiteral(
                                "prior_sample(k=%1): layer %2 differs from the fixed input")
                                .arg(k)
                                .arg(l);
        }
      } catch (const std::exception& e) {
        violations << QStringLiteral("prior_sample(k=%1): raised %2").arg(k).arg(firstLine(e));
      }
    }
  }

  // The decoded images as the model's inputs (so posterior can read them back), undefined when
  // the call fails or breaks the contract.
  at::Tensor decode(const std::vector<at::Tensor>& sampled) {
    at::Tensor images;
    const std::vector<int64_t> imageShape = {batch, info.input.channels, info.input.height,
                                             info.input.width};
    try {
      images = module.get_method("decode")(args({tensorList(sampled)})).toTensor();
      if (images.sizes().vec() != imageShape) {
        violations << QStringLiteral("decode: shape %1, expected %2")
                          .arg(shapeString(images.sizes()), shapeString(imageShape));
        return at::Tensor();
      }
      if (!torch::isfinite(images).all().item<bool>()) {
        violations << QStringLiteral("decode: contains NaN or Inf");
        return at::Tensor();
      }
      // Means, mapped back through any normalisation, must lie in the declared range; logits
      // may take any finite value.
      const at::Tensor units = decodedToDataUnits(images, info);
      const double scale = info.rangeHigh - info.rangeLow;
      const double lo = info.rangeLow + scale * units.min().item<double>(),
                   hi = info.rangeLow + scale * units.max().item<double>();
      const double slack = 1e-5 * scale;
      if (lo < info.rangeLow - slack || hi > info.rangeHigh + slack) {
        violations << QStringLiteral(
                          "decode: values in [%1, %2]%3, outside the declared range [%4, %5]")
                          .arg(lo)
                          .arg(hi)
                          .arg(info.normalizeMean.empty()
                                   ? QString()
                                   : QStringLiteral(" once input.normalize is undone"))
                          .arg(info.rangeLow)
                          .arg(info.rangeHigh);
        return at::Tensor();
      }
      images = toModelInputs(units, info);
    } catch (const std::exception& e) {
      violations << QStringLiteral("decode: raised %1").arg(firstLine(e));
    }
    return images;
  }

  // posterior on decoded images, with and without sampling, and log_px on its z.
  void posterior(const at::Tensor& images, bool sample) {
    const QString what = QStringLiteral("posterior(sample=%1)").arg(sample ? "true" : "false");
    try {
      const c10::IValue result = module.get_method("posterior")(args({images, sample}));
      const auto dict = result.toGenericDict();
      std::vector<at::Tensor> z, qMean;
      bool complete = true;
      for (const char* key : {"z", "q_mean", "q_logvar", "p_mean", "p_logvar"}) {
        auto it = dict.find(c10::IValue(std::string(key)));
        if (it == dict.end()) {
          violations << QStringLiteral("%1: key %2 missing").arg(what, key);
          complete = false;
          continue;
        }
        const auto tensors = toTensors(it->value());
        if (!checkLayers(tensors, what + "." + key)) complete = false;
        if (std::string(key) == "z") z = tensors;
        if (std::string(key) == "q_mean") qMean = tensors;
      }
      if (!complete) return;
      if (!sample)
        for (size_t l = 0; l < info.layers.size(); ++l)
          if (!torch::equal(z[l], qMean[l]))
            violations << QStringLiteral("%1: z[%2] differs from q_mean[%2]").arg(what).arg(l);
      logPx(images, z);
    } catch (const std::exception& e) {
      violations << QStringLiteral("%1: raised %2").arg(what, firstLine(e));
    }
  }

  void classify(const at::Tensor& images) {
    try {
      const at::Tensor logits = module.get_method("classify")({images}).toTensor();
      const std::vector<int64_t> expected{batch, int64_t(info.classes.size())};
      if (logits.sizes().vec() != expected)
        violations << QStringLiteral("classify: shape %1, expected %2")
                          .arg(shapeString(logits.sizes()), shapeString(expected));
      else if (logits.scalar_type() != torch::kFloat32 ||
               !torch::isfinite(logits).all().item<bool>())
        violations << QStringLiteral("classify: expected finite float32 logits");
    } catch (const std::exception& e) {
      violations << QStringLiteral("classify: raised %1").arg(firstLine(e));
    }
  }

  void logPx(const at::Tensor& images, const std::vector<at::Tensor>& z) {
    const at::Tensor lp = module.get_method("log_px")(args({images, tensorList(z)})).toTensor();
    if (lp.sizes().vec() != std::vector<int64_t>{batch})
      violations << QStringLiteral("log_px: shape %1, expected [%2]")
                        .arg(shapeString(lp.sizes()))
                        .arg(batch);
    else if (!torch::isfinite(lp).all().item<bool>())
      violations << QStringLiteral("log_px: contains NaN or Inf");
  }
};

// Runs the contract's probe checks on a loaded module; appends violations.
void probe(Module& module, ModelInfo& info, QStringList& violations, bool hasEncoder) {
  Probe p{module, info, violations};
  torch::manual_seed(0);
  std::vector<at::Tensor> eps;
  for (const LayerInfo& l : info.layers)
    eps.push_back(torch::randn(batchShape(Probe::batch, l.shape)));
  const std::vector<at::Tensor> sampled = p.priorSample(eps);
  if (sampled.empty()) return;
  p.fixedLayers(sampled, eps);
  const at::Tensor images = p.decode(sampled);
  if (!hasEncoder || !images.defined()) return;
  for (bool sample : {false, true}) p.posterior(images, sample);
  if (info.hasClassifier) p.classify(images);
}

}  // namespace

namespace {

// Every contract method present with its argument count (one more, y, for a conditional
// model), and classify where the metadata promises it; appends violations, returns whether
// the probe can call them.
bool checkMethodArguments(const Module& module, ValidationReport& report) {
  const struct {
    const char* name;
    int args;
    bool required;
  } methods[] = {{"decode", 1, true},
                 {"prior_sample", 3, true},
                 {"posterior", 2, false},
                 {"log_px", 2, false}};
  bool methodsOk = true;
  // A conditional model (strata_meta.condition) takes y as one more, last argument.
  const int extra = report.info.conditional() ? 1 : 0;
  for (const auto& m : methods) {
    const int count = argumentCount(module, m.name);
    if (count < 0 && m.required) {
      report.violations << QStringLiteral("method %1: missing (required)").arg(m.name);
      methodsOk = false;
    } else if (count >= 0 && count != m.args + extra) {
      report.violations << QStringLiteral("method %1: takes %2 arguments, expected %3%4")
                               .arg(m.name)
                               .arg(count)
                               .arg(m.args + extra)
                               .arg(extra ? QStringLiteral(" (the last one y, for "
                                                           "strata_meta.condition)")
                                          : QString());
      methodsOk = false;
    }
  }
  if (report.info.hasClassifier && argumentCount(module, "classify") != 1) {
    report.violations << QStringLiteral(
        "method classify: missing or not taking 1 argument (strata_meta.condition.classifier "
        "is true)");
    methodsOk = false;
  }
  return methodsOk;
}

}  // namespace

ValidationReport Model::validate(const QString& path) {
  ValidationReport report;
  report.path = path;
  report.info.path = path;
  const QFileInfo file(path);
  if (!file.isFile()) {
    report.violations << QStringLiteral("file: no such file");
    return report;
  }
  // A damaged archive can crash LibTorch itself: a child process opens a new file first.
  const QString crash = vetModelFile(path);
  if (!crash.isEmpty()) {
    report.violations << QStringLiteral("file: %1").arg(crash);
    return report;
  }
  c10::InferenceMode inference;
  Module module;
  try {
    module = torch::jit::load(path.toStdString());
    module.eval();
  } catch (const std::exception& e) {
    report.violations << describeLoadFailure(
        path, e.what(), QStringLiteral("%1.%2").arg(TORCH_VERSION_MAJOR).arg(TORCH_VERSION_MINOR));
    return report;
  }
  bool usable = false;
  if (!module.hasattr("strata_meta")) {
    report.violations << QStringLiteral("strata_meta: attribute missing");
  } else {
    const c10::IValue meta = module.attr("strata_meta");
    if (!meta.isString())
      report.violations << QStringLiteral("strata_meta: expected a string attribute");
    else
      usable = parseModelMeta(QString::fromStdString(meta.toStringRef()), report.info,
                              report.violations);
  }
  report.info.path = path;

  bool methodsOk = checkMethodArguments(module, report);
  const bool hasPosterior = argumentCount(module, "posterior") >= 0;
  const bool hasLogPx = argumentCount(module, "log_px") >= 0;
  if (hasPosterior != hasLogPx) {
    report.violations << QStringLiteral(
                             "methods posterior and log_px: must come together (found only %1)")
                             .arg(hasPosterior ? "posterior" : "log_px");
    methodsOk = false;
  }
  report.info.hasEncoder = hasPosterior && hasLogPx;
  if (!report.info.hasEncoder) {
    report.info.encoderUnavailableReason = QStringLiteral(
        "the model has no posterior/log_px methods (decoder-only), so encoding, "
        "reconstructions, KL and likelihood bounds are unavailable");
    report.notes << report.info.encoderUnavailableReason;
  }
  if (usable && methodsOk) {
    std::lock_guard<std::mutex> lock(torchRandomMutex());  // the probe seeds and samples
    probe(module, report.info, report.violations, report.info.hasEncoder);
  }
  return report;
}

std::shared_ptr<Model> Model::load(const QString& path) {
  ValidationReport report = validate(path);
  if (!report.ok()) throw ModelError(report.text().toStdString());
  std::shared_ptr<Model> model(new Model);
  model->d->module = torch::jit::load(path.toStdString());
  model->d->module.eval();
  model->d->info = report.info;
  return model;
}

std::shared_ptr<Model> Model::replica() const {
  std::shared_ptr<Model> copy(new Model);
  std::lock_guard<std::mutex> lock(d->mutex);
  copy->d->module = d->module.deepcopy();
  copy->d->module.eval();
  copy->d->info = d->info;
  return copy;
}

Posterior Model::posterior(const float* x, int64_t batch, bool sample) const {
  if (!sample) return d->posterior(x, batch, false);
  std::lock_guard<std::mutex> lock(torchRandomMutex());
  return d->posterior(x, batch, true);
}

Posterior Model::posterior(const float* x, int64_t batch, SampleStream& stream) const {
  return sampleFrom(stream, [&] { return d->posterior(x, batch, true); });
}

Posterior Model::posteriorGiven(const float* x, int64_t batch, const std::vector<float>& condition,
                                SampleStream& stream) const {
  if (!d->info.conditional())
    throw ModelError("posterior: the model takes no condition (strata_meta.condition)");
  return sampleFrom(stream, [&] { return d->posterior(x, batch, true, &condition); });
}

Posterior Model::sampleFrom(SampleStream& stream, const std::function<Posterior()>& draw) const {
  std::lock_guard<std::mutex> lock(torchRandomMutex());
  const at::Tensor saved = generatorState();
  setGeneratorState(stream.state_->generator);
  try {
    Posterior q = draw();
    stream.state_->generator = generatorState();
    setGeneratorState(saved);
    return q;
  } catch (...) {
    setGeneratorState(saved);
    throw;
  }
}

Posterior Model::Impl::posterior(const float* x, int64_t batch, bool sample,
                                 const std::vector<float>* condition) const {
  if (!info.hasEncoder) throw ModelError(info.encoderUnavailableReason.toStdString());
  std::lock_guard<std::mutex> lock(mutex);
  c10::InferenceMode inference;
  const at::Tensor inputs = images(x, batch);
  at::Tensor y;
  if (info.conditional()) {
    const int64_t k = info.classes.size();
    if (condition)
      y = conditionTensor(*condition, batch);
    else if (info.hasClassifier)
      y = at::one_hot(classLogits(inputs, batch).argmax(1), k).to(torch::kFloat32);
    else
      y = torch::full({batch, k}, 1.0f / float(k), torch::kFloat32);
  }
  const c10::IValue result = module.get_method("posterior")(withCondition({inputs, sample}, y));
  if (!result.isGenericDict())
    throw ModelOutputError("posterior", "returned " + result.tagKind() + ", expected a dict");
  const auto dict = result.toGenericDict();
  auto get = [&](const char* key) {
    const auto it = dict.find(c10::IValue(std::string(key)));
    if (it == dict.end())
      throw ModelOutputError("posterior", std::string("returned no key ") + key);
    return layersResult(it->value(), batch, 0, std::string("posterior.") + key);
  };
  Posterior q{get("z"), get("q_mean"), get("q_logvar"), get("p_mean"), get("p_logvar")};
  if (y.defined())
    for (Latents* l : {&q.z, &q.qMean, &q.qLogVar, &q.pMean, &q.pLogVar}) l->condition = values(y);
  return q;
}

Posterior Model::posteriorGiven(const float* x, int64_t batch, const std::vector<float>& condition,
                                bool sample) const {
  if (!d->info.conditional())
    throw ModelError("posterior: the model takes no condition (strata_meta.condition)");
  if (!sample) return d->posterior(x, batch, false, &condition);
  std::lock_guard<std::mutex> lock(torchRandomMutex());
  return d->posterior(x, batch, true, &condition);
}

std::vector<float> Model::classLogits(const float* x, int64_t batch) const {
  if (!d->info.hasClassifier)
    throw ModelError("classify: the model has no classifier q(y|x) (strata_meta.condition)");
  std::lock_guard<std::mutex> lock(d->mutex);
  c10::InferenceMode inference;
  return Impl::values(d->classLogits(d->images(x, batch), batch));
}

std::vector<float> Model::decode(const Latents& z) const {
  std::lock_guard<std::mutex> lock(d->mutex);
  c10::InferenceMode inference;
  const c10::IValue result = d->module.get_method("decode")(d->withCondition(
      {tensorList(d->toTensors(z, 0))},
      d->info.conditional() ? d->conditionTensor(z.condition, z.batch) : at::Tensor()));
  if (!result.isTensor())
    throw ModelOutputError("decode", "returned " + result.tagKind() + ", expected a tensor");
  const at::Tensor& images = result.toTensor();
  Impl::checkResult(images, d->imageShape(z.batch), "decode");
  return d->toDataUnits(images);
}

namespace {

// The unit range [first, first + count) of the chosen layers, as one-hot tangents: copy c of
// the batch (rows c * batch ... c * batch + batch - 1) carries unit first + c.
std::vector<at::Tensor> unitTangents(const ModelInfo& info, int layer, int64_t first, int64_t count,
                                     int64_t batch) {
  std::vector<at::Tensor> tangents;
  int64_t offset = 0;  // of the layer's first unit among the chosen units
  for (size_t l = 0; l < info.layers.size(); ++l) {
    if (layer >= 0 && size_t(layer) != l) continue;
    const int64_t size = info.layers[l].size();
    at::Tensor t = torch::zeros({count * batch, size}, torch::kFloat32);
    for (int64_t c = 0; c < count; ++c) {
      const int64_t unit = first + c - offset;
      if (unit >= 0 && unit < size) t.narrow(0, c * batch, batch).select(1, unit).fill_(1);
    }
    tangents.push_back(t.reshape(batchShape(count * batch, info.layers[l].shape)));
    offset += size;
  }
  return tangents;
}

// Squared norms per copy of the batch: tangents [copies * batch, P] -> [copies].
std::vector<double> copyNorms(const at::Tensor& tangents, int64_t copies, int64_t batch) {
  std::vector<double> norms(size_t(copies), 0.0);
  if (!tangents.defined()) return norms;  // the output does not depend on these units
  const at::Tensor sums =
      tangents.detach().to(torch::kFloat64).square().reshape({copies, batch, -1}).sum({1, 2});
  for (int64_t c = 0; c < copies; ++c) norms[size_t(c)] = sums[c].item<double>();
  return norms;
}

// g(u) = J^T u is linear in u, so d <g(u), e> / du = J e: two reverse passes give the
// Jacobian-vector products of every copy's unit at once.
std::vector<double> doubleBackwardNorms(const at::Tensor& decoded,
                                        const std::vector<at::Tensor>& chosen,
                                        const std::vector<at::Tensor>& tangents, int64_t copies,
                                        int64_t batch) {
  if (!decoded.requires_grad()) return copyNorms({}, copies, batch);
  const at::Tensor u = torch::zeros_like(decoded).requires_grad_(true);
  const auto vjp = torch::autograd::grad({decoded}, chosen, {u}, true, true, true);
  at::Tensor projected;
  for (size_t i = 0; i < vjp.size(); ++i) {
    if (!vjp[i].defined()) continue;
    const at::Tensor term = (vjp[i] * tangents[i]).sum();
    projected = projected.defined() ? projected + term : term;
  }
  if (!projected.defined() || !projected.requires_grad()) return copyNorms({}, copies, batch);
  return copyNorms(torch::autograd::grad({projected}, {u}, {}, false, false, true)[0], copies,
                   batch);
}

constexpr const char* kForwardModeFailed = "forward-mode autograd failed";

// One sentence from an autograd or interpreter failure: the "RuntimeError:" line the
// TorchScript interpreter puts after its traceback, else the first line.
ModelOutputError autogradFailure(bool forward, const char* what) {
  const QStringList lines = QString::fromUtf8(what).split('\n', Qt::SkipEmptyParts);
  QString reason = lines.value(0).trimmed();
  for (const QString& line : lines)
    if (line.trimmed().startsWith(QLatin1String("RuntimeError:"))) {
      reason = line.trimmed().mid(int(qstrlen("RuntimeError:"))).trimmed();
      break;
    }
  return ModelOutputError(
      "decode", std::string(forward ? kForwardModeFailed : "reverse-mode autograd failed") + " (" +
                    reason.toStdString() + ")");
}

// LibTorch has one forward-AD level per process (nesting is refused), so two models computing
// Jacobians on two threads take turns.
std::mutex& forwardLevelMutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

std::vector<double> Model::jacobianColumnSquaredNorms(const Latents& point, int layer,
                                                      int64_t firstUnit, int64_t units,
                                                      JacobianMode mode) const {
  if (mode == JacobianMode::Automatic) {
    try {
      return jacobianColumnSquaredNorms(point, layer, firstUnit, units, JacobianMode::ForwardMode);
    } catch (const ModelOutputError& e) {
      // A failure of the forward-mode pass itself (typically an operator without a forward
      // formula) gets a second try in reverse mode, whose error then stands; a decoder that
      // returns NaN or the wrong shape would fail the same way there, so that error stands now.
      if (e.problem().rfind(kForwardModeFailed, 0) != 0) throw;
      return jacobianColumnSquaredNorms(point, layer, firstUnit, units,
                                        JacobianMode::DoubleBackward);
    }
  }
  std::lock_guard<std::mutex> lock(d->mutex);
  const ModelInfo& info = d->info;
  const int64_t rows = units * point.batch;
  std::vector<at::Tensor> tangents = unitTangents(info, layer, firstUnit, units, point.batch);
  std::vector<at::Tensor> inputs, chosen;
  const bool forward = mode == JacobianMode::ForwardMode;
  std::unique_lock<std::mutex> levelLock(forwardLevelMutex(), std::defer_lock);
  std::optional<uint64_t> level;
  auto releaseLevel = qScopeGuard([&] {
    if (level) torch::autograd::ForwardADLevel::release_idx(*level);
  });
  try {
    if (forward) {
      levelLock.lock();
      level = torch::autograd::ForwardADLevel::get_next_idx();
    }
    torch::AutoGradMode enableGrad(!forward);  // forward mode needs no graph
    for (size_t l = 0; l < info.layers.size(); ++l) {
      at::Tensor t = d->toTensors(Latents{point.batch, {point.layers[l]}}, l).front();
      std::vector<int64_t> repeats(size_t(t.dim()), 1);
      repeats[0] = units;
      t = t.repeat(repeats);  // row c * batch + i holds item i
      if (layer < 0 || size_t(layer) == l) {
        if (forward) t = at::_make_dual(t, tangents[chosen.size()], int64_t(*level));
        chosen.push_back(forward ? t : t.requires_grad_(true));
      }
      inputs.push_back(t);
    }
    const c10::IValue result = d->module.get_method("decode")(d->withCondition(
        {tensorList(inputs)},
        info.conditional() ? d->conditionTensor(point.condition, point.batch).repeat({units, 1})
                           : at::Tensor()));
    if (!result.isTensor())
      throw ModelOutputError("decode", "returned " + result.tagKind() + ", expected a tensor");
    Impl::checkReplicatedResult(result.toTensor().detach(), d->imageShape(rows), point.batch);
    const at::Tensor decoded = decodedToDataUnits(result.toTensor(), info).reshape({rows, -1});
    if (forward)
      return copyNorms(std::get<1>(at::_unpack_dual(decoded, int64_t(*level))), units, point.batch);
    return doubleBackwardNorms(decoded, chosen, tangents, units, point.batch);
  } catch (const Error&) {
    throw;  // already says what went wrong, in Strata's words
  } catch (const std::exception& e) {
    // c10::Error from LibTorch itself, or the std::runtime_error the TorchScript interpreter
    // rethrows when an operator inside the model's decode fails.
    throw autogradFailure(forward, e.what());
  }
}

Latents Model::priorSample(const Latents& fixed, const Latents& eps,
                           const std::vector<double>& temperature) const {
  std::lock_guard<std::mutex> lock(d->mutex);
  c10::InferenceMode inference;
  c10::List<double> temps;
  for (double t : temperature) temps.push_back(t);
  const size_t k = fixed.layers.size();
  const int64_t batch = k > 0 ? fixed.batch : eps.batch;
  at::Tensor y;
  if (d->info.conditional())
    y = d->conditionTensor(fixed.condition.empty() ? eps.condition : fixed.condition, batch);
  Latents z = d->layersResult(
      d->module.get_method("prior_sample")(d->withCondition(
          {tensorList(d->toTensors(fixed, 0)), tensorList(d->toTensors(eps, k)), temps}, y)),
      batch, 0, "prior_sample");
  if (y.defined()) z.condition = Impl::values(y);
  return z;
}

std::vector<float> Model::logPx(const float* x, int64_t batch, const Latents& z) const {
  if (!d->info.hasEncoder) throw ModelError(d->info.encoderUnavailableReason.toStdString());
  std::lock_guard<std::mutex> lock(d->mutex);
  c10::InferenceMode inference;
  const c10::IValue result = d->module.get_method("log_px")(d->withCondition(
      {d->images(x, batch), tensorList(d->toTensors(z, 0))},
      d->info.conditional() ? d->conditionTensor(z.condition, batch) : at::Tensor()));
  if (!result.isTensor())
    throw ModelOutputError("log_px", "returned " + result.tagKind() + ", expected a tensor");
  const at::Tensor& logPx = result.toTensor();
  Impl::checkResult(logPx, {batch}, "log_px");
  return Impl::values(logPx);
}

Latents Model::noise(int64_t batch, int firstLayer, uint64_t seed) const {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal;
  Latents eps;
  eps.batch = batch;
  for (size_t l = size_t(firstLayer); l < d->info.layers.size(); ++l) {
    std::vector<float> values(size_t(batch * d->info.layers[l].size()));
    for (float& v : values) v = normal(rng);
    eps.layers.push_back(std::move(values));
  }
  return eps;
}

}  // namespace strata
