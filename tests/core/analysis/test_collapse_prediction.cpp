// Dang et al.'s linear-theory collapse prediction (docs/metrics.md, "Collapse predicted by the
// linear theory"): the unexplained covariance's spectrum by hand and through the items' Gram
// matrix; the theory itself against a linear conditional VAE trained in PyTorch
// (tools/collapse_reference.py linear); the spectrum of the bundled conditional VAE and of
// models scripted here in another range, with a normalisation and without a condition against
// NumPy; the rows where the theory does not apply; the declared objective and its bad values;
// and the items a model without q(y|x) is encoded under.

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <Eigen/Dense>

#include <cmath>
#include <random>
#include <stdexcept>

#include "core/analysis/collapse_prediction.h"
#include "core/analysis/model_metrics.h"
#include "core/analysis/projection.h"
#include "core/base/resources.h"
#include "core/data/fashion_mnist.h"
#include "core/data/npy.h"
#include "core/model/encoding.h"
#include "core/model/evaluation.h"
#include "core/model/item_conditions.h"
#include "core/model/model.h"
#include "core/model/model_meta.h"
#include "core/model/traversal.h"
#include "core/numeric/linear_collapse.h"
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

// Models scripted at test time: a conditional VAE on three classes declared in [-1, 1] with a
// normalisation and beta 2, and an unconditional one with a decoder standard deviation alone.
bool makeForeignModels(const QString& dir) {
  QFile script(dir + "/make.py");
  if (!script.open(QIODevice::WriteOnly)) return false;
  script.write(QStringLiteral(R"(import json, sys
sys.path.insert(0, %1)
import torch
from strata_tools import contract
from strata_tools.cvae import GaussianCVAE
from strata_tools.models import ConvVAE

out = sys.argv[1]
torch.manual_seed(0)
layers = [{"name": "z", "shape": [6]}]

def save(model, name, meta):
    model.eval()
    model.strata_meta = json.dumps(meta)
    torch.jit.script(model).save(out + "/" + name)

save(GaussianCVAE(classes=3, latent_dim=6, hidden=16), "ranged.pt",
     contract.make_meta("ranged CVAE", 1, 28, 28, layers, value_range=(-1, 1),
                        normalize={"mean": [0.2], "std": [0.5]}, likelihood="gaussian",
                        classes=["T-shirt/top", "Trouser", "Pullover"],
                        objective={"beta": 2.0, "decoder_std": 0.3}))
save(ConvVAE(latent_dim=6), "plain.pt",
     contract.make_meta("plain VAE", 1, 28, 28, layers, likelihood="gaussian",
                        objective={"decoder_std": 0.5}))
json.dump({"ok": True}, open(out + "/done.json", "w"))
)")
                   .arg('"' + kSource + "/tools\"")
                   .toUtf8());
  script.close();
  return runPythonReference({script.fileName(), dir}, dir + "/done.json")["ok"].toBool();
}

// Eigenvalues within 1e-6 relative, or 1e-9 of the largest for those near zero: both sides
// work in float64, but Strata's pixels are grey value x (1/255) in float32 and the reference's
// grey value / 255, which differ in the last bit of some values.
bool spectraAgree(const std::vector<double>& mine, const QJsonArray& ref, size_t count) {
  if (mine.size() < std::min(count, size_t(ref.size()))) {
    qWarning("%d eigenvalues against the reference's %d", int(mine.size()), int(ref.size()));
    return false;
  }
  const double largest = ref[0].toDouble();
  for (size_t i = 0; i < count && i < mine.size(); ++i) {
    const double r = ref[int(i)].toDouble();
    if (std::abs(mine[i] - r) > std::max(1e-6 * std::abs(r), 1e-9 * largest)) {
      qWarning("eigenvalue %d: %.12g against %.12g", int(i), mine[i], r);
      return false;
    }
  }
  return true;
}

}  // namespace

class TestCollapsePrediction : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::shared_ptr<ArrayDataset> test_;

 private Q_SLOTS:
  void initTestCase() {
    STRATA_REQUIRE_DATA(fashionMnistAvailable(), "Fashion-MNIST");
    test_ = loadFashionMnist(Split::Test);
    QVERIFY(makeForeignModels(dir_.path()));
  }

  // Two classes in two dimensions: the residuals are each item minus its class mean, so the
  // spectrum is that of the pooled within-class covariance, here diag(1, 0.25) rotated.
  void spectrumByHand() {
    std::vector<double> x, y;
    const double c = std::cos(0.3), s = std::sin(0.3);
    for (int i = 0; i < 400; ++i) {
      const int cls = i % 2;
      const double a = (i / 2) % 2 ? 1.0 : -1.0, b = (i / 4) % 2 ? 0.5 : -0.5;
      // Class means far apart (they must not count), deviations +-1 and +-0.5 rotated.
      x.push_back(10.0 * cls + c * a - s * b);
      x.push_back(-4.0 * cls + s * a + c * b);
      y.push_back(cls == 0), y.push_back(cls == 1);
    }
    const UnexplainedSpectrum r = unexplainedSpectrum(x, 400, 2, y, 2);
    QCOMPARE(r.eigenvalues.size(), size_t(2));
    QVERIFY(std::abs(r.eigenvalues[0] - 1.0) < 1e-12 && std::abs(r.eigenvalues[1] - 0.25) < 1e-12);
    QVERIFY(!r.fromGram);
    // Without the condition the class means dominate: Cov(x) itself.
    const UnexplainedSpectrum all = unexplainedSpectrum(x, 400, 2, {}, 0);
    QVERIFY(all.eigenvalues[0] > 25.0);
    // A vector condition (not one-hot): the least-squares map with an intercept.
    std::vector<double> v;
    for (int i = 0; i < 400; ++i) v.push_back(3.0 * (i % 2) - 7.0);
    const UnexplainedSpectrum vector = unexplainedSpectrum(x, 400, 2, v, 1);
    QVERIFY(std::abs(vector.eigenvalues[0] - 1.0) < 1e-12);

    QCOMPARE(linearTheoryActiveUnits(r.eigenvalues, 8, 1.0, 0.5), 1);  // 0.25 is not above 0.25
    QCOMPARE(linearTheoryActiveUnits(r.eigenvalues, 8, 1.0, 0.49), 2);
    QCOMPARE(linearTheoryActiveUnits(r.eigenvalues, 1, 1.0, 0.1), 1);  // at most the units
    QCOMPARE(linearTheoryActiveUnits(r.eigenvalues, 8, 5.0, 0.5), 0);
  }

  // Wider than kMaxSpectrumSide: the Gram matrix's eigenvalues are the squared singular values
  // of the residuals over N, as an SVD gives them.
  void wideItemsUseTheGramMatrix() {
    const int64_t items = 40, dims = kMaxSpectrumSide + 52;
    std::mt19937_64 rng(3);
    std::normal_distribution<double> normal;
    std::vector<double> x(size_t(items * dims));
    for (double& v : x) v = normal(rng);
    const UnexplainedSpectrum r = unexplainedSpectrum(x, items, dims, {}, 0);
    QVERIFY(r.fromGram);
    QCOMPARE(r.eigenvalues.size(), size_t(items));
    Eigen::MatrixXd m =
        Eigen::Map<const Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(x.data(), items, dims);
    m.rowwise() -= m.colwise().mean();
    const Eigen::VectorXd sv = Eigen::BDCSVD<Eigen::MatrixXd>(m).singularValues();
    for (int64_t i = 0; i < items - 1; ++i)
      QVERIFY(std::abs(r.eigenvalues[size_t(i)] - sv[i] * sv[i] / double(items)) <
              1e-9 * r.eigenvalues[0]);
    QVERIFY(r.eigenvalues[size_t(items - 1)] < 1e-9 * r.eigenvalues[0]);  // centring's zero
  }

  void refusesBadInput() {
    const std::vector<double> two{1.0, 2.0};
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, unexplainedSpectrum({1.0}, 1, 1, {}, 0));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, unexplainedSpectrum(two, 2, 1, {1.0}, 1));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, unexplainedSpectrum({1.0, NAN}, 2, 1, {}, 0));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             unexplainedSpectrum(two, 2, 1, {0.0, INFINITY}, 1));
    QVERIFY_THROWS_EXCEPTION(
        std::invalid_argument,
        unexplainedSpectrum(std::vector<double>(3000 * 3000), 3000, 3000, {}, 0));
    // More values than the spectrum holds (16 Mi), on a side it could take.
    QVERIFY_THROWS_EXCEPTION(
        std::invalid_argument,
        unexplainedSpectrum(std::vector<double>(8400 * 2000), 8400, 2000, {}, 0));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, linearTheoryActiveUnits({1.0}, 1, 0.0, 1.0));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, linearTheoryActiveUnits({1.0}, 1, 1.0, NAN));
    // Identical items: nothing to explain, every unit predicted collapsed.
    const UnexplainedSpectrum flat = unexplainedSpectrum({0.5, 0.5, 0.5, 0.5}, 2, 2, {}, 0);
    QCOMPARE(flat.eigenvalues, (std::vector<double>{0.0, 0.0}));
    QCOMPARE(linearTheoryActiveUnits(flat.eigenvalues, 4, 1.0, 1e-3), 0);
  }

  // The theory against training: a linear conditional VAE with learnable encoder variance,
  // trained to convergence in PyTorch on data whose spectrum straddles beta * eta_dec^2, keeps
  // exactly the units whose eigenvalue exceeds it, each with KL 1/2 ln(lambda / (beta eta^2)):
  // within 1e-3 nats, and below 1e-4 nats for the collapsed ones.
  void theoryMatchesATrainedLinearCvae() {
    QTemporaryDir dir;
    const QJsonObject trained =
        runPythonReference({kSource + "/tools/collapse_reference.py", "linear", "3", dir.path()},
                           dir.filePath("trained.json"));
    QVERIFY(!trained.isEmpty());
    const NpyArray x = readNpy(dir.filePath("x.npy")), y = readNpy(dir.filePath("y.npy"));
    const UnexplainedSpectrum s =
        unexplainedSpectrum(x.toDouble(), x.shape[0], x.shape[1], y.toDouble(), int(y.shape[1]));
    const double beta = trained["beta"].toDouble(), eta = trained["decoder_std"].toDouble();
    const int units = trained["units"].toInt();
    const int active = linearTheoryActiveUnits(s.eigenvalues, units, beta, eta);
    QCOMPARE(active, 5);
    const QJsonArray kl = trained["unit_kl"].toArray();
    for (int i = 0; i < units; ++i) {
      const double predicted =
          i < active ? 0.5 * std::log(s.eigenvalues[size_t(i)] / (beta * eta * eta)) : 0.0;
      const double got = kl[i].toDouble();
      QVERIFY2(i < active ? std::abs(got - predicted) < 1e-3 : got < 1e-4,
               qPrintable(QStringLiteral("unit %1: trained KL %2, predicted %3")
                              .arg(i)
                              .arg(got)
                              .arg(predicted)));
    }
  }

  // The bundled conditional VAE and the scripted models against NumPy on the same items.
  void spectrumMatchesNumPy_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<int>("count");
    QTest::newRow("bundled conditional VAE") << bundledModelPath("fashion_cvae.pt") << 1500;
    QTest::newRow("[-1, 1], normalised, beta 2") << dir_.filePath("ranged.pt") << 900;
    QTest::newRow("no condition") << dir_.filePath("plain.pt") << 600;
  }
  void spectrumMatchesNumPy() {
    QFETCH(QString, model);
    QFETCH(int, count);
    const auto m = Model::load(model);
    QTemporaryDir dir;
    const QJsonObject ref =
        runPythonReference({kSource + "/tools/collapse_reference.py", "spectrum", model, "0",
                            QString::number(count), dir.filePath("ref.json")},
                           dir.filePath("ref.json"));
    QVERIFY(!ref.isEmpty());
    const CollapsePrediction p = predictCollapse(*m, *test_, range(0, count));
    QVERIFY2(p.computed, qPrintable(p.reason));
    QCOMPARE(p.items, int64_t(ref["items"].toInt()));
    QVERIFY(spectraAgree(p.eigenvalues, ref["eigenvalues"].toArray(), 256));
    QVERIFY(std::abs(p.threshold - ref["threshold"].toDouble()) < 1e-15);
    QCOMPARE(p.predictedActive, ref["predicted_active"].toInt());
    const QJsonArray kl = ref["predicted_unit_kl"].toArray();
    QCOMPARE(p.unitKl.size(), size_t(kl.size()));
    for (size_t i = 0; i < p.unitKl.size(); ++i)
      QVERIFY(std::abs(p.unitKl[i] - kl[int(i)].toDouble()) < 1e-6);  // half the log of the above
    if (m->info().conditional()) QCOMPARE(p.fromLabels, p.items);     // Fashion-MNIST has labels
  }

  // The rows: values for the bundled conditional VAE, with the threshold named; a reason, not a
  // number, where the theory does not apply; the spectrum kept in the table's JSON.
  void rowsSayWhyNot() {
    const auto cvae = Model::load(bundledModelPath("fashion_cvae.pt"));
    ModelMetrics m;
    addCollapsePredictionRows(m, *cvae, *test_, range(0, 500));
    const MetricRow* row = m.find("collapse/linear-theory");
    QVERIFY(row && std::isfinite(row->value));
    QCOMPARE(row->outOf, 16.0);
    QVERIFY2(row->parameters.contains("beta eta_dec^2 = 1 x 0.75^2 = 0.5625"),
             qPrintable(row->parameters));
    QVERIFY(std::isfinite(m.find("collapse/linear-theory-kl")->value));
    QCOMPARE(m.collapseThreshold, 0.5625);
    const ModelMetrics back = ModelMetrics::fromJson(m.toJson());
    QCOMPARE(back.unexplainedSpectrum, m.unexplainedSpectrum);
    QCOMPARE(back.collapseThreshold, m.collapseThreshold);

    const struct {
      const char* file;
      const char* reason;
    } cases[] = {{"fashion_m2.pt", "strata_meta.objective.decoder_std"},
                 {"fashion_lvae.pt", "one latent layer; this model has 3"}};
    for (const auto& c : cases) {
      ModelMetrics other;
      addCollapsePredictionRows(other, *Model::load(bundledModelPath(c.file)), *test_,
                                range(0, 50));
      const MetricRow* r = other.find("collapse/linear-theory");
      QVERIFY(r && std::isnan(r->value));
      QVERIFY2(r->parameters.startsWith("not computed: ") && r->parameters.contains(c.reason),
               qPrintable(r->parameters));
      QVERIFY(other.unexplainedSpectrum.empty() && std::isnan(other.collapseThreshold));
    }
  }

  // strata_meta.objective: read when valid, each bad value named.
  void objectiveIsChecked() {
    const QString base = QStringLiteral(
        R"({"contract": 2, "name": "m", "input": {"channels": 1, "height": 2, "width": 2,
        "range": [0, 1], "likelihood": "gaussian"}, "layers": [{"name": "z", "shape": [2]}],
        "objective": %1})");
    ModelInfo info;
    QStringList violations;
    QVERIFY(parseModelMeta(base.arg(R"({"beta": 4, "decoder_std": 0.1})"), info, violations));
    QVERIFY2(violations.isEmpty(), qPrintable(violations.join('\n')));
    QCOMPARE(info.objectiveBeta, 4.0);
    QCOMPARE(info.decoderStd, 0.1);
    const struct {
      const char* objective;
      const char* violation;
    } bad[] = {
        {R"({"beta": 0})", "strata_meta.objective.beta: expected a number in (0, 1e6], got 0"},
        {R"({"decoder_std": -1})", "strata_meta.objective.decoder_std"},
        {R"({"decoder_std": "0.5"})", "strata_meta.objective.decoder_std"},
        {R"({"beta": 1e300})", "strata_meta.objective.beta"},
        {R"([1, 2])", "strata_meta.objective: expected an object"}};
    for (const auto& b : bad) {
      ModelInfo i;
      QStringList v;
      parseModelMeta(base.arg(b.objective), i, v);
      QVERIFY2(v.join('\n').contains(b.violation), qPrintable(v.join('\n')));
      QVERIFY(std::isnan(i.decoderStd));
    }
    // Version 1 files keep their meaning: the key is unknown there and ignored.
    ModelInfo v1;
    QStringList none;
    QString one = base.arg(R"({"decoder_std": -1})");
    one.replace(R"("contract": 2)", R"("contract": 1)");
    parseModelMeta(one, v1, none);
    QVERIFY2(none.isEmpty(), qPrintable(none.join('\n')));
    QVERIFY(std::isnan(v1.decoderStd));
  }

  // A conditional model without q(y|x) on labelled data is encoded under each item's label:
  // its ELBO, KL and encodings are those of the labelled pairs it was trained on (the card's
  // ELBO, computed in PyTorch under the labels), and its encodings are cached under a key of
  // their own; every other model keeps its key.
  void noClassifierEncodesUnderLabels() {
    const auto cvae = Model::load(bundledModelPath("fashion_cvae.pt"));
    QVERIFY(encodesUnderLabels(cvae->info(), *test_));
    const std::vector<int64_t> items{0, 1, 2};
    const std::vector<float> y = labelConditions(cvae->info(), *test_, items.data(), items.size());
    std::vector<float> expected;
    for (int64_t i : items) {
      const std::vector<float> row = oneHotCondition(10, test_->label(i));
      expected.insert(expected.end(), row.begin(), row.end());
    }
    QCOMPARE(y, expected);
    const std::vector<float> x = test_->image(0);
    const int64_t first = 0;
    const Posterior q = posteriorOfItems(*cvae, *test_, &first, 1, x.data(), nullptr);
    QCOMPARE(q.z.condition, oneHotCondition(10, test_->label(0)));

    QFile cardFile(modelCardPath(cvae->info().path));
    QVERIFY(cardFile.open(QIODevice::ReadOnly));
    const double card = QJsonDocument::fromJson(cardFile.readAll())
                            .object()["test"]
                            .toObject()["elbo_nats_per_image"]
                            .toDouble();
    const ElboStats s = evaluateElbo(*cvae, *test_, allItems(*test_), 0);
    QVERIFY2(std::abs(s.elbo - card) < 0.5,
             qPrintable(QStringLiteral("ELBO %1, card %2").arg(s.elbo).arg(card)));

    // A traversal from an item says where its class came from; a spot of the map decodes
    // under the label of the item nearest to it.
    const LatentStart start = startFromItem(*cvae, *test_, 1, false, 0);
    QVERIFY2(start.description.contains(cvae->info().classes[test_->label(1)] + " (label)"),
             qPrintable(start.description));
    QTemporaryDir cacheDir;
    ProjectionRequest request;
    request.source = ProjectionRequest::kAllLayers;
    const ProjectionResult map =
        computeProjection(*test_, cvae.get(), EncodingCache(cacheDir.path()), request);
    for (int64_t item : {int64_t(1), int64_t(7)}) {
      const Latents spot = latentsAtMapPoint(cvae->info(), map, map.coords[size_t(item) * 3],
                                             map.coords[size_t(item) * 3 + 1], test_.get());
      QCOMPARE(spot.condition, oneHotCondition(10, test_->label(item)));
    }

    const auto m2 = Model::load(bundledModelPath("fashion_m2.pt"));
    QVERIFY(!encodesUnderLabels(m2->info(), *test_));
    QCOMPARE(labelConditionFingerprint(m2->info(), *test_), uint64_t(0));
    QVERIFY(labelConditionFingerprint(cvae->info(), *test_) != 0);
  }
};

STRATA_TEST_GUILESS_MAIN(TestCollapsePrediction)
#include "test_collapse_prediction.moc"
