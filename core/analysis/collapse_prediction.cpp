#include "core/analysis/collapse_prediction.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <utility>

#include "core/analysis/class_conditioning.h"
#include "core/model/model_ops.h"
#include "core/numeric/linear_collapse.h"

namespace strata {
namespace {

// Kept in the table for the view: enough of the spectrum to show where the threshold falls.
constexpr size_t kSpectrumKept = 1024;

MetricRow countRow(QString key, QString name, double value, double outOf, QString parameters) {
  MetricRow r{std::move(key), std::move(name), value, NAN, NAN, std::move(parameters)};
  r.higherIsBetter = false;
  r.outOf = outOf;
  return r;
}

// Why the theory does not apply to this model, or empty.
QString notApplicableTo(const ModelInfo& info) {
  if (info.layers.size() != 1)
    return QStringLiteral(
               "the linear theory covers models with one latent layer; this model has %1")
        .arg(info.layers.size());
  if (!std::isfinite(info.decoderStd))
    return QStringLiteral(
        "the model declares no Gaussian decoder standard deviation "
        "(strata_meta.objective.decoder_std, docs/model-contract.md)");
  if (!info.likelihood.contains(QLatin1String("gauss"), Qt::CaseInsensitive) &&
      !info.likelihood.contains(QLatin1String("normal"), Qt::CaseInsensitive))
    return QStringLiteral(
               "the linear theory needs a Gaussian decoder; the model's likelihood is \"%1\"")
        .arg(info.likelihood);
  const double beta = std::isfinite(info.objectiveBeta) ? info.objectiveBeta : 1.0;
  if (!std::isnormal(beta * info.decoderStd * info.decoderStd))
    return QStringLiteral("beta x decoder_std^2 = %1 x %2^2 is too small to compare with")
        .arg(beta)
        .arg(info.decoderStd);
  return {};
}

// Data units [0, 1] to the model's input space, per pixel of an item of `shape`.
void toModelSpace(const ModelInfo& info, int64_t pixelsPerChannel, float* x, int64_t pixels,
                  double* out) {
  for (int64_t p = 0; p < pixels; ++p) {
    const size_t c = size_t(p / pixelsPerChannel);
    double v = info.rangeLow + (info.rangeHigh - info.rangeLow) * double(x[p]);
    if (!info.normalizeMean.empty()) v = (v - info.normalizeMean[c]) / info.normalizeStd[c];
    out[p] = v;
  }
}

}  // namespace

QString collapsePredictionUnavailable(const ModelInfo& info) {
  return notApplicableTo(info);
}

double CollapsePrediction::predictedKl() const {
  return std::accumulate(unitKl.begin(), unitKl.end(), 0.0);
}

QString CollapsePrediction::parametersText() const {
  if (!computed) return QStringLiteral("not computed: %1").arg(reason);
  const QString covariance = conditional ? QStringLiteral("Cov(x) - Cov(x,y) Cov(y)^+ Cov(y,x)")
                                         : QStringLiteral("Cov(x) (no condition)");
  QString from = QStringLiteral("%1 items").arg(items);
  if (conditional)
    from += QStringLiteral(" (y: %1 labels, %2 predicted by q(y|x))")
                .arg(fromLabels)
                .arg(fromClassifier);
  return QStringLiteral(
             "Dang et al. (ICLR 2024), linear %9 with learnable encoder variance: a unit stays "
             "active when its eigenvalue of %1 exceeds beta eta_dec^2 = %2 x %3^2 = %4 "
             "(strata_meta.objective%5); %6 of the eigenvalues exceed it; x in the model's input "
             "space%7, %8")
      .arg(covariance)
      .arg(beta)
      .arg(decoderStd)
      .arg(threshold, 0, 'g', 4)
      .arg(betaDeclared ? QString() : QStringLiteral(", beta not declared: 1"))
      .arg(std::count_if(eigenvalues.begin(), eigenvalues.end(),
                         [&](double v) { return v > threshold; }))
      .arg(fromGram ? QStringLiteral(", spectrum from the items' Gram matrix") : QString())
      .arg(from)
      .arg(conditional ? QStringLiteral("CVAE") : QStringLiteral("VAE"));
}

namespace {

// The items' pixels in the model's input space and, for a conditional model, their one-hot y;
// `p` receives the counts, or the reason when the items do not fit.
struct SpectrumInputs {
  std::vector<double> x, condition;
  int64_t pixels = 0;
  int classes = 0;
};

SpectrumInputs gatherInputs(const Model& model, const Dataset& dataset,
                            const std::vector<int64_t>& items, CollapsePrediction& p,
                            const JobControl& job) {
  const ModelInfo& info = model.info();
  SpectrumInputs in;
  in.pixels = dataset.itemShape().pixelCount();
  in.classes = int(info.classes.size());
  // The items that fit: the residuals and the condition rows are both items x their width.
  const int64_t widest = std::max<int64_t>({in.pixels, int64_t(in.classes), 1});
  if (2 * widest > kMaxSpectrumValues) {
    p.reason = QStringLiteral("an item has %1 values; the spectrum holds at most %2 per item")
                   .arg(widest)
                   .arg(kMaxSpectrumValues / 2);
    return in;
  }
  int64_t cap = kMaxSpectrumValues / widest;
  if (in.pixels > kMaxSpectrumSide) cap = std::min(cap, kMaxSpectrumSide);
  const std::vector<int64_t> candidates(
      items.begin(), items.begin() + std::ptrdiff_t(std::min<int64_t>(int64_t(items.size()), cap)));
  const std::vector<EncodingClass> classes =
      p.conditional ? conditioningClasses(model, dataset, candidates, job)
                    : std::vector<EncodingClass>(candidates.size(), EncodingClass{0, false});
  in.x.reserve(candidates.size() * size_t(in.pixels));
  if (p.conditional) in.condition.reserve(candidates.size() * size_t(in.classes));
  std::vector<float> image(static_cast<size_t>(in.pixels), 0.0f);
  const int64_t perChannel =
      std::max<int64_t>(1, in.pixels / std::max(1, dataset.itemShape().channels));
  for (size_t i = 0; i < candidates.size(); ++i) {
    const EncodingClass under = classes[i];
    if (under.cls < 0) continue;
    job.cancel.throwIfCancelled();
    dataset.copyImage(candidates[i], image.data());
    in.x.resize(in.x.size() + size_t(in.pixels));
    toModelSpace(info, perChannel, image.data(), in.pixels,
                 in.x.data() + in.x.size() - size_t(in.pixels));
    if (p.conditional) {
      in.condition.resize(in.condition.size() + size_t(in.classes), 0.0);
      in.condition[in.condition.size() - size_t(in.classes) + size_t(under.cls)] = 1.0;
      ++(under.fromLabel ? p.fromLabels : p.fromClassifier);
    }
    ++p.items;
  }
  if (p.items < 2)
    p.reason = p.conditional ? QStringLiteral(
                                   "fewer than two items have a label among the model's classes "
                                   "or a class from q(y|x)")
                             : QStringLiteral("fewer than two items");
  return in;
}

}  // namespace

CollapsePrediction predictCollapse(const Model& model, const Dataset& dataset,
                                   const std::vector<int64_t>& items, const JobControl& job) {
  requireCompatible(model, dataset);
  const ModelInfo& info = model.info();
  CollapsePrediction p;
  p.reason = collapsePredictionUnavailable(info);
  if (!p.reason.isEmpty()) return p;
  p.units = int(info.layers[0].size());
  p.decoderStd = info.decoderStd;
  p.betaDeclared = std::isfinite(info.objectiveBeta);
  p.beta = p.betaDeclared ? info.objectiveBeta : 1.0;
  p.threshold = p.beta * p.decoderStd * p.decoderStd;
  p.conditional = info.conditional();
  SpectrumInputs in = gatherInputs(model, dataset, items, p, job.range(0, 0.3));
  if (!p.reason.isEmpty()) return p;
  try {
    const UnexplainedSpectrum s =
        unexplainedSpectrum(std::move(in.x), p.items, in.pixels, in.condition,
                            p.conditional ? in.classes : 0, job.range(0.3, 1.0));
    p.eigenvalues = s.eigenvalues;
    p.fromGram = s.fromGram;
  } catch (const std::invalid_argument& e) {
    p.reason = QString::fromUtf8(e.what());
    return p;
  }
  p.predictedActive = linearTheoryActiveUnits(p.eigenvalues, p.units, p.beta, p.decoderStd);
  p.unitKl = linearTheoryUnitKl(p.eigenvalues, p.units, p.threshold);
  p.computed = true;
  return p;
}

void addCollapsePredictionRows(ModelMetrics& m, const Model& model, const Dataset& dataset,
                               const std::vector<int64_t>& items, const JobControl& job) {
  const ModelInfo& info = model.info();
  const int units = int(std::min<int64_t>(info.totalLatentSize(), INT32_MAX));
  CollapsePrediction p;
  p.reason = collapsePredictionUnavailable(info);
  if (p.reason.isEmpty()) p = predictCollapse(model, dataset, items, job);
  const QString text = p.parametersText();
  m.rows.push_back(countRow("collapse/linear-theory", "units predicted collapsed (linear theory)",
                            p.computed ? double(p.units - p.predictedActive) : NAN, units, text));
  MetricRow kl{"collapse/linear-theory-kl",
               "KL predicted by the linear theory (nats)",
               p.computed ? p.predictedKl() : NAN,
               NAN,
               NAN,
               p.computed ? QStringLiteral("sum over the units of 1/2 ln(lambda_i / (beta "
                                           "eta_dec^2)) where positive; ") +
                                text
                          : text};
  kl.higherIsBetter = false;
  m.rows.push_back(kl);
  if (!p.computed) return;
  m.unexplainedSpectrum.assign(
      p.eigenvalues.begin(),
      p.eigenvalues.begin() + std::ptrdiff_t(std::min(p.eigenvalues.size(), kSpectrumKept)));
  m.collapseThreshold = p.threshold;
}

}  // namespace strata
