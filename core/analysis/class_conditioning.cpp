#include "core/analysis/class_conditioning.h"

#include <algorithm>

#include "core/base/errors.h"
#include "core/model/item_conditions.h"
#include "core/model/model_ops.h"

namespace strata {
namespace {

void requireConditional(const Model& model, const Dataset& dataset, const char* what) {
  requireCompatible(model, dataset);
  if (!model.info().conditional())
    throw DataError(model.info().path.toStdString(),
                    std::string(what) + " needs a conditional model (strata_meta.condition)");
}

std::vector<float> images(const Dataset& dataset, const std::vector<int64_t>& items, size_t first,
                          size_t count) {
  const int64_t pixels = dataset.itemShape().pixelCount();
  std::vector<float> x(count * size_t(pixels));
  for (size_t i = 0; i < count; ++i)
    dataset.copyImage(items[first + i], x.data() + i * size_t(pixels));
  return x;
}

MetricRow row(QString key, QString name, double value, QString parameters) {
  return {std::move(key), std::move(name), value, NAN, NAN, std::move(parameters)};
}

}  // namespace

std::vector<EncodingClass> conditioningClasses(const Model& model, const Dataset& dataset,
                                               const std::vector<int64_t>& items,
                                               const JobControl& job) {
  requireConditional(model, dataset, "the class of each item");
  const ModelInfo& info = model.info();
  const int k = int(info.classes.size());
  const std::vector<int> classOf = modelClassOfLabels(info, dataset);
  std::vector<EncodingClass> out(items.size());
  std::vector<int64_t> unlabelled;  // positions in `items`
  for (size_t i = 0; i < items.size(); ++i) {
    const int label = modelClassOfItem(classOf, dataset, items[i]);
    if (label >= 0)
      out[i] = {label, true};
    else
      unlabelled.push_back(int64_t(i));
  }
  if (!info.hasClassifier || !info.hasEncoder) return out;
  constexpr size_t kBatch = 256;
  for (size_t first = 0; first < unlabelled.size(); first += kBatch) {
    job.cancel.throwIfCancelled();
    const size_t count = std::min(kBatch, unlabelled.size() - first);
    std::vector<int64_t> batch;
    for (size_t j = 0; j < count; ++j) batch.push_back(items[size_t(unlabelled[first + j])]);
    const std::vector<float> x = images(dataset, batch, 0, count);
    const std::vector<float> logits = model.classLogits(x.data(), int64_t(count));
    for (size_t j = 0; j < count; ++j)
      out[size_t(unlabelled[first + j])] = {
          classPosterior(logits.data() + j * size_t(k), k).predicted, false};
    job.report(double(first + count) / double(unlabelled.size()));
  }
  return out;
}

AnalogyGrid analogyGrid(const Model& model, const Dataset& dataset,
                        const std::vector<int64_t>& items, const JobControl& job) {
  requireConditional(model, dataset, "an analogy grid");
  const ModelInfo& info = model.info();
  const int k = int(info.classes.size());
  AnalogyGrid grid;
  grid.items = items;
  grid.classes = k;
  const std::vector<int> classOf = modelClassOfLabels(info, dataset);
  for (size_t i = 0; i < items.size(); ++i) {
    job.cancel.throwIfCancelled();
    const std::vector<float> x = images(dataset, items, i, 1);
    EncodingClass under;
    const int label = modelClassOfItem(classOf, dataset, items[i]);
    if (label >= 0) {
      under = {label, true};
    } else if (info.hasClassifier) {
      const std::vector<float> logits = model.classLogits(x.data(), 1);
      under = {classPosterior(logits.data(), k).predicted, false};
    }
    const std::vector<float> y = under.cls >= 0 ? oneHotCondition(k, under.cls)
                                                : std::vector<float>(size_t(k), 1.0f / float(k));
    const Posterior q = model.posteriorGiven(x.data(), 1, y, false);
    // The item's z repeated once per class, each copy decoded under its class.
    Latents z{k, {}, {}};
    for (const auto& layer : q.z.layers) {
      std::vector<float> repeated;
      for (int c = 0; c < k; ++c) repeated.insert(repeated.end(), layer.begin(), layer.end());
      z.layers.push_back(std::move(repeated));
    }
    for (int c = 0; c < k; ++c) {
      const std::vector<float> one = oneHotCondition(k, c);
      z.condition.insert(z.condition.end(), one.begin(), one.end());
    }
    const std::vector<float> decoded = model.decode(z);
    grid.images.insert(grid.images.end(), decoded.begin(), decoded.end());
    grid.encodedUnder.push_back(under);
    job.report(double(i + 1) / double(items.size()));
  }
  return grid;
}

namespace {

// ELBO(x, y) of a batch of b items under every class: [k * b], class-major (row c * b + i is
// item i under class c), one z per row drawn from `stream`.
std::vector<double> elboPerClass(const Model& model, const std::vector<float>& x, size_t b,
                                 SampleStream& stream) {
  const ModelInfo& info = model.info();
  const int k = int(info.classes.size());
  std::vector<float> xs, ys;
  xs.reserve(x.size() * size_t(k));
  for (int c = 0; c < k; ++c) {
    xs.insert(xs.end(), x.begin(), x.end());
    const std::vector<float> one = oneHotCondition(k, c);
    for (size_t i = 0; i < b; ++i) ys.insert(ys.end(), one.begin(), one.end());
  }
  const int64_t rows = int64_t(b) * k;
  const Posterior q = model.posteriorGiven(xs.data(), rows, ys, stream);
  const std::vector<float> logPx = model.logPx(xs.data(), rows, q.z);
  const double logPrior = -std::log(double(k));
  std::vector<double> elbo(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    double kl = 0;
    for (size_t l = 0; l < info.layers.size(); ++l) {
      const size_t size = size_t(info.layers[l].size());
      for (size_t u = 0; u < size; ++u) kl += unitKl(q, l, size_t(r) * size + u);
    }
    elbo[size_t(r)] = double(logPx[size_t(r)]) - kl + logPrior;
  }
  return elbo;
}

// Sums over the scored items, turned into the evaluation's means by `finish`.
struct ClassifierSums {
  double entropy = 0, bound = 0;

  // One batch: q(y|x)'s classes, entropies and U(x) terms (with a classifier), and the
  // generative classifier's classes.
  void addBatch(const Model& model, const std::vector<float>& x, size_t b, SampleStream& stream,
                ClassifierEvaluation& e) {
    const int k = e.classes;
    std::vector<float> probabilities;  // q(y|x), [b, k]
    if (model.info().hasClassifier) {
      probabilities = model.classLogits(x.data(), int64_t(b));
      for (size_t i = 0; i < b; ++i) {
        float* row = probabilities.data() + i * size_t(k);  // logits, then the softmax
        const ClassPosterior c = classPosterior(row, k, row);
        e.qPredicted.push_back(c.predicted);
        entropy += c.entropy;
        bound += c.entropy;
      }
    }
    const std::vector<double> elbo = elboPerClass(model, x, b, stream);
    for (size_t i = 0; i < b; ++i) {
      int best = 0;
      for (int c = 0; c < k; ++c) {
        if (!probabilities.empty())
          bound += double(probabilities[i * size_t(k) + size_t(c)]) * elbo[size_t(c) * b + i];
        if (elbo[size_t(c) * b + i] > elbo[size_t(best) * b + i]) best = c;
      }
      e.generativePredicted.push_back(best);
    }
  }

  void finish(bool hasClassifier, ClassifierEvaluation& e) const {
    const size_t k = size_t(e.classes);
    int64_t qCorrect = 0, genCorrect = 0, agree = 0;
    for (size_t i = 0; i < e.labels.size(); ++i) {
      const size_t truth = size_t(e.labels[i]), gen = size_t(e.generativePredicted[i]);
      genCorrect += gen == truth;
      ++e.generativeConfusion[truth * k + gen];
      if (!hasClassifier) continue;
      const size_t pred = size_t(e.qPredicted[i]);
      qCorrect += pred == truth;
      agree += pred == gen;
      ++e.confusion[truth * k + pred];
    }
    const double n = double(e.labels.size());
    e.generativeAccuracy = double(genCorrect) / n;
    if (!hasClassifier) return;
    e.qAccuracy = double(qCorrect) / n;
    e.agreement = double(agree) / n;
    e.meanEntropy = entropy / n;
    e.bound = bound / n;
  }
};

}  // namespace

ClassifierEvaluation evaluateClassifiers(const Model& model, const Dataset& dataset,
                                         const std::vector<int64_t>& items, uint64_t seed,
                                         const JobControl& job) {
  requireConditional(model, dataset, "classifier scores");
  const ModelInfo& info = model.info();
  if (!info.hasEncoder)
    throw DataError(info.path.toStdString(), info.encoderUnavailableReason.toStdString());
  const int k = int(info.classes.size());
  ClassifierEvaluation e;
  e.classes = k;
  std::vector<int64_t> labelled;
  const std::vector<int> classOf = modelClassOfLabels(info, dataset);
  if (dataset.hasLabels())
    for (int64_t i : items) {
      const int label = modelClassOfItem(classOf, dataset, i);
      if (label >= 0) labelled.push_back(i), e.labels.push_back(label);
    }
  e.items = int64_t(labelled.size());
  e.confusion.assign(size_t(k) * size_t(k), 0);
  e.generativeConfusion.assign(size_t(k) * size_t(k), 0);
  if (labelled.empty()) return e;
  SampleStream stream(seed);
  ClassifierSums sums;
  for (size_t first = 0; first < labelled.size(); first += size_t(kClassifierBatch)) {
    job.cancel.throwIfCancelled();
    const size_t b = std::min(size_t(kClassifierBatch), labelled.size() - first);
    sums.addBatch(model, images(dataset, labelled, first, b), b, stream, e);
    job.report(double(first + b) / double(labelled.size()));
  }
  sums.finish(info.hasClassifier, e);
  return e;
}

void addClassifierRows(ModelMetrics& m, const Model& model, const Dataset& dataset,
                       const std::vector<int64_t>& items, uint64_t seed, const JobControl& job) {
  const ModelInfo& info = model.info();
  if (!info.conditional() || !info.hasEncoder || !dataset.hasLabels()) return;
  const ClassifierEvaluation e = evaluateClassifiers(model, dataset, items, seed, job);
  if (e.items == 0) return;
  const QString on = QStringLiteral("%1 labelled items").arg(e.items);
  if (info.hasClassifier) {
    m.rows.push_back(row("classifier/q_accuracy", "q(y|x) accuracy", e.qAccuracy,
                         QStringLiteral("argmax of the model's classify(x); %1").arg(on)));
    m.rows.push_back(
        row("classifier/q_entropy", "q(y|x) mean entropy (nats)", e.meanEntropy,
            QStringLiteral("of softmax(classify(x)), at most ln %1; %2").arg(e.classes).arg(on)));
    m.rows.back().higherIsBetter = false;
    m.rows.push_back(row("classifier/bound", "bound on log p(x), y summed out (nats)", e.bound,
                         QStringLiteral("M2's U(x) = sum_y q(y|x) ELBO(x, y) + H(q(y|x)), one z "
                                        "per class, uniform p(y), seed %1; %2")
                             .arg(seed)
                             .arg(on)));
  }
  m.rows.push_back(row("classifier/generative_accuracy", "generative classifier accuracy",
                       e.generativeAccuracy,
                       QStringLiteral("argmax_y ELBO(x, y) + log p(y), one z per class, uniform "
                                      "p(y), seed %1; %2")
                           .arg(seed)
                           .arg(on)));
  if (info.hasClassifier)
    m.rows.push_back(
        row("classifier/agreement", "q(y|x) and generative classifier agree", e.agreement, on));
  m.classNames = info.classes;
  m.classConfusion = info.hasClassifier ? e.confusion : e.generativeConfusion;
}

}  // namespace strata
