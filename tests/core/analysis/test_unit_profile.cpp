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

#include "core/analysis/code_correlations.h"
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

// The correlation page's matrices: every unit's variance of its mean and np.corrcoef of all
// units' means and samples; the test picks the shown units' cells.
const char* kCorrelationReference =
    "import json, sys; import numpy as np\n"
    "d = np.load(sys.argv[1]); mu, s = d['means'], d['samples']\n"
    "def corr(x):\n"
    "    return [None if not np.isfinite(v) else float(v)\n"
    "            for v in np.corrcoef(x, rowvar=False).ravel()]\n"
    "json.dump({'variance': [float(v) for v in mu.var(axis=0)], 'means': corr(mu),\n"
    "           'samples': corr(s)}, open(sys.argv[2], 'w'))\n";

// Cell (a, b) of `mine` against cell (units[a], units[b]) of the full reference matrix.
// "dsprites": the bundled dSprites model on its held-out items; "range": a three-layer model
// with inputs in [-1, 1] on the Fashion-MNIST test split.
std::pair<std::shared_ptr<Model>, std::shared_ptr<Dataset>> modelAndData(const QString& name) {
  if (name == "dsprites")
    return {Model::load(bundledModelPath("dsprites_tcvae.pt")),
            std::make_shared<DSpritesDataset>(
                readNpy(kSource + "/tests/data/models/dsprites_tcvae_eval_indices.npy").toInt())};
  return {Model::load(kSource + "/tests/data/models/fashion_range_lvae.pt"),
          loadFashionMnist(Split::Test)};
}

bool matrixAgrees(const UnitMatching& mine, const std::vector<int>& units, const QJsonArray& ref,
                  int dims) {
  for (int a = 0; a < mine.unitsA; ++a)
    for (int b = 0; b < mine.unitsB; ++b) {
      const double r = mine.at(a, b);
      const QJsonValue v = ref[qsizetype(units[size_t(a)]) * dims + units[size_t(b)]];
      if (v.isNull() ? !std::isnan(r) : !(std::abs(r - v.toDouble()) <= 1e-9)) {
        qWarning("cell (%d, %d): %.12g against %s", a, b, r,
                 qPrintable(QString::number(v.toDouble())));
        return false;
      }
    }
  return true;
}

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
    STRATA_REQUIRE_DATA(model == "dsprites" || fashionMnistAvailable(), "dataset-fashion-mnist");
    const auto [m, data] = modelAndData(model);
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

  // A 220-unit model (the 64 most varying shown) and the 10-unit dSprites model with its
  // collapsed units (constant means: NaN rows, grey in the view).
  void codeCorrelationsAgreeWithNumPy_data() {
    QTest::addColumn<QString>("model");
    QTest::newRow("dSprites, 10 units") << "dsprites";
    QTest::newRow("range [-1, 1], 220 units") << "range";
  }
  void codeCorrelationsAgreeWithNumPy() {
    QFETCH(QString, model);
    STRATA_REQUIRE_DATA(model == "dsprites" || fashionMnistAvailable(), "dataset-fashion-mnist");
    const auto [m, data] = modelAndData(model);
    std::vector<int64_t> items(std::min<int64_t>(500, data->size()));
    for (size_t i = 0; i < items.size(); ++i) items[i] = int64_t(i) * 3;
    const PosteriorCodes codes = encodePosteriors(*m, *data, items, -1, 9);
    const CodeCorrelations c = codeCorrelations(codes, m->info());
    QCOMPARE(c.totalUnits, int(m->info().totalLatentSize()));
    QCOMPARE(int(c.units.size()), std::min(c.totalUnits, CodeCorrelations::kMaxUnits));
    QCOMPARE(c.labels.size(), qsizetype(c.units.size()));

    QTemporaryDir dir;
    const std::vector<int64_t> shape{codes.means.items, codes.means.dims};
    writeNpz(dir.filePath("c.npz"), {{"means", makeNpy(codes.means.values, shape)},
                                     {"samples", makeNpy(codes.samples.values, shape)}});
    const QJsonObject ref = runPythonReference(
        {"-c", kCorrelationReference, dir.filePath("c.npz"), dir.filePath("r.json")},
        dir.filePath("r.json"), 300000);
    QVERIFY2(!ref.isEmpty(), "the Python reference failed");
    // Shown: by falling variance of the means, and no unit left out varies more than the
    // least varying one shown (relative 1e-9: near-equal variances of collapsed units may
    // order either way).
    const QJsonArray variance = ref["variance"].toArray();
    auto var = [&](int unit) { return variance[unit].toDouble(); };
    for (size_t k = 1; k < c.units.size(); ++k)
      QVERIFY(var(c.units[k]) <= var(c.units[k - 1]) * (1 + 1e-9) + 1e-300);
    const double least = var(c.units.back());
    for (int u = 0; u < c.totalUnits; ++u)
      if (std::find(c.units.begin(), c.units.end(), u) == c.units.end())
        QVERIFY(var(u) <= least * (1 + 1e-9));
    QVERIFY(matrixAgrees(c.means, c.units, ref["means"].toArray(), c.totalUnits));
    QVERIFY(matrixAgrees(c.samples, c.units, ref["samples"].toArray(), c.totalUnits));
    qInfo("mean |r|: means %.3f, samples %.3f", c.meanAbsMeans, c.meanAbsSamples);
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
