// Model calls of the bounds and statistics are sized by bytes, not by item count: the
// bundled models keep the batches their Python references use, large images get fewer rows
// per call, and an item whose samples are split across calls gets the same bound as when its
// samples are computed call by call here.

#include <QtTest>

#include <algorithm>
#include <cmath>

#include "core/base/resources.h"
#include "core/data/dsprites.h"
#include "core/model/evaluation.h"
#include "core/model/latent_stats.h"
#include "core/model/model.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {

constexpr int64_t kFloat = sizeof(float);

// Inputs, five latent tensors and log p(x|z) of one row.
int64_t rowBytes(int64_t pixels, int64_t latents) {
  return (pixels + 5 * latents + 1) * kFloat;
}

double logNormal(double z, double mean, double logVar) {
  return -0.5 * (std::log(2 * M_PI) + logVar + (z - mean) * (z - mean) * std::exp(-logVar));
}

}  // namespace

class TestEvaluationBatches : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void bundledModelsKeepTheReferenceBatches() {
    // fashion_lvae (784 pixels, 220 latents), dsprites_tcvae (4096 pixels, 10 latents):
    // 2000 / k whole items per call, as tools/strata_tools/evaluate.py batches.
    for (const int64_t bytes : {rowBytes(784, 220), rowBytes(4096, 10)}) {
      QCOMPARE(importanceSampleRows(1, bytes), int64_t(2000));
      QCOMPARE(importanceSampleRows(7, bytes), int64_t(285 * 7));
      QCOMPARE(importanceSampleRows(100, bytes), int64_t(2000));
      QCOMPARE(importanceSampleRows(5000, bytes), int64_t(5000));
      QCOMPARE(itemsPerCall(500, bytes), 500);
    }
  }

  // A 3 x 512 x 512 model: 2,000 rows per call were 6.3 GB of inputs alone (7.7 GB with the
  // copies); now each call holds at most kMaxBatchBytes.
  void largeImagesGetFewerRows() {
    const int64_t bytes = rowBytes(3 * 512 * 512, 2048);
    for (int k : {1, 10, 100, 1000}) {
      const int64_t rows = importanceSampleRows(k, bytes);
      QVERIFY2(rows >= 1 && rows * bytes <= kMaxBatchBytes, qPrintable(QString::number(rows)));
      if (rows >= k) QCOMPARE(rows % k, int64_t(0));  // whole items while they fit
    }
    QCOMPARE(importanceSampleRows(100, bytes), kMaxBatchBytes / bytes);  // part of one item
    const int items = itemsPerCall(500, bytes);
    QVERIFY(items >= 1 && items * bytes <= kMaxBatchBytes);
    // Rows larger than the whole budget still go one at a time.
    QCOMPARE(importanceSampleRows(100, kMaxBatchBytes * 2), int64_t(1));
    QCOMPARE(itemsPerCall(500, kMaxBatchBytes * 2), 1);
  }

  // Seven rows per call with k = 10: every item's samples are split across two calls. The
  // bound equals the one computed here from the same calls, one log weight per row.
  void samplesSplitAcrossCallsGiveTheSameBound() {
    auto model = Model::load(bundledModelPath("dsprites_tcvae.pt"));
    const DSpritesDataset data;
    std::vector<int64_t> items;
    for (int64_t i = 0; i < 12; ++i) items.push_back(i * 61441);
    const int k = 10, perCall = 7;
    const int64_t pixels = data.itemShape().pixelCount();
    const int64_t bytes = bytesPerRow(*model, data);
    QCOMPARE(importanceSampleRows(k, bytes, perCall * bytes), int64_t(perCall));
    double error = 0;
    const double bound =
        importanceWeightedBound(*model, data, items, k, 3, {}, &error, perCall * bytes);

    SampleStream stream(3);
    const int64_t total = int64_t(items.size()) * k;
    std::vector<double> logw;
    for (int64_t first = 0; first < total; first += perCall) {
      const int64_t rows = std::min<int64_t>(perCall, total - first);
      std::vector<float> x(size_t(rows * pixels));
      for (int64_t r = 0; r < rows; ++r)
        data.copyImage(items[size_t((first + r) / k)], x.data() + r * pixels);
      const Posterior q = model->posterior(x.data(), rows, stream);
      const std::vector<float> lp = model->logPx(x.data(), rows, q.z);
      for (int64_t r = 0; r < rows; ++r) {
        double w = lp[size_t(r)];
        const size_t units = size_t(model->info().layers[0].size());
        for (size_t u = 0; u < units; ++u) {
          const size_t e = size_t(r) * units + u;
          const double z = q.z.layers[0][e];
          w += logNormal(z, q.pMean.layers[0][e], q.pLogVar.layers[0][e]) -
               logNormal(z, q.qMean.layers[0][e], q.qLogVar.layers[0][e]);
        }
        logw.push_back(w);
      }
    }
    double expected = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      const auto from = logw.begin() + int64_t(i) * k, to = from + k;
      const double top = *std::max_element(from, to);
      double sum = 0;
      for (auto w = from; w != to; ++w) sum += std::exp(*w - top);
      expected += top + std::log(sum / k);
    }
    expected /= double(items.size());
    QVERIFY2(
        std::abs(bound - expected) < 1e-9 * std::abs(expected),
        qPrintable(QStringLiteral("%1 vs %2").arg(bound, 0, 'g', 17).arg(expected, 0, 'g', 17)));
    QVERIFY(std::isfinite(error) && error > 0);
  }

  // Quantiles from a budget of 40 items' means: everything else is still over all 300 items,
  // identical to the unbounded run, and the quantiles stay within the extremes.
  void latentStatisticsKeepABoundedSample() {
    auto model = Model::load(bundledModelPath("dsprites_tcvae.pt"));
    const DSpritesDataset data;
    std::vector<int64_t> items;
    for (int64_t i = 0; i < 300; ++i) items.push_back(i * 2417);
    const LatentStats all = computeLatentStats(*model, data, items);
    const int64_t budget = 40 * model->info().totalLatentSize() * kFloat;
    const LatentStats some = computeLatentStats(*model, data, items, {}, 500, budget);
    QCOMPARE(some.items, int64_t(300));
    const auto& a = all.layers[0].units;
    const auto& b = some.layers[0].units;
    for (size_t u = 0; u < a.size(); ++u) {
      QCOMPARE(b[u].kl, a[u].kl);
      QCOMPARE(b[u].meanOfMeans, a[u].meanOfMeans);
      QCOMPARE(b[u].meanVariance, a[u].meanVariance);
      QCOMPARE(b[u].min, a[u].min);
      QCOMPARE(b[u].max, a[u].max);
      QVERIFY(b[u].q01 >= a[u].min && b[u].q01 <= b[u].q99 && b[u].q99 <= a[u].max);
    }
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             importanceWeightedBound(*model, data, items, 0, 1));
  }
};

STRATA_TEST_GUILESS_MAIN(TestEvaluationBatches)
#include "test_evaluation_batches.moc"
