// Disentanglement scores in disentanglement_lib's convention (docs/metrics.md): agreement with
// the scikit-learn reference (tools/dlib_reference.py) on the same codes, split and votes, with
// the tolerances the page states; the boosted trees alone against scikit-learn's classifier; a
// factor with too many values to be classes is refused by name in the table.

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/analysis/disentanglement_rows.h"
#include "core/analysis/model_metrics.h"
#include "core/base/resources.h"
#include "core/data/dsprites.h"
#include "core/data/npy.h"
#include "core/model/model.h"
#include "core/numeric/disentanglement_lib_scores.h"
#include "core/numeric/gradient_boosting.h"
#include "tests/support/json_compare.h"
#include "tests/support/python_reference.h"
#include "tests/support/test_support.h"

using namespace strata;
using strata::test::flatten;
using strata::test::maxDiff;

namespace {

const QString kSource = QStringLiteral(STRATA_SOURCE_DIR);

// Five factors with 3, 6, 40, 8 and 5 values (the third wider than Strata's 20 bins); units
// 0-4 each follow one factor, mixed a little with the next, plus noise; unit 5 is noise and
// unit 6 nearly constant (pruned by the FactorVAE score).
struct Codes {
  CodeMatrix codes;
  std::vector<double> factors;  // [n, 5]
};

Codes syntheticCodes(int64_t n, uint64_t seed) {
  const int values[5] = {3, 6, 40, 8, 5};
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> gauss(0, 1);
  Codes c;
  c.codes.items = n;
  c.codes.dims = 7;
  for (int64_t i = 0; i < n; ++i) {
    double level[5];
    for (int k = 0; k < 5; ++k) {
      const int v = std::uniform_int_distribution<int>(0, values[k] - 1)(rng);
      c.factors.push_back(0.5 + v * 0.25);  // values need not be ranks
      level[k] = double(v) / values[k];
    }
    for (int k = 0; k < 5; ++k)
      c.codes.values.push_back(level[k] + 0.3 * level[(k + 1) % 5] + 0.15 * gauss(rng));
    c.codes.values.push_back(gauss(rng));
    c.codes.values.push_back(0.01 * gauss(rng));
  }
  return c;
}

QJsonObject runPython(const QString& script, const QStringList& args) {
  return runPythonReference(QStringList{kSource + "/tools/" + script} + args, args.last());
}

}  // namespace

class TestLibraryScores : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // The same codes, split and votes through scikit-learn: MIG to 1e-9, every SAP accuracy
  // within one test item (the reference's solver stops at liblinear's tolerance), DCI within
  // 0.005 (0.01 for informativeness: near-equal splits are decided by rounding and by
  // scikit-learn's random feature order), the FactorVAE score exactly.
  void agreesWithReference_data() {
    QTest::addColumn<QString>("source");
    QTest::newRow("synthetic, 40-value factor") << "synthetic";
    QTest::newRow("dSprites model, held-out items") << "dsprites";
  }
  void agreesWithReference() {
    QFETCH(QString, source);
    Codes c;
    int factorCount = 5;
    if (source == "synthetic") {
      c = syntheticCodes(2000, 3);
    } else {
      auto model = Model::load(bundledModelPath("dsprites_tcvae.pt"));
      const QString indices = kSource + "/tests/data/models/dsprites_tcvae_eval_indices.npy";
      DSpritesDataset data(readNpy(indices).toInt());
      std::vector<int64_t> items(1500);
      for (size_t i = 0; i < items.size(); ++i) items[i] = int64_t(i);
      c.codes = encodeItems(*model, data, items, -1, false, 0);
      c.factors = factorValues(data, items);
      factorCount = int(data.factorNames().size());
    }
    const FactorClasses raw = factorValueClasses(c.factors, c.codes.items, factorCount);
    const int64_t trainItems = int64_t(0.8 * double(c.codes.items));
    const int64_t testItems = c.codes.items - trainItems;
    const SamplingPlan votes = drawFactorVaeVotes(raw, 5);
    MetricInputs inputs{c.codes, c.factors, factorCount, {}, votes, trainItems};
    QTemporaryDir dir;
    writeMetricInputs(dir.filePath("plan.npz"), inputs);
    const QJsonObject ref =
        runPython("dlib_reference.py", {dir.filePath("plan.npz"), dir.filePath("ref.json")});
    QVERIFY2(!ref.isEmpty(), "the Python reference failed");

    const MigScore mig = mutualInformationGap(c.codes, raw);
    QVERIFY(std::abs(mig.score - ref["mig"]["score"].toDouble()) < 1e-9);
    QVERIFY(maxDiff(mig.perFactor, ref["mig"]["per_factor"].toArray()) < 1e-9);

    const SvmSapScore sap = svmSap(c.codes, raw, trainItems);
    const double oneItem = 1.0 / double(testItems);
    const double sapMatrixDiff = maxDiff(sap.matrix, flatten(ref["sap"]["score_matrix"].toArray()));
    qInfo("SAP C++ %.6f, reference %.6f; largest accuracy difference %.6f (one item %.6f)",
          sap.score, ref["sap"]["score"].toDouble(), sapMatrixDiff, oneItem);
    QVERIFY(sapMatrixDiff <= oneItem + 1e-12);
    QVERIFY(std::abs(sap.score - ref["sap"]["score"].toDouble()) <= 2 * oneItem + 1e-12);

    const BoostedDciScore dci = boostedDci(c.codes, raw, trainItems);
    const QJsonObject rd = ref["dci"].toObject();
    qInfo("DCI C++ %.5f %.5f %.5f (train %.5f), reference %.5f %.5f %.5f (train %.5f)",
          dci.disentanglement, dci.completeness, dci.informativeness, dci.trainInformativeness,
          rd["disentanglement"].toDouble(), rd["completeness"].toDouble(),
          rd["informativeness_test"].toDouble(), rd["informativeness_train"].toDouble());
    QVERIFY(std::abs(dci.disentanglement - rd["disentanglement"].toDouble()) <= 0.005);
    QVERIFY(std::abs(dci.completeness - rd["completeness"].toDouble()) <= 0.005);
    QVERIFY(std::abs(dci.informativeness - rd["informativeness_test"].toDouble()) <= 0.01);
    QVERIFY(std::abs(dci.trainInformativeness - rd["informativeness_train"].toDouble()) <= 0.01);
    QVERIFY(maxDiff(dci.importance, flatten(rd["importance"].toArray())) <= 0.02);

    const ClassifierScore fv = factorVaeScoreByStd(c.codes, raw, votes, 1);
    qInfo("FactorVAE C++ %.4f (train %.4f), reference %.4f", fv.score, fv.trainAccuracy,
          ref["factorvae"]["score"].toDouble());
    QCOMPARE(fv.score, ref["factorvae"]["score"].toDouble());
    QCOMPARE(fv.trainAccuracy, ref["factorvae"]["train_accuracy"].toDouble());
    QCOMPARE(int(fv.prunedDims.size()), ref["factorvae"]["pruned_dims"].toArray().size());
  }

  // The trees alone: scikit-learn's GradientBoostingClassifier() on the same float32 features.
  void boostedTreesMatchScikitLearn() {
    std::mt19937_64 rng(11);
    std::normal_distribution<double> gauss(0, 1);
    const int64_t n = 1500;
    const int dims = 4;
    std::vector<float> x;
    std::vector<int> y;
    for (int64_t i = 0; i < n; ++i) {
      const int label = int(i % 4);
      y.push_back(label * 3 + 1);  // labels need not be 0..K-1
      for (int j = 0; j < dims; ++j)
        x.push_back(float(gauss(rng) + (j == 0 ? 0.9 * label : j == 1 ? 1.2 * (label % 2) : 0)));
    }
    QTemporaryDir dir;
    writeNpz(dir.filePath("xy.npz"),
             {{"x", makeNpy(x, {n, dims})},
              {"y", makeNpy(std::vector<int64_t>(y.begin(), y.end()), {n})}});
    const QString script = dir.filePath("fit.py");
    QFile f(script);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(
        "import json, sys, numpy as np\n"
        "from sklearn.ensemble import GradientBoostingClassifier\n"
        "d = np.load(sys.argv[1]); x, y = d['x'], d['y']\n"
        "m = GradientBoostingClassifier(random_state=0).fit(x[:1200], y[:1200])\n"
        "json.dump({'importance': m.feature_importances_.tolist(),\n"
        "           'predicted': m.predict(x[1200:]).tolist()}, open(sys.argv[2], 'w'))\n");
    f.close();
    QProcess python;
    python.start("/usr/bin/python3", {script, dir.filePath("xy.npz"), dir.filePath("out.json")});
    QVERIFY(python.waitForFinished(300000) && python.exitCode() == 0);
    QFile out(dir.filePath("out.json"));
    QVERIFY(out.open(QIODevice::ReadOnly));
    const QJsonObject ref = QJsonDocument::fromJson(out.readAll()).object();

    const BoostedTrees trees = BoostedTrees::fit({x.begin(), x.begin() + 1200 * dims}, 1200, dims,
                                                 {y.begin(), y.begin() + 1200});
    const double importanceDiff = maxDiff(trees.featureImportances(), ref["importance"].toArray());
    const std::vector<int> predicted = trees.predict({x.begin() + 1200 * dims, x.end()}, n - 1200);
    const QJsonArray refPredicted = ref["predicted"].toArray();
    int disagree = 0;
    for (size_t i = 0; i < predicted.size(); ++i)
      disagree += predicted[i] != refPredicted[int(i)].toInt();
    qInfo("importance difference %.2e, %d of %d predictions differ", importanceDiff, disagree,
          int(predicted.size()));
    QVERIFY(importanceDiff < 0.01);
    QVERIFY(disagree <= 3);  // 1 %: items near a split that rounding decides differently
  }

  // Every value of a factor is a class in this convention: a factor with more values than can
  // be classes gets rows that say so by name, and the Strata variants are still computed.
  void continuousFactorIsNamed() {
    Codes c = syntheticCodes(1200, 4);
    for (size_t i = 2; i < c.factors.size(); i += 5) c.factors[i] += double(i) * 1e-6;  // unique
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, factorValueClasses(c.factors, 1200, 5));
    ModelMetrics m;
    const QStringList names{"shape", "scale", "angle", "x", "y"};
    addDisentanglementRows(m, {c.codes, c.factors, names, "test codes", 0}, {}, nullptr);
    const MetricRow* mig = m.find("mig");
    QVERIFY(mig && std::isnan(mig->value));
    QVERIFY2(mig->parameters.contains("'angle'"), qPrintable(mig->parameters));
    QVERIFY(m.find("mig/binned-factors") && std::isfinite(m.find("mig/binned-factors")->value));
    QVERIFY(m.find("factorvae/variance-pruned"));
  }

  // A NaN code is refused by name of the score, not sorted into a tree or a margin.
  void nonFiniteCodesAreRefused() {
    Codes c = syntheticCodes(400, 8);
    c.codes.values[17] = NAN;
    const FactorClasses raw = factorValueClasses(c.factors, 400, 5);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, svmSap(c.codes, raw, 320));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, boostedDci(c.codes, raw, 320));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             BoostedTrees::fit({1.f, NAN, 2.f, 3.f}, 4, 1, {0, 1, 0, 1}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, svmSap(c.codes, raw, 400));  // no test items
  }

  // Both conventions in one table, told apart by key and by what the row says it follows.
  void tableHasBothConventions() {
    Codes c = syntheticCodes(1500, 6);
    ModelMetrics m;
    const QStringList names{"shape", "scale", "angle", "x", "y"};
    addDisentanglementRows(m, {c.codes, c.factors, names, "test codes", 0}, {}, nullptr);
    for (const QString key : {"mig", "sap", "dci/disentanglement", "dci/completeness",
                              "dci/informativeness", "factorvae"}) {
      const MetricRow* r = m.find(key);
      QVERIFY2(r && std::isfinite(r->value), qPrintable(key));
      QVERIFY(r->parameters.startsWith("disentanglement_lib convention"));
    }
    for (const QString key :
         {"mig/binned-factors", "sap/continuous", "dci-lasso/disentanglement",
          "dci-lasso/completeness", "dci-lasso/informativeness", "factorvae/variance-pruned"}) {
      const MetricRow* r = m.find(key);
      QVERIFY2(r && std::isfinite(r->value), qPrintable(key));
      QVERIFY(r->parameters.startsWith("Strata variant"));
    }
    // The 40-value factor is binned in one and raw in the other, so the two MIGs differ.
    QVERIFY(std::abs(m.find("mig")->value - m.find("mig/binned-factors")->value) > 1e-6);
  }
};

STRATA_TEST_GUILESS_MAIN(TestLibraryScores)
#include "test_library_scores.moc"
