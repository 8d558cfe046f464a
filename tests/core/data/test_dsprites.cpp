// The dSprites generator: exact factor grid, images that follow their factors, and the same
// pixels as the Python generator used for training.

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include "core/data/dsprites.h"
#include "core/data/npy.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {

struct Moments {
  double area = 0, cx = 0, cy = 0;
};

Moments moments(const DSpritesFactors& f) {
  uint8_t px[64 * 64];
  DSpritesDataset::render(f, px);
  Moments m;
  for (int r = 0; r < 64; ++r)
    for (int c = 0; c < 64; ++c)
      if (px[r * 64 + c]) m.area += 1, m.cx += c + 0.5, m.cy += r + 0.5;
  if (m.area > 0) m.cx /= m.area, m.cy /= m.area;
  return m;
}

}  // namespace

class TestDSprites : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void factorGridIsTheStandardOne() {
    DSpritesDataset all;
    QCOMPARE(all.size(), int64_t(737280));
    QCOMPARE(all.factorNames(), (QStringList{"shape", "scale", "orientation", "pos_x", "pos_y"}));
    const auto first = DSpritesDataset::values(DSpritesDataset::unflatten(0));
    const auto last = DSpritesDataset::values(DSpritesDataset::unflatten(737279));
    QCOMPARE(first[1], 0.5);
    QCOMPARE(last[1], 1.0);
    QCOMPARE(first[2], 0.0);
    QCOMPARE(last[2], 2 * M_PI);
    QCOMPARE(last[3], 1.0);
    QCOMPARE(last[4], 1.0);
    QCOMPARE(int(last[0]), 2);
    for (int64_t i : {int64_t(0), int64_t(12345), int64_t(737279)})
      QCOMPARE(DSpritesDataset::flatten(DSpritesDataset::unflatten(i)), i);
    // Orientation index 10 is 10/39 of a full turn, as numpy.linspace(0, 2 pi, 40) gives.
    QVERIFY(std::abs(DSpritesDataset::values({0, 0, 10, 0, 0})[2] - 10 * 2 * M_PI / 39) < 1e-12);
  }

  void centroidFollowsPosition() {
    for (int shape = 0; shape < 3; ++shape) {
      double lastX = -1, lastY = -1;
      for (int p = 0; p < 32; p += 5) {
        const Moments mx = moments({shape, 3, 0, p, 16});
        const Moments my = moments({shape, 3, 0, 16, p});
        QVERIFY(mx.cx > lastX);
        QVERIFY(my.cy > lastY);
        lastX = mx.cx, lastY = my.cy;
      }
      // pos_x moves the centroid by 32 px over its range.
      const double span = moments({shape, 5, 0, 31, 16}).cx - moments({shape, 5, 0, 0, 16}).cx;
      QVERIFY2(std::abs(span - 32.0) < 1.5, qPrintable(QString::number(span)));
    }
  }

  void areaGrowsWithScale() {
    for (int shape = 0; shape < 3; ++shape) {
      double last = 0;
      for (int s = 0; s < 6; ++s) {
        const double area = moments({shape, s, 0, 16, 16}).area;
        QVERIFY(area > last);
        last = area;
      }
      // Area goes with scale squared: scale 1 over scale 0.5 gives about 4x.
      const double ratio =
          moments({shape, 5, 0, 16, 16}).area / moments({shape, 0, 0, 16, 16}).area;
      QVERIFY2(ratio > 3.5 && ratio < 4.5, qPrintable(QString::number(ratio)));
    }
    // A square of half-size 10 px covers about 400 px.
    QVERIFY(std::abs(moments({0, 5, 0, 16, 16}).area - 400) < 10);
  }

  void rotationKeepsArea() {
    const double a0 = moments({2, 5, 0, 16, 16}).area;
    const double a1 = moments({2, 5, 13, 16, 16}).area;
    QVERIFY(std::abs(a0 - a1) / a0 < 0.05);
  }

  void matchesThePythonGenerator() {
    const auto ref = readNpz(STRATA_SOURCE_DIR "/tests/data/dsprites_reference.npz");
    const std::vector<int64_t> indices = ref.at("indices").toInt();
    const NpyArray& imgs = ref.at("imgs");
    QCOMPARE(imgs.shape, (std::vector<int64_t>{int64_t(indices.size()), 64, 64}));
    int mismatched = 0;
    for (size_t i = 0; i < indices.size(); ++i) {
      uint8_t px[64 * 64];
      DSpritesDataset::render(DSpritesDataset::unflatten(indices[i]), px);
      mismatched += std::memcmp(px, imgs.bytes.data() + i * 4096, 4096) != 0;
    }
    QCOMPARE(mismatched, 0);
  }

  // The edge cases listed by tools/make_reference.py (every shape and scale, extreme
  // positions and orientations).
  void matchesThePythonGeneratorAtTheEdges() {
    const QString dir = STRATA_SOURCE_DIR "/tests/data/models/";
    const std::vector<int64_t> indices = readNpy(dir + "dsprites_gen_ref_indices.npy").toInt();
    const NpyArray images = readNpy(dir + "dsprites_gen_ref_images.npy");
    QCOMPARE(images.count(), int64_t(indices.size()) * 4096);
    for (size_t i = 0; i < indices.size(); ++i) {
      uint8_t px[64 * 64];
      DSpritesDataset::render(DSpritesDataset::unflatten(indices[i]), px);
      QVERIFY2(std::memcmp(px, images.bytes.data() + i * 4096, 4096) == 0,
               qPrintable(QString::number(indices[i])));
    }
  }

  void writesNpzThatReadsBack() {
    QTemporaryDir dir;
    DSpritesDataset subset({0, 5000, 737279});
    const QString path = dir.filePath("d.npz");
    writeDSpritesNpz(path, subset);
    const auto arrays = readNpz(path);
    QCOMPARE(arrays.at("imgs").shape, (std::vector<int64_t>{3, 64, 64}));
    QCOMPARE(arrays.at("latents_classes").toInt()[14], int64_t(31));  // pos_y of the last item
    std::vector<float> image = subset.image(1);
    for (int p = 0; p < 4096; ++p)
      QCOMPARE(float(arrays.at("imgs").bytes[size_t(4096 + p)]), image[size_t(p)]);
  }
};

STRATA_TEST_GUILESS_MAIN(TestDSprites)
#include "test_dsprites.moc"
