// Encoding a dataset on two lanes (a second copy of the model on its own thread) gives the
// codes one lane gives, bit for bit; a second lane that is never let run changes nothing;
// samples keep their seed's codes; a failure names the same item however the batches were
// shared; a cancel stops both lanes.

#include <QtTest>

#include <atomic>
#include <random>

#include "core/base/errors.h"
#include "core/base/resources.h"
#include "core/base/user_activity.h"
#include "core/data/array_dataset.h"
#include "core/model/encoding.h"
#include "core/model/model.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {

ArrayDataset noiseImages(int64_t items, ItemShape shape) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
  std::vector<float> pixels(size_t(items * shape.pixelCount()));
  for (float& p : pixels) p = pixel(rng);
  return ArrayDataset(QStringLiteral("noise"), shape, std::move(pixels));
}

void compareEncodings(const Encoding& a, const Encoding& b) {
  QCOMPARE(a.items, b.items);
  QCOMPARE(a.dims, b.dims);
  QVERIFY(a.latents == b.latents);
  QVERIFY(a.kl == b.kl);
  QVERIFY(a.reconstruction == b.reconstruction);
}

const QString kHostile = QStringLiteral(STRATA_SOURCE_DIR "/tests/data/models/hostile/");

}  // namespace

class TestEncodingLanes : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void twoLanesGiveTheCodesOneLaneGives() {
    // A hierarchical model: five posterior lists of several layers per batch.
    const auto model = Model::load(bundledModelPath("fashion_lvae.pt"));
    const ArrayDataset data = noiseImages(1200, model->info().input);
    const Encoding one = encodeDataset(*model, data, EncodingChoice{}, {}, 100, {1, {}});
    std::atomic<int> asked{0};
    const Encoding two =
        encodeDataset(*model, data, EncodingChoice{}, {}, 100, {2, [&] { return ++asked > 0; }});
    compareEncodings(one, two);
    QVERIFY(asked > 0);  // the second lane ran (and asked before its batches)
    // A second lane that may never run: the first encodes everything, and returns.
    compareEncodings(
        one, encodeDataset(*model, data, EncodingChoice{}, {}, 100, {2, [] { return false; }}));
    // One layer only.
    EncodingChoice top;
    top.layer = 0;
    compareEncodings(encodeDataset(*model, data, top, {}, 100, {1, {}}),
                     encodeDataset(*model, data, top, {}, 100, {2, {}}));
  }

  void samplesKeepTheirSeedsCodes() {
    const auto model = Model::load(bundledModelPath("fashion_vae.pt"));
    const ArrayDataset data = noiseImages(700, model->info().input);
    EncodingChoice sampled;
    sampled.sample = true;
    sampled.seed = 42;
    const Encoding one = encodeDataset(*model, data, sampled, {}, 100, {1, {}});
    compareEncodings(one, encodeDataset(*model, data, sampled, {}, 100, {2, {}}));
    const Encoding means = encodeDataset(*model, data, EncodingChoice{}, {}, 100, {1, {}});
    QVERIFY(one.latents != means.latents);
  }

  void aFailureNamesTheFirstBadItemWhateverTheLanes() {
    // Valid for batches of 3, NaN at item 4 of every larger batch: every batch of 5 fails,
    // and the error must name the dataset's item 4 however the lanes shared them.
    const auto model = Model::load(kHostile + "runtime_liar.pt");
    const ArrayDataset data("grey", {1, 8, 8}, std::vector<float>(size_t(40 * 64), 0.25f));
    for (int run = 0; run < 5; ++run) {
      try {
        encodeDataset(*model, data, EncodingChoice{}, {}, 5, {2, {}});
        QFAIL("a NaN posterior was encoded");
      } catch (const ModelOutputError& e) {
        QCOMPARE(e.items(), std::vector<int64_t>{4});
      }
    }
  }

  // The gate the window gives the second lane: idle until the user does something, busy for
  // the quiet time after.
  void theIdleGateFollowsTheUser() {
    QVERIFY(userIsIdle());
    noteUserActivity();
    QVERIFY(!userIsIdle(60000));
    QVERIFY(millisecondsSinceUserActivity() < 60000);
    QVERIFY(userIsIdle(0));
  }

  void aCancelStopsBothLanes() {
    const auto model = Model::load(bundledModelPath("fashion_vae.pt"));
    const ArrayDataset data = noiseImages(3000, model->info().input);
    JobControl job;
    std::atomic<int> reports{0};
    job.progress = [&](double) {
      if (++reports == 2) job.cancel.cancel();
    };
    QVERIFY_THROWS_EXCEPTION(Cancelled,
                             encodeDataset(*model, data, EncodingChoice{}, job, 50, {2, {}}));
    QVERIFY(reports < 3000 / 50);
  }
};

STRATA_TEST_GUILESS_MAIN(TestEncodingLanes)
#include "test_encoding_lanes.moc"
