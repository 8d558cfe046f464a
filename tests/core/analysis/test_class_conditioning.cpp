// Conditional and semi-supervised models (contract 2, strata_meta.condition): the contract's
// checks on conditional files, the y that travels with latents through traversals, and the
// classifier scores and analogy images against PyTorch alone (tools/class_reference.py) on the
// bundled M2 and on models scripted here in another input range and without a classifier.

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include "core/analysis/class_conditioning.h"
#include "core/analysis/comparison.h"
#include "core/analysis/model_metrics.h"
#include "core/base/errors.h"
#include "core/base/resources.h"
#include "core/data/fashion_mnist.h"
#include "core/model/encoding.h"
#include "core/model/model.h"
#include "core/model/traversal.h"
#include "tests/support/python_reference.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {

const QString kSource = QStringLiteral(STRATA_SOURCE_DIR);

std::vector<int64_t> range(int64_t first, int64_t count) {
  std::vector<int64_t> v;
  for (int64_t i = first; i < first + count; ++i) v.push_back(i);
  return v;
}

// Conditional models scripted at test time from the reference M2 (tools/strata_tools/m2.py):
// a small one whose inputs are declared in [-1, 1], one without a classifier, and files that
// break the contract's condition rules.
bool makeForeignModels(const QString& dir) {
  QFile script(dir + "/make.py");
  if (!script.open(QIODevice::WriteOnly)) return false;
  script.write(QStringLiteral(R"(import json, sys
from typing import Dict, List
sys.path.insert(0, %1)
import torch
from strata_tools import contract
from strata_tools.m2 import M2
import make_broken_models as broken

out = sys.argv[1]
torch.manual_seed(0)
classes = ["T-shirt/top", "Trouser", "Pullover"]  # Fashion-MNIST's first three, by name
layers = [{"name": "z", "shape": [4]}]

def save(model, name, meta):
    model.eval()
    model.strata_meta = json.dumps(meta)
    torch.jit.script(model).save(out + "/" + name)

class NoClassifier(M2):
    def classify(self, x: torch.Tensor) -> torch.Tensor:
        return x

save(M2(classes=3, latent_dim=4, hidden=16), "ranged.pt",
     contract.make_meta("ranged M2", 1, 28, 28, layers, value_range=(-1, 1),
                        classes=classes, classifier=True))
save(NoClassifier(classes=3, latent_dim=4, hidden=16), "cvae.pt",
     contract.make_meta("conditional VAE", 1, 28, 28, layers, classes=classes))
save(NoClassifier(classes=3, latent_dim=4, hidden=16), "missing_classify.pt",
     contract.make_meta("no classify", 1, 28, 28, layers, classes=classes, classifier=True))
one = contract.make_meta("one class", 1, 28, 28, layers, classes=classes, classifier=True)
one["condition"]["classes"] = ["only"]
save(M2(classes=3, latent_dim=4, hidden=16), "one_class.pt", one)
meta = broken.tiny_meta()
meta = json.loads(meta) if isinstance(meta, str) else meta
meta["contract"] = 2
meta["condition"] = {"classes": classes}
model = broken.Valid(broken.tiny_meta())
model.strata_meta = json.dumps(meta)
torch.jit.script(model).save(out + "/no_y.pt")
json.dump({"ok": True}, open(out + "/done.json", "w"))
)")
                   .arg('"' + kSource + "/tools\"")
                   .toUtf8());
  script.close();
  return runPythonReference({script.fileName(), dir}, dir + "/done.json")["ok"].toBool();
}

QJsonObject reference(const QString& model, int64_t first, int64_t count, uint64_t seed,
                      const std::vector<int64_t>& analogyItems) {
  QTemporaryDir dir;
  QStringList items;
  for (int64_t i : analogyItems) items << QString::number(i);
  return runPythonReference(
      {kSource + "/tools/class_reference.py", model, QString::number(first), QString::number(count),
       QString::number(seed), items.join(','), dir.filePath("ref.json")},
      dir.filePath("ref.json"));
}

// Scores and analogy images against the reference: q(y|x)'s class exactly, the generative
// classifier's where its best and second-best ELBO differ by more than 1e-3 nats (float32
// sums of 784 pixels), the entropy within 1e-5 nats and the decoded images within 1e-5.
void compareWithReference(const Model& model, const Dataset& data, int64_t count) {
  const uint64_t seed = 5;
  const std::vector<int64_t> analogyItems{1, 2, 3};  // labels 2, 1, 1: in every model's classes
  const QJsonObject ref = reference(model.info().path, 0, count, seed, analogyItems);
  QVERIFY(!ref.isEmpty());
  const ClassifierEvaluation e = evaluateClassifiers(model, data, range(0, count), seed);
  QCOMPARE(e.items, int64_t(ref["labels"].toArray().size()));
  QVERIFY(e.items > count / 5);
  const QJsonArray genRef = ref["generative_predicted"].toArray(), gap = ref["elbo_gap"].toArray();
  int decided = 0;
  for (int64_t i = 0; i < e.items; ++i) {
    QCOMPARE(e.labels[size_t(i)], ref["labels"].toArray()[int(i)].toInt());
    if (model.info().hasClassifier)
      QCOMPARE(e.qPredicted[size_t(i)], ref["q_predicted"].toArray()[int(i)].toInt());
    if (gap[int(i)].toDouble() > 1e-3) {
      QCOMPARE(e.generativePredicted[size_t(i)], genRef[int(i)].toInt());
      ++decided;
    }
  }
  QVERIFY2(decided > e.items * 9 / 10, qPrintable(QString::number(decided)));
  if (model.info().hasClassifier) {
    QVERIFY(std::abs(e.meanEntropy - ref["mean_entropy"].toDouble()) < 1e-5);
    QVERIFY2(std::abs(e.bound - ref["bound"].toDouble()) < 1e-3,
             qPrintable(QStringLiteral("%1 against %2").arg(e.bound).arg(ref["bound"].toDouble())));
  } else {
    QVERIFY(std::isnan(e.qAccuracy) && std::isnan(e.meanEntropy) && std::isnan(e.bound));
  }

  const AnalogyGrid grid = analogyGrid(model, data, analogyItems);
  const int k = int(model.info().classes.size());
  const size_t pixels = size_t(data.itemShape().pixelCount());
  QCOMPARE(grid.images.size(), analogyItems.size() * size_t(k) * pixels);
  double worst = 0;
  for (size_t i = 0; i < analogyItems.size(); ++i) {
    QVERIFY(grid.encodedUnder[i].fromLabel);
    QCOMPARE(grid.encodedUnder[i].cls, data.label(analogyItems[i]));
    for (int c = 0; c < k; ++c) {
      const QJsonArray r = ref["analogy"].toArray()[int(i)].toArray()[c].toArray();
      for (size_t p = 0; p < pixels; ++p)
        worst = std::max(worst, std::abs(grid.images[(i * size_t(k) + size_t(c)) * pixels + p] -
                                         r[int(p)].toDouble()));
    }
  }
  QVERIFY2(worst < 1e-5, qPrintable(QString::number(worst)));
}

}  // namespace

class TestClassConditioning : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::shared_ptr<ArrayDataset> test_;

 private Q_SLOTS:
  void initTestCase() {
    if (!fashionMnistAvailable()) QSKIP("Fashion-MNIST is not installed");
    test_ = loadFashionMnist(Split::Test);
    QVERIFY(makeForeignModels(dir_.path()));
  }

  void contractChecksTheCondition() {
    const ValidationReport ok = Model::validate(bundledModelPath("fashion_m2.pt"));
    QVERIFY2(ok.ok(), qPrintable(ok.text()));
    QCOMPARE(ok.info.classes.size(), 10);
    QVERIFY(ok.info.hasClassifier);
    const ValidationReport noY = Model::validate(dir_.filePath("no_y.pt"));
    QVERIFY(
        noY.violations.join('\n').contains("method decode: takes 1 arguments, expected 2 (the last "
                                           "one y, for strata_meta.condition)"));
    const ValidationReport noClassify = Model::validate(dir_.filePath("missing_classify.pt"));
    QVERIFY2(noClassify.violations.join('\n').contains("method classify: missing"),
             qPrintable(noClassify.text()));
    const ValidationReport one = Model::validate(dir_.filePath("one_class.pt"));
    QVERIFY2(one.violations.join('\n').contains("strata_meta.condition.classes: expected a list "
                                                "of 2 to 1000 distinct non-empty class names"),
             qPrintable(one.text()));
  }

  void bundledM2MatchesPyTorch() {
    const auto model = Model::load(bundledModelPath("fashion_m2.pt"));
    compareWithReference(*model, *test_, 200);
    // The map's encoding of all 10,000 items keeps q(y|x)'s class and entropy, and its cache
    // gives them back; the class matches the card's test accuracy within two items (float32
    // ties) and the first 200 items' entropies the reference's mean.
    const EncodingCache cache(dir_.filePath("cache"));
    bool fromCache = true;
    const Encoding e = cache.get(*model, *test_, {}, {}, &fromCache);
    QVERIFY(!fromCache);
    const Encoding again = cache.get(*model, *test_, {}, {}, &fromCache);
    QVERIFY(fromCache);
    QCOMPARE(again.predictedClass, e.predictedClass);
    QCOMPARE(again.classEntropy, e.classEntropy);
    QFile cardFile(modelCardPath(model->info().path));
    QVERIFY(cardFile.open(QIODevice::ReadOnly));
    const double card =
        QJsonDocument::fromJson(cardFile.readAll())["test"]["q_y_accuracy"].toDouble();
    int64_t correct = 0;
    const int64_t n = test_->size();
    QCOMPARE(int64_t(e.predictedClass.size()), n);
    for (int64_t i = 0; i < n; ++i) correct += e.predictedClass[size_t(i)] == test_->label(i);
    QVERIFY2(
        std::abs(double(correct) / double(n) - card) <= 2.0 / double(n),
        qPrintable(QStringLiteral("%1 against the card's %2").arg(double(correct) / n).arg(card)));
    const ClassifierEvaluation first = evaluateClassifiers(*model, *test_, range(0, 200), 5);
    double entropy = 0;
    for (size_t i = 0; i < 200; ++i) entropy += e.classEntropy[i] / 200.0;
    QVERIFY(std::abs(entropy - first.meanEntropy) < 1e-5);
  }

  void otherRangeAndNoClassifierMatchPyTorch() {
    compareWithReference(*Model::load(dir_.filePath("ranged.pt")), *test_, 70);
    const auto cvae = Model::load(dir_.filePath("cvae.pt"));
    QVERIFY(!cvae->info().hasClassifier);
    compareWithReference(*cvae, *test_, 70);
    // Without labels or a classifier an item is encoded under uniform class probabilities.
    QVERIFY_THROWS_EXCEPTION(ModelError, cvae->classLogits(test_->image(0).data(), 1));
  }

  void theClassTravelsWithTheLatents() {
    const auto model = Model::load(bundledModelPath("fashion_m2.pt"));
    const LatentStart start = startFromItem(*model, *test_, 0, false, 0);
    const std::vector<float> logits = model->classLogits(test_->image(0).data(), 1);
    const int predicted = int(std::max_element(logits.begin(), logits.end()) - logits.begin());
    QCOMPARE(start.z.condition, oneHotCondition(10, predicted));
    const LatentStart asBag = underClass(*model, start, 8);
    QCOMPARE(asBag.z.condition, oneHotCondition(10, 8));
    const TraversalGrid grid =
        traversalGrid(*model, asBag, nullptr, {singleUnit(model->info(), 0, 3)}, 3,
                      RangeMode::PriorSigma, 2.0, Propagation::KeepLower);
    // The middle step decoded under the bag class, not the predicted one.
    const UnitGroup unit = singleUnit(model->info(), 0, 3);
    const Latents middle =
        applyEdits(*model, asBag, {{unit, grid.values[0][1]}}, Propagation::KeepLower);
    QCOMPARE(middle.condition, oneHotCondition(10, 8));
    Latents asPredicted = middle;
    asPredicted.condition = start.z.condition;
    const std::vector<float> direct = model->decode(middle), other = model->decode(asPredicted);
    const size_t pixels = direct.size();
    double worst = 0, apart = 0;
    for (size_t p = 0; p < pixels; ++p) {
      worst = std::max(worst, double(std::abs(grid.images[pixels + p] - direct[p])));
      apart = std::max(apart, double(std::abs(grid.images[pixels + p] - other[p])));
    }
    QVERIFY2(worst < 1e-6, qPrintable(QString::number(worst)));
    QVERIFY2(apart > 0.1, qPrintable(QString::number(apart)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, underClass(*model, start, 10));
    // An interpolation between two items of different classes ends on each item's own
    // reconstruction: each end keeps its y.
    const int64_t second = 1;  // a pullover, not an ankle boot
    const InterpolationPath path = interpolateItems(*model, *test_, 0, second, 5, false);
    const std::vector<float> endA = model->decode(start.z),
                             endB =
                                 model->decode(startFromItem(*model, *test_, second, false, 0).z);
    double ends = 0;
    for (size_t p = 0; p < endA.size(); ++p)
      ends = std::max({ends, double(std::abs(path.images[p] - endA[p])),
                       double(std::abs(path.images[4 * endA.size() + p] - endB[p]))});
    QVERIFY2(ends < 1e-5, qPrintable(QString::number(ends)));
    Latents wrong = start.z;
    wrong.condition = {1.0f, 0.0f};
    QVERIFY_THROWS_EXCEPTION(ModelError, model->decode(wrong));
  }

  void metricsTableHasTheClassifierRows() {
    const auto model = Model::load(bundledModelPath("fashion_m2.pt"));
    MetricsOptions o;
    o.items = 120;
    o.iwItems = 0;
    o.seed = 3;
    const ModelMetrics m = computeModelMetrics(*model, *test_, o);
    const ClassifierEvaluation e =
        evaluateClassifiers(*model, *test_, metricItems(o, test_->size()), o.seed + 9);
    QVERIFY(m.find("classifier/q_accuracy"));
    QCOMPARE(m.find("classifier/q_accuracy")->value, e.qAccuracy);
    QCOMPARE(m.find("classifier/generative_accuracy")->value, e.generativeAccuracy);
    QCOMPARE(m.find("classifier/agreement")->value, e.agreement);
    QCOMPARE(m.classConfusion, e.confusion);
    // The table as a cache or a JSON file keeps the confusion matrix.
    const ModelMetrics back = ModelMetrics::fromJson(m.toJson());
    QCOMPARE(back.classNames, model->info().classes);
    QCOMPARE(back.classConfusion, m.classConfusion);
    // Unconditional models and unlabelled data get no such rows, and analogies are refused.
    const auto flat = Model::load(bundledModelPath("fashion_vae.pt"));
    QVERIFY_THROWS_EXCEPTION(DataError, analogyGrid(*flat, *test_, {0}));
  }
};

STRATA_TEST_GUILESS_MAIN(TestClassConditioning)
#include "test_class_conditioning.moc"
