// The C++ backend against PyTorch on the same inputs (reference files written by
// tools/make_reference.py), and each bundled model card's numbers re-computed here.
// Tolerances: 1e-5 absolute for latents and decoded pixels (float32, same kernels);
// 1e-4 for per-unit KL and 1e-3 for log p(x|z), which sum 784+ float32 terms.

#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/base/resources.h"
#include "core/data/dsprites.h"
#include "core/data/fashion_mnist.h"
#include "core/data/npy.h"
#include "core/model/evaluation.h"
#include "core/model/model.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {

const QString kRefDir = QStringLiteral(STRATA_SOURCE_DIR "/tests/data/models/");

std::vector<float> ref(const QString& name, const QString& what) {
  return readNpy(kRefDir + name + "_ref_" + what + ".npy").toFloat();
}

double maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return INFINITY;
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, double(std::abs(a[i] - b[i])));
  return m;
}

QStringList bundledNames() {
  QStringList names;
  QDirIterator it(resourceDirectory() + "/models", {"*.pt"});
  while (it.hasNext()) names << QFileInfo(it.next()).completeBaseName();
  names.sort();
  return names;
}

QJsonObject readJson(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(f.readAll()).object();
}

}  // namespace

class TestModelParity : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void matchesPyTorch_data() {
    QTest::addColumn<QString>("name");
    for (const QString& n : bundledNames()) QTest::newRow(qPrintable(n)) << n;
  }

  void matchesPyTorch() {
    QFETCH(QString, name);
    QVERIFY2(QFileInfo(kRefDir + name + "_ref.json").isFile(),
             "no reference values: run tools/make_reference.py");
    auto model = Model::load(bundledModelPath(name + ".pt"));
    const size_t L = model->info().layers.size();

    Latents eps{4, {}}, zRef{4, {}};
    for (size_t l = 0; l < L; ++l) {
      eps.layers.push_back(ref(name, QStringLiteral("eps%1").arg(l)));
      zRef.layers.push_back(ref(name, QStringLiteral("z%1").arg(l)));
    }
    const Latents z = model->priorSample({4, {}}, eps, std::vector<double>(L, 1.0));
    for (size_t l = 0; l < L; ++l) QVERIFY(maxAbsDiff(z.layers[l], zRef.layers[l]) <= 1e-5);
    const double decodeDiff = maxAbsDiff(model->decode(zRef), ref(name, "decode"));
    QVERIFY2(decodeDiff <= 1e-5, qPrintable(QString::number(decodeDiff)));

    const std::vector<float> x = ref(name, "x");
    const int64_t batch = int64_t(x.size()) / model->info().input.pixelCount();
    const Posterior q = model->posterior(x.data(), batch, false);
    std::vector<float> kl;
    for (size_t l = 0; l < L; ++l) {
      QVERIFY(maxAbsDiff(q.qMean.layers[l], ref(name, QStringLiteral("qmean%1").arg(l))) <= 1e-5);
      const size_t units = size_t(model->info().layers[l].size());
      for (size_t u = 0; u < units; ++u) {
        double sum = 0;
        for (int64_t i = 0; i < batch; ++i) {
          const size_t k = size_t(i) * units + u;
          const double qm = q.qMean.layers[l][k], qlv = q.qLogVar.layers[l][k];
          const double pm = q.pMean.layers[l][k], plv = q.pLogVar.layers[l][k];
          sum += 0.5 * (plv - qlv + (std::exp(qlv) + (qm - pm) * (qm - pm)) * std::exp(-plv) - 1.0);
        }
        kl.push_back(float(sum / double(batch)));
      }
    }
    QVERIFY(maxAbsDiff(kl, ref(name, "kl")) <= 1e-4);
    QVERIFY(maxAbsDiff(model->logPx(x.data(), batch, q.z), ref(name, "logpx")) <= 1e-3);
  }

  // The card's test-set numbers, recomputed on the same split. The ELBO is a single-sample
  // Monte Carlo estimate: 0.5 nats allows for sampling noise; KL per layer 0.1 nats.
  void cardNumbersHold_data() { matchesPyTorch_data(); }
  void cardNumbersHold() {
    QFETCH(QString, name);
    const QString modelPath = bundledModelPath(name + ".pt");
    const QJsonObject card = readJson(modelCardPath(modelPath));
    QVERIFY2(!card.isEmpty(), "model card missing");
    const QJsonObject test = card.value("test").toObject();
    auto model = Model::load(modelPath);
    DatasetPtr dataset;
    if (name.startsWith("dsprites")) {
      // The held-out dSprites items, listed by tools/make_reference.py.
      const QString indices = kRefDir + name + "_eval_indices.npy";
      QVERIFY2(QFileInfo(indices).isFile(),
               "evaluation indices missing: run tools/make_reference.py");
      dataset = std::make_shared<DSpritesDataset>(readNpy(indices).toInt());
    } else {
      if (!fashionMnistAvailable()) QSKIP("dataset-fashion-mnist is not installed");
      dataset = loadFashionMnist(Split::Test);
    }
    QCOMPARE(dataset->size(), int64_t(test.value("test_images").toInt(int(dataset->size()))));
    const std::vector<int64_t> items = allItems(*dataset);

    const ElboStats s = evaluateElbo(*model, *dataset, items, 0);
    const double cardElbo = test.value("elbo_nats_per_image").toDouble();
    QVERIFY2(std::abs(s.elbo - cardElbo) < 0.5,
             qPrintable(QStringLiteral("ELBO %1, card %2").arg(s.elbo).arg(cardElbo)));
    const QJsonArray klCard = test.value("kl_per_layer_nats").toArray();
    QCOMPARE(size_t(klCard.size()), s.klPerLayer.size());
    for (int l = 0; l < klCard.size(); ++l)
      QVERIFY2(std::abs(s.klPerLayer[size_t(l)] - klCard[l].toDouble()) < 0.1,
               qPrintable(QStringLiteral("KL layer %1: %2, card %3")
                              .arg(l)
                              .arg(s.klPerLayer[size_t(l)])
                              .arg(klCard[l].toDouble())));

    const ActiveUnits a = activeUnits(*model, *dataset, items);
    const QJsonArray auCard = test.value("active_units").toObject().value("per_layer").toArray();
    for (int l = 0; l < auCard.size(); ++l)
      QCOMPARE(a.activePerLayer[size_t(l)], auCard[l].toInt());
  }

  // A model whose declared input range is [-1, 1] with a Gaussian likelihood
  // (tools/train_fashion_range_lvae.py). The API takes the dataset's [0, 1] pixels and maps
  // them into the range, and maps decoded images back; the references are PyTorch on correctly
  // mapped inputs, so Strata must match them, in the model's own units for log p(x|z), and be
  // far from what unmapped inputs give. Tolerances as above; decoded images are compared after
  // mapping the reference back to [0, 1] with (y + 1) / 2.
  void mapsDataIntoTheDeclaredRange() {
    const QString name = QStringLiteral("fashion_range_lvae");
    const QJsonObject desc = readJson(kRefDir + name + "_ref.json");
    QVERIFY2(!desc.isEmpty(),
             "no reference values: run tools/make_reference.py " + name.toLatin1());
    auto model = Model::load(kRefDir + name + ".pt");
    QCOMPARE(model->info().rangeLow, -1.0);
    QCOMPARE(model->info().rangeHigh, 1.0);
    QCOMPARE(model->info().likelihood, QStringLiteral("gaussian"));
    const size_t L = model->info().layers.size();
    QCOMPARE(L, size_t(2));
    auto toUnit = [](const std::vector<float>& y) {
      std::vector<float> out(y.size());
      for (size_t i = 0; i < y.size(); ++i) out[i] = float((double(y[i]) + 1.0) / 2.0);
      return out;
    };

    // Latents carry no range: prior samples as in PyTorch, decoded images mapped back.
    Latents eps{4, {}}, zRef{4, {}};
    for (size_t l = 0; l < L; ++l) {
      eps.layers.push_back(ref(name, QStringLiteral("eps%1").arg(l)));
      zRef.layers.push_back(ref(name, QStringLiteral("z%1").arg(l)));
    }
    const Latents z = model->priorSample({4, {}}, eps, std::vector<double>(L, 1.0));
    for (size_t l = 0; l < L; ++l) QVERIFY(maxAbsDiff(z.layers[l], zRef.layers[l]) <= 1e-5);
    const std::vector<float> decoded = model->decode(zRef);
    const double decodeDiff = maxAbsDiff(decoded, toUnit(ref(name, "decode")));
    QVERIFY2(decodeDiff <= 1e-5, qPrintable(QString::number(decodeDiff)));
    const auto [lo, hi] = std::minmax_element(decoded.begin(), decoded.end());
    QVERIFY2(*lo >= 0.0f && *hi <= 1.0f,
             qPrintable(QStringLiteral("decoded values in [%1, %2]").arg(*lo).arg(*hi)));

    // Encoding [0, 1] pixels: posterior means, KL per unit, log p(x|z) and reconstructions.
    const std::vector<float> x = ref(name, "x");
    const auto [xLo, xHi] = std::minmax_element(x.begin(), x.end());
    QVERIFY(*xLo >= 0.0f && *xHi <= 1.0f && *xHi > 0.5f);  // the dataset's units
    const int64_t batch = int64_t(x.size()) / model->info().input.pixelCount();
    const Posterior q = model->posterior(x.data(), batch, false);
    std::vector<float> kl;
    for (size_t l = 0; l < L; ++l) {
      const double meanDiff =
          maxAbsDiff(q.qMean.layers[l], ref(name, QStringLiteral("qmean%1").arg(l)));
      QVERIFY2(meanDiff <= 1e-5,
               qPrintable(QStringLiteral("layer %1: q_mean differs by %2").arg(l).arg(meanDiff)));
      const size_t units = size_t(model->info().layers[l].size());
      for (size_t u = 0; u < units; ++u) {
        double sum = 0;
        for (int64_t i = 0; i < batch; ++i) {
          const size_t k = size_t(i) * units + u;
          const double qm = q.qMean.layers[l][k], qlv = q.qLogVar.layers[l][k];
          const double pm = q.pMean.layers[l][k], plv = q.pLogVar.layers[l][k];
          sum += 0.5 * (plv - qlv + (std::exp(qlv) + (qm - pm) * (qm - pm)) * std::exp(-plv) - 1.0);
        }
        kl.push_back(float(sum / double(batch)));
      }
    }
    const double klDiff = maxAbsDiff(kl, ref(name, "kl"));
    QVERIFY2(klDiff <= 1e-4, qPrintable(QStringLiteral("KL per unit differs by %1").arg(klDiff)));
    const std::vector<float> logPx = model->logPx(x.data(), batch, q.z);
    const std::vector<float> logPxRef = ref(name, "logpx");
    const double logPxDiff = maxAbsDiff(logPx, logPxRef);
    QVERIFY2(logPxDiff <= 1e-3,
             qPrintable(QStringLiteral("log p(x|z) differs by %1 (item 0: %2, PyTorch %3)")
                            .arg(logPxDiff)
                            .arg(logPx.at(0))
                            .arg(logPxRef.at(0))));
    const double reconDiff = maxAbsDiff(model->decode(q.z), toUnit(ref(name, "recon")));
    qInfo("largest differences from PyTorch: decode %.3g, KL %.3g, log p(x|z) %.3g, recon %.3g",
          decodeDiff, klDiff, logPxDiff, reconDiff);
    QVERIFY2(reconDiff <= 1e-5,
             qPrintable(QStringLiteral("reconstructions differ by %1").arg(reconDiff)));

    // Unmapped inputs give log p(x|z) hundreds of nats away per item (see the JSON for the
    // numbers); Strata must not be anywhere near them.
    const QJsonArray wrong = desc["unmapped_inputs"].toObject()["logpx"].toArray();
    QCOMPARE(wrong.size(), int(batch));
    for (int i = 0; i < wrong.size(); ++i)
      QVERIFY2(std::abs(logPx[size_t(i)] - wrong[i].toDouble()) > 100.0,
               qPrintable(QStringLiteral("item %1: log p(x|z) %2, unmapped %3")
                              .arg(i)
                              .arg(logPx[size_t(i)])
                              .arg(wrong[i].toDouble())));
  }

  // Contract 2: inputs standardised per channel (input.normalize) and decode returning logits
  // or a standardised mean (output.decode), tools/make_contract_v2_models.py. The API still
  // takes and returns [0, 1] data; the references are PyTorch through the contract's mapping.
  // Tolerances: 1e-5 for latents and images, 1e-4 for log p(x|z) (float32 sums of 192 terms),
  // or four float32 steps where the sum is large.
  void readsContractTwoModels_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("logits");
    QTest::newRow("logits") << QStringLiteral("v2_norm_logits") << true;
    QTest::newRow("standardised mean") << QStringLiteral("v2_norm_mean") << false;
  }
  void readsContractTwoModels() {
    QFETCH(QString, name);
    QFETCH(bool, logits);
    const ValidationReport report = Model::validate(kRefDir + name + ".pt");
    QVERIFY2(report.ok(), qPrintable(report.text()));
    auto model = Model::load(kRefDir + name + ".pt");
    const ModelInfo& info = model->info();
    QCOMPARE(info.contract, 2);
    QCOMPARE(info.normalizeMean, (std::vector<double>{0.5, 0.4, 0.3}));
    QCOMPARE(info.normalizeStd, (std::vector<double>{0.25, 0.2, 0.3}));
    QCOMPARE(info.decodeOutput, logits ? DecodeOutput::Logits : DecodeOutput::Mean);
    QCOMPARE(info.layers.size(), size_t(2));
    QCOMPARE(info.layers[0].group, QStringLiteral("1 x 1"));
    QCOMPARE(info.layers[1].shownName(), QStringLiteral("local"));

    const Latents eps{4, {ref(name, "eps0"), ref(name, "eps1")}};
    const Latents z = model->priorSample({4, {}}, eps, {1.0, 1.0});
    for (size_t l = 0; l < 2; ++l)
      QVERIFY(maxAbsDiff(z.layers[l], ref(name, QStringLiteral("z%1").arg(l))) <= 1e-5);
    const std::vector<float> decoded = model->decode(z);
    QVERIFY(maxAbsDiff(decoded, ref(name, "decode")) <= 1e-5);
    const auto [lo, hi] = std::minmax_element(decoded.begin(), decoded.end());
    QVERIFY2(*lo >= 0.0f && *hi <= 1.0f,
             qPrintable(QStringLiteral("decoded values in [%1, %2]").arg(*lo).arg(*hi)));

    const std::vector<float> x = ref(name, "x");
    const Posterior q = model->posterior(x.data(), 4, false);
    for (size_t l = 0; l < 2; ++l)
      QVERIFY(maxAbsDiff(q.qMean.layers[l], ref(name, QStringLiteral("qmean%1").arg(l))) <= 1e-5);
    const std::vector<float> logPx = model->logPx(x.data(), 4, q.z);
    const std::vector<float> logPxRef = ref(name, "logpx");
    const double logPxDiff = maxAbsDiff(logPx, logPxRef);
    // A sum near -17,000 nats is held in float32 steps of 0.002: 1e-4, or four such steps of
    // the largest reference value (CPUs with other vector units round the sum differently).
    double largest = 0;
    for (float v : logPxRef) largest = std::max(largest, std::abs(double(v)));
    const double tolerance =
        std::max(1e-4, 4 * largest * double(std::numeric_limits<float>::epsilon()));
    QVERIFY2(logPxDiff <= tolerance,
             qPrintable(QStringLiteral("%1 > %2").arg(logPxDiff).arg(tolerance)));
    QVERIFY(maxAbsDiff(model->decode(q.z), ref(name, "recon")) <= 1e-5);

    // A reader that ignored input.normalize would report other bounds (see the JSON).
    const QJsonArray ignored =
        readJson(kRefDir + name + "_ref.json")["ignoring_contract_2"].toObject()["logpx"].toArray();
    QCOMPARE(ignored.size(), 4);
    for (int i = 0; i < 4; ++i)
      QVERIFY2(std::abs(logPx[size_t(i)] - ignored[i].toDouble()) > 1.0,
               qPrintable(QStringLiteral("item %1: %2 vs %3")
                              .arg(i)
                              .arg(logPx[size_t(i)])
                              .arg(ignored[i].toDouble())));
  }
};

STRATA_TEST_GUILESS_MAIN(TestModelParity)
#include "test_model_parity.moc"
