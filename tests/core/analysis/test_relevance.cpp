// Relevant units in the ARD-VAE convention (docs/metrics.md, "Relevant dimensions"): the
// counting rule and prior variance by hand, the decoder's Jacobian column norms from LibTorch
// autograd against the float64 forward-mode reference (tools/relevance_reference.py) on models
// of other ranges, normalisations, logits and layer counts, and the metrics rows on the bundled
// dSprites model.

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <map>
#include <stdexcept>

#include "core/analysis/model_metrics.h"
#include "core/analysis/relevance_rows.h"
#include "core/analysis/representation_rows.h"
#include "core/base/resources.h"
#include "core/data/dsprites.h"
#include "core/data/npy.h"
#include "core/model/model.h"
#include "core/numeric/relevance_scores.h"
#include "tests/support/python_reference.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {

const QString kSource = QStringLiteral(STRATA_SOURCE_DIR);

QString modelPath(const QString& name) {
  return name == "dsprites_tcvae" ? bundledModelPath(name + ".pt")
                                  : kSource + "/tests/data/models/" + name + ".pt";
}

// The reference's JSON for the latent points `z` (every layer) and, when `codes` is given, the
// chosen codes [first, first + count) of the metrics items.
QJsonObject reference(const QString& model, const Latents& z, const ModelInfo& info,
                      const PosteriorCodes* codes = nullptr, int64_t first = 0) {
  QTemporaryDir dir;
  std::map<std::string, NpyArray> arrays;
  for (size_t l = 0; l < z.layers.size(); ++l) {
    std::vector<int64_t> shape{z.batch};
    shape.insert(shape.end(), info.layers[l].shape.begin(), info.layers[l].shape.end());
    std::vector<double> values(z.layers[l].begin(), z.layers[l].end());
    arrays["z" + std::to_string(l)] = makeNpy(values, shape);
  }
  if (codes) {
    const std::vector<int64_t> shape{codes->means.items, codes->means.dims};
    arrays["units"] = makeNpy(std::vector<int64_t>{first, codes->means.dims}, {2});
    arrays["means"] = makeNpy(codes->means.values, shape);
    arrays["logvars"] = makeNpy(codes->logVariances.values, shape);
  }
  writeNpz(dir.filePath("points.npz"), arrays);
  return runPythonReference({kSource + "/tools/relevance_reference.py", modelPath(model),
                             dir.filePath("points.npz"), dir.filePath("ref.json")},
                            dir.filePath("ref.json"));
}

// float32 autograd against the float64 reference: relative 1e-4, or 1e-7 of the largest
// weight for columns that are nearly zero.
bool weightsAgree(const std::vector<double>& mine, const QJsonArray& ref, int64_t first) {
  double largest = 0;
  for (const auto& v : ref) largest = std::max(largest, v.toDouble());
  bool ok = true;
  for (size_t j = 0; j < mine.size(); ++j) {
    const double r = ref[int(first + int64_t(j))].toDouble();
    if (std::abs(mine[j] - r) > std::max(1e-4 * std::abs(r), 1e-7 * largest)) {
      qWarning("unit %d: %.9g against %.9g", int(first + int64_t(j)), mine[j], r);
      ok = false;
    }
  }
  return ok;
}

int64_t firstUnitOf(const ModelInfo& info, int layer) {
  int64_t first = 0;
  for (int l = 0; l < layer; ++l) first += info.layers[size_t(l)].size();
  return first;
}

}  // namespace

class TestRelevance : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // Sec. 3.4 with the authors' strict ">": the fewest largest scores whose share exceeds 0.99,
  // ties to the lower unit, 0 when nothing is relevant.
  void countingRule() {
    std::vector<int> order;
    std::vector<double> cumulative;
    QCOMPARE(unitsExplaining({0.3, 0.5, 0.005, 0.195}, 0.99, &order, &cumulative), 3);
    QCOMPARE(order, (std::vector<int>{1, 0, 3, 2}));
    QCOMPARE(cumulative.back(), 1.0);
    QCOMPARE(unitsExplaining({0.99, 0.01}, 0.99, nullptr, nullptr), 2);  // 0.99 is not > 0.99
    QCOMPARE(unitsExplaining({1, 1, 0}, 0.99, &order, nullptr), 2);
    QCOMPARE(order, (std::vector<int>{0, 1, 2}));
    QCOMPARE(unitsExplaining({0, 0, 0}, 0.99, nullptr, nullptr), 0);
    QCOMPARE(unitsExplaining({}, 0.99, nullptr, nullptr), 0);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             unitsExplaining({1, -1}, 0.99, nullptr, nullptr));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             unitsExplaining({1, NAN}, 0.99, nullptr, nullptr));
  }

  // Eq. 17: mean of mu^2 + sigma^2 over the items (not the variance of mu); a point mass at 0
  // (log-variance -inf) contributes 0; NaN is refused.
  void priorVarianceByHand() {
    const CodeMatrix means{2, 2, {1.0, 0.0, 3.0, 0.0}};
    CodeMatrix logVariances{2, 2, {0.0, -INFINITY, std::log(2.0), -INFINITY}};
    const std::vector<double> v = ardPriorVariance(means, logVariances);
    QCOMPARE(v[0], (1.0 + 1.0 + 9.0 + 2.0) / 2);
    QCOMPARE(v[1], 0.0);
    const UnitRelevance r = ardRelevance(means, logVariances, {2.0, 5.0});
    QCOMPARE(r.relevance, (std::vector<double>{13.0, 0.0}));
    QCOMPARE(r.relevantUnits, 1);
    logVariances.values[1] = NAN;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ardPriorVariance(means, logVariances));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             ardPriorVariance(means, CodeMatrix{2, 3, std::vector<double>(6)}));
  }

  // The Jacobian from LibTorch's forward mode and from two reverse passes, in chunks of units,
  // against the reference's float64 forward mode, at points from the prior: a flat 64x64 model
  // (Bernoulli means), a three-layer model whose inputs are in [-1, 1] (all layers, and the middle
  // one alone), and a contract-2 model with standardised inputs and logits (so the data-unit
  // mapping is part of the Jacobian).
  void jacobianAgreesWithReference_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<int>("layer");
    QTest::newRow("dSprites, flat") << "dsprites_tcvae" << -1;
    QTest::newRow("range [-1, 1], all layers") << "fashion_range_lvae" << -1;
    QTest::newRow("range [-1, 1], middle layer") << "fashion_range_lvae" << 1;
    QTest::newRow("standardised inputs, logits") << "v2_norm_logits" << -1;
    QTest::newRow("standardised inputs, logits, lower layer") << "v2_norm_logits" << 1;
  }
  void jacobianAgreesWithReference() {
    QFETCH(QString, model);
    QFETCH(int, layer);
    const auto m = Model::load(modelPath(model));
    const ModelInfo& info = m->info();
    const int64_t items = 12;
    const Latents z = m->priorSample({items, {}}, m->noise(items, 0, 17),
                                     std::vector<double>(info.layers.size(), 1.0));
    const int64_t units = layer < 0 ? info.totalLatentSize() : info.layers[size_t(layer)].size();
    const QJsonObject ref = reference(model, z, info);
    QVERIFY2(!ref.isEmpty(), "the Python reference failed");
    QCOMPARE(ref["items"].toInt(), int(items));
    for (const auto mode : {Model::JacobianMode::ForwardMode, Model::JacobianMode::DoubleBackward,
                            Model::JacobianMode::Automatic}) {
      std::vector<double> weights;
      for (int64_t first = 0; first < units; first += 3) {  // chunks of 3 units
        const int64_t count = std::min<int64_t>(3, units - first);
        for (double w : m->jacobianColumnSquaredNorms(z, layer, first, count, mode))
          weights.push_back(w / double(items));
      }
      QCOMPARE(int64_t(weights.size()), units);
      QVERIFY(
          weightsAgree(weights, ref["weights"].toArray(), firstUnitOf(info, std::max(layer, 0))));
      double total = 0;
      for (double w : weights) total += w;
      QVERIFY(total > 0);
    }
  }

  // The rows on the bundled dSprites model's held-out items against the reference on the same
  // posteriors: the Jacobian weights, the prior variances and both counts. The paper's point
  // shows: near-prior units keep a prior variance of about 1, so the prior variance alone
  // keeps more units than the relevance does.
  void dspritesRowsAgreeWithReference() {
    const auto model = Model::load(modelPath("dsprites_tcvae"));
    DSpritesDataset data(
        readNpy(kSource + "/tests/data/models/dsprites_tcvae_eval_indices.npy").toInt());
    std::vector<int64_t> items(400);
    for (size_t i = 0; i < items.size(); ++i) items[i] = int64_t(i);
    const PosteriorCodes codes = encodePosteriors(*model, data, items, -1, 3);
    ModelMetrics m;
    addRelevanceRows(m, *model, data, items, codes, -1, "test codes");
    const MetricRow* relevant = m.find("relevance/relevant-units");
    const MetricRow* prior = m.find("relevance/prior-variance-only");
    QVERIFY(relevant && prior);
    qInfo() << relevant->value << "relevant," << prior->value << "by prior variance alone;"
            << relevant->parameters;
    QCOMPARE(relevant->outOf, 10.0);

    Latents means{kRelevanceJacobianItems, {{}}};
    for (int64_t i = 0; i < kRelevanceJacobianItems * 10; ++i)
      means.layers[0].push_back(float(codes.means.values[size_t(i)]));
    const QJsonObject ref = reference("dsprites_tcvae", means, model->info(), &codes);
    QVERIFY2(!ref.isEmpty(), "the Python reference failed");
    QVERIFY(weightsAgree(m.unitJacobianWeight, ref["weights"].toArray(), 0));
    const QJsonArray refPrior = ref["prior_variance"].toArray();
    for (size_t j = 0; j < m.unitPriorVariance.size(); ++j)
      QVERIFY(std::abs(m.unitPriorVariance[j] - refPrior[int(j)].toDouble()) <=
              1e-12 * std::abs(refPrior[int(j)].toDouble()));
    QCOMPARE(relevant->value, ref["n_explained"].toDouble());
    QCOMPARE(prior->value, ref["n_prior_variance_only"].toDouble());
    QVERIFY(relevant->value < prior->value);
  }

  // Decoders that break autograd, made at test time from the tiny contract model: one whose
  // output is finite but whose slope is not (sqrt at 0), and one that writes into its input in
  // place (refused by reverse-mode autograd, fine in forward mode). Each failure is one typed
  // sentence naming decode, never the interpreter's traceback or a NaN weight.
  void hostileDecodersGiveModelErrors() {
    QTemporaryDir dir;
    QFile script(dir.filePath("hostile.py"));
    QVERIFY(script.open(QIODevice::WriteOnly));
    script.write(QStringLiteral(R"(import json, sys
from typing import List
sys.path.insert(0, %1)
import torch
import make_broken_models as broken

class SqrtAtZero(broken.Valid):
    @torch.jit.export
    def decode(self, z: List[torch.Tensor]) -> torch.Tensor:
        return torch.sqrt(broken._decode(z) * 0.0)

class InPlace(broken.Valid):
    @torch.jit.export
    def decode(self, z: List[torch.Tensor]) -> torch.Tensor:
        b = z[1]
        b.add_(0.0)
        return broken._decode(z)

torch.jit.script(SqrtAtZero(broken.tiny_meta())).save(sys.argv[1] + "/sqrt.pt")
torch.jit.script(InPlace(broken.tiny_meta())).save(sys.argv[1] + "/inplace.pt")
json.dump({"ok": True}, open(sys.argv[1] + "/done.json", "w"))
)")
                     .arg('"' + kSource + "/tools\"")
                     .toUtf8());
    script.close();
    const QJsonObject made =
        runPythonReference({script.fileName(), dir.path()}, dir.filePath("done.json"));
    QVERIFY(made["ok"].toBool());
    Latents z;
    z.batch = 2;
    z.layers = {{0.1f, 0.2f, 0.3f, 0.4f}, std::vector<float>(8, 0.5f)};

    const auto sqrtModel = Model::load(dir.filePath("sqrt.pt"));
    QVERIFY(sqrtModel);
    try {
      jacobianWeightsAt(*sqrtModel, z, -1);
      QFAIL("an infinite slope gave weights");
    } catch (const ModelOutputError& e) {
      QCOMPARE(QString::fromStdString(e.method()), QStringLiteral("decode"));
      QVERIFY2(QString(e.what()).contains("not finite"), e.what());
    }

    const auto inPlace = Model::load(dir.filePath("inplace.pt"));
    QVERIFY(inPlace);
    try {
      inPlace->jacobianColumnSquaredNorms(z, -1, 0, 6, Model::JacobianMode::DoubleBackward);
      QFAIL("reverse mode through an in-place write succeeded");
    } catch (const ModelOutputError& e) {
      const QString text = e.what();
      QVERIFY2(text.startsWith("decode: reverse-mode autograd failed ("), e.what());
      QVERIFY2(!text.contains('\n') && !text.contains("Traceback"), e.what());
    }
    // Automatic mode uses forward mode, which the in-place write does not trouble.
    const std::vector<double> norms = inPlace->jacobianColumnSquaredNorms(z, -1, 0, 6);
    QCOMPARE(norms.size(), size_t(6));
    for (double n : norms) QVERIFY(std::isfinite(n));
  }

  // A 60-layer model's 3,840 units would take 3,840 decodes per item: the row says so and asks
  // for one layer, and the prior variance alone is still counted.
  void manyUnitsAskForOneLayer() {
    const auto model = Model::load(modelPath("deep60"));
    const int units = int(model->info().totalLatentSize());
    QVERIFY(units > kMaxUnitsForRelevance);
    PosteriorCodes codes;
    codes.means = codes.logVariances =
        CodeMatrix{3, units, std::vector<double>(size_t(3) * size_t(units))};
    DSpritesDataset unused(std::vector<int64_t>{0});
    ModelMetrics m;
    addRelevanceRows(m, *model, unused, {0, 1, 2}, codes, -1, "wide codes");
    const MetricRow* relevant = m.find("relevance/relevant-units");
    QVERIFY(std::isnan(relevant->value));
    QVERIFY2(relevant->parameters.contains("choose one layer"), qPrintable(relevant->parameters));
    // Equal prior variances (1): the first k with k / units > 0.99.
    QCOMPARE(m.find("relevance/prior-variance-only")->value, std::floor(0.99 * units) + 1);
    QVERIFY(m.unitJacobianWeight.empty());
  }
};

STRATA_TEST_GUILESS_MAIN(TestRelevance)
#include "test_relevance.moc"
