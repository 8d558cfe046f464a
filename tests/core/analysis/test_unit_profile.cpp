// The unit inspector's profile of one unit (docs/metrics.md, "Unit inspector") against NumPy
// and scikit-learn on the same posteriors: correlations with every other unit in mean and in
// sampled codes (np.corrcoef, 1e-9), the share beyond the unit's own noise (exact), the
// quantile items (np.quantile, "nearest"), and the mutual information with each factor
// (sklearn's mutual_info_score on MIG's bins, 1e-9); on the bundled dSprites model and on a
// three-layer model whose inputs are in [-1, 1].

#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/analysis/model_metrics.h"
#include "core/analysis/representation_rows.h"
#include "core/analysis/unit_profile.h"
#include "core/base/resources.h"
#include "core/data/dsprites.h"
#include "core/data/fashion_mnist.h"
#include "core/data/npy.h"
#include "core/model/model.h"
#include "tests/support/python_reference.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {

const QString kSource = QStringLiteral(STRATA_SOURCE_DIR);

const char* kReference =
    "import json, sys; sys.path.insert(0, sys.argv[1]); import numpy as np\n"
    "from sklearn.metrics import mutual_info_score\n"
    "from strata_tools import metrics\n"
    "d = np.load(sys.argv[2]); j = int(d['unit'])\n"
    "mu, s, lv = d['means'], d['samples'], d['logvars']\n"
    "def corr(x):\n"
    "    c = np.corrcoef(x, rowvar=False)[j]\n"
    "    return [None if not np.isfinite(v) else float(v) for v in c]\n"
    "x = mu[:, j]\n"
    "order = np.argsort(x, kind='stable')\n"
    "qs = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99]\n"
    "out = {'corr_means': corr(mu), 'corr_samples': corr(s),\n"
    "       'beyond': float(np.mean(np.abs(x) > np.exp(0.5 * lv[:, j]))),\n"
    "       'quantile_values': [float(np.quantile(x, q, method='nearest')) for q in qs],\n"
    "       'highest': float(x.max()), 'lowest': float(x.min())}\n"
    "if d['factors'].size:\n"
    "    classes, kept = metrics.factor_classes(d['factors'])\n"
    "    b = metrics.discretise(x)\n"
    "    out['mi'] = [mutual_info_score(classes[:, k], b) for k in range(classes.shape[1])]\n"
    "json.dump(out, open(sys.argv[3], 'w'))\n";

}  // namespace

class TestUnitProfile : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void agreesWithReference_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<int>("layer");
    QTest::addColumn<int>("unit");
    QTest::newRow("dSprites, unit 3") << "dsprites" << 0 << 3;
    QTest::newRow("range [-1, 1], middle layer") << "range" << 1 << 5;
  }
  void agreesWithReference() {
    QFETCH(QString, model);
    QFETCH(int, layer);
    QFETCH(int, unit);
    const bool dsprites = model == "dsprites";
    const auto m = Model::load(dsprites ? bundledModelPath("dsprites_tcvae.pt")
                                        : kSource + "/tests/data/models/fashion_range_lvae.pt");
    std::shared_ptr<Dataset> data;
    if (dsprites) {
      data = std::make_shared<DSpritesDataset>(
          readNpy(kSource + "/tests/data/models/dsprites_tcvae_eval_indices.npy").toInt());
    } else {
      STRATA_REQUIRE_DATA(fashionMnistAvailable(), "dataset-fashion-mnist");
      data = loadFashionMnist(Split::Test);
    }
    std::vector<int64_t> items(std::min<int64_t>(600, data->size()));
    for (size_t i = 0; i < items.size(); ++i) items[i] = int64_t(i);
    const UnitProfile p = profileUnit(*m, *data, items, layer, unit, 4);

    const PosteriorCodes codes = encodePosteriors(*m, *data, items, -1, 4);
    for (size_t i = 0; i < items.size(); ++i)
      QCOMPARE(p.means[i], codes.means.at(int64_t(i), p.codeIndex));
    double counted = 0;
    for (double c : p.histogram) counted += c;
    QCOMPARE(counted, double(items.size()));
    QCOMPARE(p.highest.size(), size_t(UnitProfile::kExtremeItems));

    QTemporaryDir dir;
    const std::vector<int64_t> shape{codes.means.items, codes.means.dims};
    writeNpz(dir.filePath("p.npz"),
             {{"means", makeNpy(codes.means.values, shape)},
              {"samples", makeNpy(codes.samples.values, shape)},
              {"logvars", makeNpy(codes.logVariances.values, shape)},
              {"factors", makeNpy(factorValues(*data, items),
                                  {int64_t(items.size()), int64_t(data->factorNames().size())})},
              {"unit", makeNpy(std::vector<int64_t>{p.codeIndex}, {})}});
    const QJsonObject ref = runPythonReference(
        {"-c", kReference, kSource + "/tools", dir.filePath("p.npz"), dir.filePath("r.json")},
        dir.filePath("r.json"), 300000);
    QVERIFY2(!ref.isEmpty(), "the Python reference failed");
    QCOMPARE(p.beyondNoise, ref["beyond"].toDouble());
    QCOMPARE(p.high, ref["highest"].toDouble());
    QCOMPARE(p.low, ref["lowest"].toDouble());
    for (size_t q = 0; q < p.quantiles.size(); ++q)
      QCOMPARE(p.quantileValues[q], ref["quantile_values"][int(q)].toDouble());
    QCOMPARE(int(p.correlated.size()),
             std::min(UnitProfile::kCorrelatedUnits, codes.means.dims - 1));
    for (const UnitProfile::Neighbour& n : p.correlated) {
      const QJsonValue mean = ref["corr_means"][n.codeIndex];
      const QJsonValue sampled = ref["corr_samples"][n.codeIndex];
      QVERIFY(mean.isNull() ? std::isnan(n.meanCorrelation)
                            : std::abs(n.meanCorrelation - mean.toDouble()) <= 1e-9);
      QVERIFY(sampled.isNull() ? std::isnan(n.sampledCorrelation)
                               : std::abs(n.sampledCorrelation - sampled.toDouble()) <= 1e-9);
    }
    // The neighbours are the largest |r| of all units, in order.
    double smallestShown = INFINITY;
    for (const UnitProfile::Neighbour& n : p.correlated)
      smallestShown = std::min(smallestShown, std::abs(n.meanCorrelation));
    const QJsonArray all = ref["corr_means"].toArray();
    int larger = 0;
    for (int j = 0; j < all.size(); ++j)
      larger += j != p.codeIndex && !all[j].isNull() &&
                std::abs(all[j].toDouble()) > smallestShown + 1e-9;  // the shown ones agree to 1e-9
    QVERIFY(larger < UnitProfile::kCorrelatedUnits);
    QCOMPARE(qsizetype(p.factorInformation.size()), ref["mi"].toArray().size());
    for (size_t k = 0; k < p.factorInformation.size(); ++k)
      QVERIFY(std::abs(p.factorInformation[k] - ref["mi"][int(k)].toDouble()) <= 1e-9);
    qInfo() << "beyond noise" << p.beyondNoise << "factors" << p.factorNames;
  }

  void refusesUnitsThatDoNotExist() {
    const auto m = Model::load(bundledModelPath("dsprites_tcvae.pt"));
    DSpritesDataset data(std::vector<int64_t>{0, 1, 2});
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, profileUnit(*m, data, {0, 1}, 0, 10, 1));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, profileUnit(*m, data, {0, 1}, 1, 0, 1));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, profileUnit(*m, data, {0}, 0, 0, 1));
  }
};

STRATA_TEST_GUILESS_MAIN(TestUnitProfile)
#include "test_unit_profile.moc"
