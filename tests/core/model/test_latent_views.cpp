// Traversals, layer-wise resampling, layer mixing, latent statistics and GIF export on the
// bundled hierarchical model, plus range modes on a unit with known statistics.

#include <QTemporaryDir>
#include <QtTest>

#include <gif_lib.h>

#include <cmath>

#include "core/analysis/projection.h"
#include "core/base/resources.h"
#include "core/data/array_dataset.h"
#include "core/data/fashion_mnist.h"
#include "core/data/npy.h"
#include "core/figures/gif_writer.h"
#include "core/model/encoding.h"
#include "core/model/hierarchy.h"
#include "core/model/latent_stats.h"
#include "core/model/model.h"
#include "core/model/traversal.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {

double maxDiff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return INFINITY;
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, double(std::abs(a[i] - b[i])));
  return m;
}

constexpr size_t kPixels = size_t(28) * 28;

// Images first..first+count-1 of a block of 28x28 images.
std::vector<float> images(const std::vector<float>& all, int64_t first, int64_t count = 1) {
  const auto begin = all.begin() + std::ptrdiff_t(size_t(first) * kPixels);
  return {begin, begin + std::ptrdiff_t(size_t(count) * kPixels)};
}

}  // namespace

class TestLatentViews : public QObject {
  Q_OBJECT

  std::shared_ptr<Model> model_;
  DatasetPtr test_;

 private Q_SLOTS:
  void initTestCase() {
    if (!fashionMnistAvailable()) QSKIP("dataset-fashion-mnist is not installed");
    model_ = Model::load(bundledModelPath("fashion_lvae.pt"));
    test_ = loadFashionMnist(Split::Test);
  }

  void rangeModesOnAKnownUnit() {
    ModelInfo info;
    info.layers = {{"z", {2}}};
    LatentStart start;
    start.z = {1, {{0.5f, -1.0f}}};
    start.pMean = {1, {{0.25f, 0.0f}}};
    start.pStd = {1, {{2.0f, 1.0f}}};
    start.qMean = {1, {{0.5f, -1.0f}}};
    start.qStd = {1, {{0.1f, 0.2f}}};
    LatentStats stats;
    stats.layers.resize(1);
    stats.layers[0].units.resize(2);
    stats.layers[0].units[0].q01 = -1.5f;
    stats.layers[0].units[0].q99 = 2.5f;
    stats.layers[0].units[0].min = -4.0f;
    stats.layers[0].units[0].max = 5.0f;
    const UnitGroup unit = singleUnit(info, 0, 0);
    auto check = [&](RangeMode mode, double k, double lo, double hi) {
      const Range r = unitRange(mode, k, start, &stats, unit);
      QVERIFY2(std::abs(r.low - lo) < 1e-6 && std::abs(r.high - hi) < 1e-6,
               qPrintable(QStringLiteral("%1: [%2, %3]")
                              .arg(describeRangeMode(mode, k))
                              .arg(r.low)
                              .arg(r.high)));
    };
    check(RangeMode::PriorSigma, 3, 0.25 - 6, 0.25 + 6);
    check(RangeMode::PosteriorSpread, 2, 0.5 - 0.2, 0.5 + 0.2);
    check(RangeMode::DataQuantiles, 0, -1.5, 2.5);
    check(RangeMode::DataMinMax, 0, -4, 5);
    QCOMPARE(startValue(start, unit), 0.5);
    // A prior start has no posterior spread; data modes need statistics.
    LatentStart prior = start;
    prior.qMean = {};
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             unitRange(RangeMode::PosteriorSpread, 1, prior, &stats, unit));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             unitRange(RangeMode::DataMinMax, 1, start, nullptr, unit));
  }

  void conditionalPriorMatchesThePosteriorOutput() {
    const LatentStart item = startFromItem(*model_, *test_, 3, false, 0);
    Latents mean, sd;
    conditionalPrior(*model_, item.z, mean, sd);
    for (size_t l = 0; l < item.z.layers.size(); ++l) {
      QVERIFY(maxDiff(mean.layers[l], item.pMean.layers[l]) < 1e-4);
      QVERIFY(maxDiff(sd.layers[l], item.pStd.layers[l]) < 1e-4);
    }
  }

  void regenerateWithoutChangeKeepsTheStart() {
    const LatentStart start = startFromItem(*model_, *test_, 11, false, 0);
    const UnitGroup top = singleUnit(model_->info(), 0, 2);
    const Latents same =
        applyEdits(*model_, start, {{top, startValue(start, top)}}, Propagation::Regenerate);
    for (size_t l = 0; l < same.layers.size(); ++l)
      QVERIFY(maxDiff(same.layers[l], start.z.layers[l]) < 1e-4);
    // Moving the top unit changes the lower layers only when regenerating.
    const Latents kept = applyEdits(*model_, start, {{top, 2.5}}, Propagation::KeepLower);
    const Latents regen = applyEdits(*model_, start, {{top, 2.5}}, Propagation::Regenerate);
    QCOMPARE(kept.layers[1], start.z.layers[1]);
    QVERIFY(maxDiff(regen.layers[1], start.z.layers[1]) > 1e-3);
    QCOMPARE(regen.layers[0][2], 2.5f);
  }

  void wholeChannelMovesEveryPosition() {
    const LatentStart start = startFromItem(*model_, *test_, 5, false, 0);
    const int spatial = 2;
    const UnitGroup channel = wholeChannel(model_->info(), spatial, 1);
    QCOMPARE(channel.units.size(), size_t(49));
    const Latents moved = applyEdits(*model_, start, {{channel, 0.75}}, Propagation::KeepLower);
    for (int u : channel.units)
      QVERIFY(std::abs(moved.layers[spatial][size_t(u)] - start.z.layers[spatial][size_t(u)] -
                       0.75f) < 1e-6);
    QCOMPARE(moved.layers[spatial][0], start.z.layers[spatial][0]);  // channel 0 untouched
  }

  void traversalGridShapesAndStart() {
    const LatentStart start = startFromItem(*model_, *test_, 7, false, 0);
    const std::vector<UnitGroup> rows = {singleUnit(model_->info(), 0, 0),
                                         singleUnit(model_->info(), 1, 4),
                                         wholeChannel(model_->info(), 2, 0)};
    const TraversalGrid grid = traversalGrid(*model_, start, nullptr, rows, 7,
                                             RangeMode::PriorSigma, 2.0, Propagation::KeepLower);
    QCOMPARE(grid.images.size(), size_t(3 * 7 * 784));
    QCOMPARE(grid.startColumn.size(), size_t(3));
    QCOMPARE(grid.startColumn[2], 3);  // offsets -2σ..2σ: the middle step is "no change"
    const std::vector<float> reference = model_->decode(start.z);
    QVERIFY(maxDiff(images(grid.images, 2 * 7 + 3), reference) < 1e-5);
    // The ends of a row differ: for the bottom layer directly, for the top layer once the
    // change is propagated through the conditional priors below it.
    auto rowEnds = [](const TraversalGrid& g, int row) {
      const int64_t first = int64_t(row) * g.steps;
      return maxDiff(images(g.images, first), images(g.images, first + g.steps - 1));
    };
    // This model decodes from the bottom layer only, whose conditional prior is narrow: over
    // the data's spread of that layer the image changes, and the top layer acts only when
    // its change is propagated.
    std::vector<int64_t> items(500);
    std::iota(items.begin(), items.end(), 0);
    const LatentStats stats = computeLatentStats(*model_, *test_, items);
    const TraversalGrid data = traversalGrid(*model_, start, &stats, {rows[0], rows[2]}, 7,
                                             RangeMode::DataMinMax, 0, Propagation::KeepLower);
    QCOMPARE(rowEnds(data, 0), 0.0);
    QVERIFY2(rowEnds(data, 1) > 0.05, qPrintable(QString::number(rowEnds(data, 1))));
    const TraversalGrid regenerated = traversalGrid(
        *model_, start, nullptr, {rows[0]}, 7, RangeMode::PriorSigma, 2.0, Propagation::Regenerate);
    QVERIFY2(rowEnds(regenerated, 0) > 0.05, qPrintable(QString::number(rowEnds(regenerated, 0))));
    // The batched grid equals moving the slider to each value one at a time.
    for (int step : {0, 5}) {
      const std::vector<float> one = model_->decode(
          applyEdits(*model_, start, {{rows[0], regenerated.values[0][size_t(step)]}},
                     Propagation::Regenerate));
      QVERIFY(maxDiff(one, images(regenerated.images, step)) < 1e-5);
    }
  }

  void layerwiseResamplingIsReproducibleAndEndsAtTheReconstruction() {
    const std::vector<int64_t> items = {0, 1, 2};
    const LayerwiseResampling a = layerwiseResampling(*model_, *test_, items, 4, 42);
    const LayerwiseResampling b = layerwiseResampling(*model_, *test_, items, 4, 42);
    const LayerwiseResampling c = layerwiseResampling(*model_, *test_, items, 4, 43);
    QCOMPARE(a.levels, 4);
    QCOMPARE(a.originals.size(), size_t(3 * 784));
    QCOMPARE(images(a.originals, 1), test_->image(1));
    QCOMPARE(a.images.size(), size_t(3 * 4 * 4 * 784));
    QCOMPARE(a.images, b.images);  // exactly the same under the same seed
    QVERIFY(maxDiff(a.images, c.images) > 0.01);
    // k = L: every sample is the reconstruction from the posterior means.
    const std::vector<float> x = [&] {
      std::vector<float> v(3 * kPixels);
      test_->copyBatch(0, 3, v.data());
      return v;
    }();
    const std::vector<float> recon = model_->decode(model_->posterior(x.data(), 3, false).z);
    for (int i = 0; i < 3; ++i)
      for (int s = 0; s < 4; ++s) {
        QVERIFY(maxDiff(images(a.images, (i * 4 + 3) * 4 + s), images(recon, i)) < 1e-5);
      }
    // k = 0 ignores the input: the same samples for every input.
    QVERIFY(maxDiff(images(a.images, 0, 4), images(a.images, 16, 4)) < 1e-6);
  }

  void temperatureChangesOnlyTheScale() {
    const size_t L = model_->info().layers.size();
    const std::vector<float> cold = temperatureSamples(*model_, std::vector<double>(L, 0.0), 3, 5);
    const std::vector<float> same = temperatureSamples(*model_, std::vector<double>(L, 1.0), 3, 5);
    const std::vector<float> again = temperatureSamples(*model_, std::vector<double>(L, 1.0), 3, 5);
    QCOMPARE(same, again);
    // Temperature 0 everywhere is the prior mean path: identical for every sample.
    QVERIFY(maxDiff(images(cold, 0), images(cold, 1)) < 1e-6);
  }

  void layerMixingEnds() {
    const std::vector<float> mix = layerMixing(*model_, *test_, 0, 1);
    const size_t L = model_->info().layers.size();
    QCOMPARE(mix.size(), (L + 1) * 784);
    std::vector<float> x(2 * kPixels);
    test_->copyBatch(0, 2, x.data());
    const std::vector<float> recon = model_->decode(model_->posterior(x.data(), 2, false).z);
    QVERIFY(maxDiff(std::vector<float>(mix.begin(), mix.begin() + 784),
                    std::vector<float>(recon.begin() + 784, recon.end())) < 1e-5);
    QVERIFY(maxDiff(std::vector<float>(mix.end() - 784, mix.end()),
                    std::vector<float>(recon.begin(), recon.begin() + 784)) < 1e-5);
  }

  // Per-unit KL and posterior-mean variance on the 8 reference images, against values
  // computed in PyTorch by tools/make_reference.py. Tolerance 1e-4 (KL), 1e-5 (variance).
  void statisticsAgreeWithPyTorch() {
    const QString dir = STRATA_SOURCE_DIR "/tests/data/models/";
    const std::vector<float> x = readNpy(dir + "fashion_lvae_ref_x.npy").toFloat();
    ArrayDataset batch("reference batch", {1, 28, 28}, std::vector<float>(x));
    std::vector<int64_t> items(8);
    std::iota(items.begin(), items.end(), 0);
    const LatentStats stats = computeLatentStats(*model_, batch, items);
    const std::vector<float> klRef = readNpy(dir + "fashion_lvae_ref_kl.npy").toFloat();
    size_t k = 0;
    for (size_t l = 0; l < stats.layers.size(); ++l) {
      const std::vector<float> means =
          readNpy(dir + QStringLiteral("fashion_lvae_ref_qmean%1.npy").arg(l)).toFloat();
      const size_t units = stats.layers[l].units.size();
      for (size_t u = 0; u < units; ++u, ++k) {
        QVERIFY(std::abs(stats.layers[l].units[u].kl - klRef[k]) < 1e-4);
        double sum = 0, sq = 0;
        for (int i = 0; i < 8; ++i)
          sum += means[size_t(i) * units + u],
              sq += double(means[size_t(i) * units + u]) * means[size_t(i) * units + u];
        const double var = sq / 8 - (sum / 8) * (sum / 8);
        QVERIFY(std::abs(stats.layers[l].units[u].meanVariance - var) < 1e-5);
      }
    }
    QCOMPARE(k, klRef.size());
  }

  // A stream's samples depend on its seed and its own earlier draws only: not on other streams,
  // unseeded sampling or a model load (whose checks seed LibTorch's shared generator) between.
  void sampleStreamsAreIndependent() {
    std::vector<float> pixels(size_t(4) * 784);
    test_->copyBatch(0, 4, pixels.data());
    SampleStream solo(7);
    const Posterior first = model_->posterior(pixels.data(), 4, solo);
    const Posterior second = model_->posterior(pixels.data(), 4, solo);
    QVERIFY(first.z.layers != second.z.layers);
    QVERIFY(first.z.layers != first.qMean.layers);

    SampleStream stream(7), other(8);
    QVERIFY(model_->posterior(pixels.data(), 4, stream).z.layers == first.z.layers);
    QVERIFY(model_->posterior(pixels.data(), 4, other).z.layers != first.z.layers);
    model_->posterior(pixels.data(), 4, true);
    QVERIFY(Model::load(bundledModelPath("fashion_vae.pt")) != nullptr);
    QVERIFY(model_->posterior(pixels.data(), 4, stream).z.layers == second.z.layers);
  }

  void encodingsAreCachedAndInvalidated() {
    QTemporaryDir dir;
    const EncodingCache cache(dir.filePath("cache"));
    std::vector<float> pixels(300 * kPixels);
    test_->copyBatch(0, 300, pixels.data());
    ArrayDataset small("first 300", {1, 28, 28}, std::vector<float>(pixels));
    bool fromCache = true;
    const Encoding first = cache.get(*model_, small, {0, false, 0}, {}, &fromCache);
    QVERIFY(!fromCache);
    QCOMPARE(first.dims, 8);
    QCOMPARE(first.items, int64_t(300));
    const Encoding again = cache.get(*model_, small, {0, false, 0}, {}, &fromCache);
    QVERIFY(fromCache);
    QCOMPARE(again.latents, first.latents);
    QCOMPARE(again.kl, first.kl);
    QCOMPARE(again.description, first.description);
    // Another layer, other data, or a changed model file: a different entry.
    cache.get(*model_, small, {-1, false, 0}, {}, &fromCache);
    QVERIFY(!fromCache);
    ArrayDataset fewer("first 200", {1, 28, 28}, images(pixels, 0, 200));
    cache.get(*model_, fewer, {0, false, 0}, {}, &fromCache);
    QVERIFY(!fromCache);
    // Same name and size, one pixel changed: a different entry too.
    auto edited = pixels;
    edited[123] = 1.0f - edited[123];
    ArrayDataset sameNameAndSize("first 300", {1, 28, 28}, std::move(edited));
    cache.get(*model_, sameNameAndSize, {0, false, 0}, {}, &fromCache);
    QVERIFY(!fromCache);
    const QString copy = dir.filePath("model.pt");
    QVERIFY(QFile::copy(bundledModelPath("fashion_lvae.pt"), copy));
    auto copied = Model::load(copy);
    const QString before = encodingKey(*copied, small, {0, false, 0});
    QFile f(copy);
    QVERIFY(f.open(QIODevice::Append));
    f.write("x");  // the file changed: size and time differ
    f.close();
    auto changed = Model::load(copy);
    QVERIFY(encodingKey(*changed, small, {0, false, 0}) != before);
    // Means: the encoding equals the posterior means; KL and reconstruction error are finite.
    const Posterior q = model_->posterior(pixels.data(), 2, false);
    for (int u = 0; u < 8; ++u)
      QCOMPARE(first.latents[size_t(8 + u)], q.qMean.layers[0][size_t(8 + u)]);
    for (float v : first.kl) QVERIFY(std::isfinite(v) && v >= 0);
    for (float v : first.reconstruction) QVERIFY(std::isfinite(v) && v > 0);
  }

  void pathsAndSpotsOnLatentMaps() {
    QTemporaryDir dir;
    const EncodingCache cache(dir.path());
    std::vector<float> pixels(500 * kPixels);
    test_->copyBatch(0, 500, pixels.data());
    ArrayDataset small("first 500", {1, 28, 28}, std::move(pixels));
    ProjectionRequest request;
    request.source = ProjectionRequest::kAllLayers;
    const ProjectionResult pca = computeProjection(small, model_.get(), cache, request);
    QVERIFY(pca.latentPca);
    // A path through two items starts and ends exactly on them.
    const Posterior q = model_->posterior(small.image(7).data(), 1, false);
    const Posterior r = model_->posterior(small.image(9).data(), 1, false);
    const Latents path = interpolate(q.z, r.z, 5, false);
    QCOMPARE(path.batch, int64_t(5));
    const std::vector<float> xy = placeOnMap(pca, sourceRows(model_->info(), pca.source, path));
    const size_t stride = 3;  // coords are [n, 3]
    QVERIFY(std::abs(xy[0] - pca.coords[7 * stride]) < 1e-3 &&
            std::abs(xy[1] - pca.coords[7 * stride + 1]) < 1e-3);
    QVERIFY(std::abs(xy[8] - pca.coords[9 * stride]) < 1e-3 &&
            std::abs(xy[9] - pca.coords[9 * stride + 1]) < 1e-3);
    // Spherical interpolation keeps the ends too.
    const Latents arc = interpolate(q.z, r.z, 5, true);
    QVERIFY(maxDiff(std::vector<float>(arc.layers[0].begin(), arc.layers[0].begin() + 8),
                    q.z.layers[0]) < 1e-5);
    // Decoding a spot: its latents project back onto the same spot.
    const Latents spot = latentsAtMapPoint(model_->info(), pca, 1.5, -0.5);
    QCOMPARE(spot.layers.size(), model_->info().layers.size());
    const std::vector<float> back = placeOnMap(pca, sourceRows(model_->info(), pca.source, spot));
    QVERIFY(std::abs(back[0] - 1.5f) < 1e-3 && std::abs(back[1] + 0.5f) < 1e-3);
    QCOMPARE(model_->decode(spot).size(), size_t(784));
    // A t-SNE map places a path by neighbours; a one-layer map cannot decode spots.
    request.source = 0;
    const ProjectionResult top = computeProjection(small, model_.get(), cache, request);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, latentsAtMapPoint(model_->info(), top, 0, 0));
    request.method = ProjectionMethod::Tsne;
    request.tsne.iterations = 300;
    const ProjectionResult t = computeProjection(small, model_.get(), cache, request);
    QVERIFY(!t.latentPca);
    const std::vector<float> placed = placeOnMap(t, sourceRows(model_->info(), t.source, path));
    QCOMPARE(placed.size(), size_t(10));
    for (float v : placed) QVERIFY(std::isfinite(v));
  }

  void gifHasTheFramesAndSize() {
    QTemporaryDir dir;
    QVector<QImage> frames;
    for (int i = 0; i < 5; ++i) {
      QImage f(28, 28, QImage::Format_Grayscale8);
      f.fill(i * 50);
      frames << f;
    }
    const QString path = dir.filePath("t.gif");
    writeGif(path, frames, 100, 3);
    int error = 0;
    GifFileType* gif = DGifOpenFileName(QFile::encodeName(path).constData(), &error);
    QVERIFY(gif);
    QCOMPARE(DGifSlurp(gif), GIF_OK);
    QCOMPARE(gif->ImageCount, 5);
    QCOMPARE(gif->SWidth, 84);
    QCOMPARE(gif->SHeight, 84);
    QCOMPARE(int(gif->SavedImages[2].RasterBits[0]), 100);
    DGifCloseFile(gif, &error);
  }
};

STRATA_TEST_GUILESS_MAIN(TestLatentViews)
#include "test_latent_views.moc"
