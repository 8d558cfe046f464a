// Mean and sampled representations (Bonheme & Grzes, docs/metrics.md): unit classes,
// correlation matrices, Gaussian total correlation and mean pairwise mutual information against
// the NumPy reference (tools/strata_tools/representation_scores.py) on the same means,
// log-variances and samples, with the tolerances the page states; on synthetic units of every
// class and on a bundled model's posteriors.

#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <random>

#include "core/analysis/model_metrics.h"
#include "core/analysis/representation_rows.h"
#include "core/base/resources.h"
#include "core/data/dsprites.h"
#include "core/data/npy.h"
#include "core/model/model.h"
#include "core/numeric/representation_scores.h"
#include "tests/support/python_reference.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {

const QString kSource = QStringLiteral(STRATA_SOURCE_DIR);

// Units: 0-2 active (small posterior variance, means spread), 3-4 passive (posterior = prior,
// means near 0 but correlated with unit 0), 5 mixed (variance small on half the items), 6
// active and correlated with unit 1.
PosteriorCodes syntheticPosteriors(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> gauss(0, 1);
  PosteriorCodes c;
  for (CodeMatrix* m : {&c.means, &c.logVariances, &c.samples}) *m = CodeMatrix{n, 7, {}};
  for (int64_t i = 0; i < n; ++i) {
    double mu[7], lv[7];
    for (int j = 0; j < 3; ++j) mu[j] = gauss(rng), lv[j] = -4 + 0.1 * gauss(rng);
    for (int j = 3; j < 5; ++j) mu[j] = 0.05 * mu[0] + 0.01 * gauss(rng), lv[j] = 0.02 * gauss(rng);
    mu[5] = gauss(rng), lv[5] = i % 2 ? -3.0 : 0.0;
    mu[6] = 0.8 * mu[1] + 0.6 * gauss(rng), lv[6] = -3 + 0.1 * gauss(rng);
    for (int j = 0; j < 7; ++j) {
      c.means.values.push_back(mu[j]);
      c.logVariances.values.push_back(lv[j]);
      c.samples.values.push_back(mu[j] + std::exp(0.5 * lv[j]) * gauss(rng));
    }
  }
  return c;
}

QJsonObject reference(const PosteriorCodes& c, const QTemporaryDir& dir) {
  const std::vector<int64_t> shape{c.means.items, c.means.dims};
  writeNpz(dir.filePath("codes.npz"), {{"means", makeNpy(c.means.values, shape)},
                                       {"logvars", makeNpy(c.logVariances.values, shape)},
                                       {"samples", makeNpy(c.samples.values, shape)}});
  return runPythonReference(
      {"-c",
       "import json, sys; sys.path.insert(0, sys.argv[1]); import numpy as np\n"
       "from strata_tools import representation_scores as rs\n"
       "d = np.load(sys.argv[2])\n"
       "r = rs.evaluate(d['means'], d['logvars'], d['samples'])\n"
       "json.dump(r, open(sys.argv[3], 'w'), allow_nan=False)\n",
       kSource + "/tools", dir.filePath("codes.npz"), dir.filePath("ref.json")},
      dir.filePath("ref.json"), 300000);
}

bool close(double a, double b, double relative, double absolute) {
  return std::abs(a - b) <= std::max(absolute, relative * std::abs(b));
}

}  // namespace

class TestRepresentationScores : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void agreesWithReference_data() {
    QTest::addColumn<QString>("source");
    QTest::newRow("synthetic units of every class") << "synthetic";
    QTest::newRow("dSprites model, held-out items") << "dsprites";
  }
  void agreesWithReference() {
    QFETCH(QString, source);
    PosteriorCodes c;
    if (source == "synthetic") {
      c = syntheticPosteriors(3000, 2);
    } else {
      auto model = Model::load(bundledModelPath("dsprites_tcvae.pt"));
      DSpritesDataset data(
          readNpy(kSource + "/tests/data/models/dsprites_tcvae_eval_indices.npy").toInt());
      std::vector<int64_t> items(2000);
      for (size_t i = 0; i < items.size(); ++i) items[i] = int64_t(i);
      c = encodePosteriors(*model, data, items, -1, 3);
    }
    QTemporaryDir dir;
    const QJsonObject ref = reference(c, dir);
    QVERIFY2(!ref.isEmpty(), "the Python reference failed");

    const std::vector<UnitActivityRow> units = unitActivity(c.means, c.logVariances);
    const QJsonArray refUnits = ref["units"].toArray();
    QCOMPARE(qsizetype(units.size()), refUnits.size());
    QStringList classes;
    for (size_t j = 0; j < units.size(); ++j) {
      const QJsonObject r = refUnits[int(j)].toObject();
      QVERIFY(close(units[j].meanPosteriorVariance, r["posterior_variance_mean"].toDouble(), 1e-12,
                    1e-14));
      QVERIFY(close(units[j].varianceOfPosteriorVariance, r["posterior_variance_var"].toDouble(),
                    1e-12, 1e-14));
      QVERIFY(close(units[j].varianceOfMean, r["mean_variance"].toDouble(), 1e-12, 1e-14));
      QCOMPARE(QString(unitActivityName(units[j].activity)), r["class"].toString());
      QCOMPARE(QString(unitActivityName(units[j].activityByMeanVariance)),
               r["class_mean_variance_rule"].toString());
      classes << unitActivityName(units[j].activity);
    }
    qInfo() << "classes" << classes.join(' ');
    if (source == "synthetic")
      QCOMPARE(classes.join(' '), "active active active passive passive mixed active");

    for (const auto& [codes, name] :
         {std::pair{&c.means, "mean"}, std::pair{&c.samples, "sampled"}}) {
      const std::vector<double> r = correlationMatrix(*codes);
      const QJsonArray refR = ref["correlation"][name].toArray();
      for (int a = 0; a < codes->dims; ++a)
        for (int b = 0; b < codes->dims; ++b) {
          const QJsonValue v = refR[a].toArray()[b];
          const double mine = r[size_t(a) * size_t(codes->dims) + size_t(b)];
          QVERIFY(v.isNull() ? std::isnan(mine) : close(mine, v.toDouble(), 0, 1e-12));
        }
      for (const QString subset : {"all", "without_passive", "active", "mixed", "passive"}) {
        const QJsonObject s = ref["scores"][name][subset].toObject();
        std::vector<int> chosen;
        for (const auto& u : s["units"].toArray()) chosen.push_back(u.toInt());
        const double tc = gaussianTotalCorrelation(*codes, chosen);
        const double mi = meanPairwiseMutualInformation(*codes, chosen);
        const QString status = s["tc_status"].toString();
        qInfo(
            "%s %s: TC %.6f (reference %s), MI %.6f", name, qPrintable(subset), tc,
            qPrintable(status == "ok" ? QString::number(s["gaussian_total_correlation"].toDouble())
                                      : status),
            mi);
        if (status == "ok")
          QVERIFY(close(tc, s["gaussian_total_correlation"].toDouble(), 1e-8, 1e-8));
        else if (status == "singular")
          QVERIFY(std::isinf(tc));
        else
          QVERIFY(std::isnan(tc));
        if (s["mean_pairwise_mi"].isNull())
          QVERIFY(std::isnan(mi));
        else
          QVERIFY(close(mi, s["mean_pairwise_mi"].toDouble(), 0, 1e-9));
      }
    }
  }

  // The paper's effect on the synthetic units: passive units correlate in the mean codes (they
  // follow unit 0 there) but not in the sampled ones, so dropping them removes most of the
  // mean codes' total correlation.
  void passiveUnitsInflateMeanCorrelation() {
    const PosteriorCodes c = syntheticPosteriors(3000, 5);
    ModelMetrics m;
    addRepresentationRows(m, c, "test codes");
    QCOMPARE(m.find("units/passive")->value, 2.0);
    QCOMPARE(m.find("units/mixed")->value, 1.0);
    QCOMPARE(m.find("units/active")->value, 4.0);
    QCOMPARE(m.find("units/active")->outOf, 7.0);
    const double meanAll = m.find("tc/mean")->value;
    const double meanWithout = m.find("tc/mean/without-passive")->value;
    const double sampledAll = m.find("tc/sampled")->value;
    qInfo("TC mean %.3f (without passive %.3f), sampled %.3f", meanAll, meanWithout, sampledAll);
    QVERIFY(meanAll > 3 * meanWithout);
    QVERIFY(meanAll > 3 * sampledAll);
  }

  // A deep model's thousands of units would make millions of pairs: the pairwise score says
  // so and asks for one layer; the total correlation (one eigen-decomposition) is computed.
  void wideCodesAskForOneLayer() {
    const int units = kMaxUnitsForMutualInformation + 44;
    std::mt19937_64 rng(3);
    std::normal_distribution<double> gauss(0, 1);
    PosteriorCodes c;
    for (CodeMatrix* m : {&c.means, &c.logVariances, &c.samples}) *m = CodeMatrix{400, units, {}};
    for (int64_t i = 0; i < 400 * int64_t(units); ++i) {
      c.means.values.push_back(gauss(rng));
      c.logVariances.values.push_back(-3.0);
      c.samples.values.push_back(c.means.values.back() + 0.2 * gauss(rng));
    }
    ModelMetrics m;
    addRepresentationRows(m, c, "wide codes");
    const MetricRow* mi = m.find("mi/mean");
    QVERIFY(mi && std::isnan(mi->value));
    QVERIFY2(mi->parameters.contains("choose one layer"), qPrintable(mi->parameters));
    QVERIFY(std::isfinite(m.find("tc/mean")->value));
  }

  void badInputsAreRefused() {
    PosteriorCodes c = syntheticPosteriors(10, 1);
    c.logVariances.values[3] = NAN;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, unitActivity(c.means, c.logVariances));
    const PosteriorCodes one = syntheticPosteriors(1, 1);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, unitActivity(one.means, one.logVariances));
    QVERIFY(std::isnan(gaussianTotalCorrelation(c.means, {0})));
    QVERIFY(std::isnan(meanPairwiseMutualInformation(c.means, {})));
  }
};

STRATA_TEST_GUILESS_MAIN(TestRepresentationScores)
#include "test_representation_scores.moc"
