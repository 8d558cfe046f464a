// .npy / .npz reading (also files numpy wrote) and image folders, good and broken; dataset
// content fingerprints.

#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

#include "core/array_dataset.h"
#include "core/array_readers.h"
#include "core/dsprites.h"
#include "core/errors.h"
#include "core/npy.h"

using namespace strata;

class TestArrayReaders : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;

 private Q_SLOTS:
  void roundTripsNpz() {
    std::vector<uint8_t> images(size_t(4) * 3 * 2);
    for (size_t i = 0; i < images.size(); ++i) images[i] = uint8_t(i * 10);
    const QString path = dir_.filePath("a.npz");
    writeNpz(path, {{"imgs", makeNpy(images, {4, 3, 2})},
                    {"labels", makeNpy(std::vector<int64_t>{0, 1, 2, 1}, {4})}});
    auto ds = loadArrayDataset(path);
    QCOMPARE(ds->size(), int64_t(4));
    QVERIFY(ds->itemShape() == (ItemShape{1, 3, 2}));
    QCOMPARE(ds->image(1)[0], 60.0f / 255.0f);
    QCOMPARE(ds->label(2), 2);
  }

  void readsWhatNumpyWrote() {
    // Written by numpy.savez_compressed (deflated members) in tools/.
    const auto arrays = readNpz(STRATA_SOURCE_DIR "/tests/data/dsprites_reference.npz");
    QCOMPARE(arrays.at("indices").shape.size(), size_t(1));
    QCOMPARE(arrays.at("indices").toInt()[0], int64_t(0));
    QCOMPARE(arrays.at("indices").toInt()[7], int64_t(737279));
  }

  void channelsLastIsTransposed() {
    std::vector<float> hwc(12);  // 1 x 2 x 2 x 3: pixel p, channel c holds (3p + c) / 12
    for (int i = 0; i < 12; ++i) hwc[size_t(i)] = float(i) / 12.0f;
    const QString path = dir_.filePath("rgb.npy");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    const auto bytes = serializeNpy(makeNpy(hwc, {1, 2, 2, 3}));
    f.write(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()));
    f.close();
    auto ds = loadArrayDataset(path);
    QVERIFY(ds->itemShape() == (ItemShape{3, 2, 2}));
    const std::vector<float> chw = ds->image(0);
    for (int c = 0; c < 3; ++c)
      for (int p = 0; p < 4; ++p) QCOMPARE(chw[size_t(c * 4 + p)], float(3 * p + c) / 12.0f);
  }

  void rejectsBadArrays() {
    const QString nan = dir_.filePath("nan.npz");
    writeNpz(nan, {{"imgs", makeNpy(std::vector<float>{0.f, NAN, 0.f, 0.f}, {1, 2, 2})}});
    QVERIFY_THROWS_EXCEPTION(DataError, loadArrayDataset(nan));
    const QString range = dir_.filePath("range.npz");
    writeNpz(range, {{"imgs", makeNpy(std::vector<float>{0.f, 3.f, 0.f, 0.f}, {1, 2, 2})}});
    QVERIFY_THROWS_EXCEPTION(DataError, loadArrayDataset(range));
    const QString shape = dir_.filePath("shape.npz");
    writeNpz(shape, {{"imgs", makeNpy(std::vector<float>{0.f, 0.f}, {2})}});
    QVERIFY_THROWS_EXCEPTION(DataError, loadArrayDataset(shape));
    const QString labels = dir_.filePath("labels.npz");
    writeNpz(labels, {{"imgs", makeNpy(std::vector<float>(8, 0.f), {2, 2, 2})},
                      {"labels", makeNpy(std::vector<int64_t>{1}, {1})}});
    try {
      loadArrayDataset(labels);
      QFAIL("accepted mismatched labels");
    } catch (const DataError& e) {
      QVERIFY(QString(e.what()).contains("1 labels for 2 images"));
    }
    const QString junk = dir_.filePath("junk.npy");
    QFile f(junk);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("not numpy at all");
    f.close();
    QVERIFY_THROWS_EXCEPTION(DataError, loadArrayDataset(junk));
    // A .npy cut short.
    const auto good = serializeNpy(makeNpy(std::vector<float>(100, 0.5f), {4, 5, 5}));
    QFile t(dir_.filePath("cut.npy"));
    QVERIFY(t.open(QIODevice::WriteOnly));
    t.write(reinterpret_cast<const char*>(good.data()), qsizetype(good.size() - 40));
    t.close();
    try {
      loadArrayDataset(dir_.filePath("cut.npy"));
      QFAIL("accepted a truncated file");
    } catch (const DataError& e) {
      QVERIFY(QString(e.what()).contains("truncated"));
    }
  }

  void readsImageFolderWithClasses() {
    QDir root(dir_.filePath("folder"));
    QVERIFY(root.mkpath("cats"));
    QVERIFY(root.mkpath("dogs"));
    for (int i = 0; i < 3; ++i) {
      QImage img(5, 4, QImage::Format_Grayscale8);
      img.fill(i * 50);
      QVERIFY(
          img.save(root.filePath(QStringLiteral("%1/%2.png").arg(i < 2 ? "cats" : "dogs").arg(i))));
    }
    auto ds = loadImageFolder(root.path());
    QCOMPARE(ds->size(), int64_t(3));
    QVERIFY(ds->itemShape() == (ItemShape{1, 4, 5}));
    QCOMPARE(ds->classNames(), (QStringList{"cats", "dogs"}));
    QCOMPARE(ds->label(2), 1);
    QCOMPARE(ds->image(1)[0], 50.0f / 255.0f);

    QImage odd(7, 7, QImage::Format_Grayscale8);
    odd.fill(0);
    QVERIFY(odd.save(root.filePath("dogs/odd.png")));
    QVERIFY_THROWS_EXCEPTION(DataError, loadImageFolder(root.path()));
  }

  // Encodings are cached under the fingerprint, so it must follow every pixel and only pixels.
  void contentFingerprintFollowsPixels() {
    std::vector<uint8_t> pixels(size_t(6) * 5 * 4);
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = uint8_t(i * 7);
    const ArrayDataset original("set", {1, 5, 4}, pixels);
    ArrayDataset same("set", {1, 5, 4}, pixels);
    same.setLabels({0, 1, 0, 1, 0, 1}, {"a", "b"});
    QCOMPARE(same.contentFingerprint(), original.contentFingerprint());
    for (size_t i = 0; i < pixels.size(); i += 13) {
      auto changed = pixels;
      changed[i] ^= 1;
      QVERIFY(ArrayDataset("set", {1, 5, 4}, changed).contentFingerprint() !=
              original.contentFingerprint());
    }
    QVERIFY(ArrayDataset("set", {1, 4, 5}, pixels).contentFingerprint() !=
            original.contentFingerprint());
    QVERIFY(ArrayDataset("set", {1, 5, 4}, pixels, 1.0f).contentFingerprint() !=
            original.contentFingerprint());

    // The default fingerprint hashes the images as the dataset serves them.
    struct Served : Dataset {
      const Dataset& inner;
      explicit Served(const Dataset& d) : inner(d) {}
      QString name() const override { return inner.name(); }
      int64_t size() const override { return inner.size(); }
      ItemShape itemShape() const override { return inner.itemShape(); }
      void copyImage(int64_t i, float* out) const override { inner.copyImage(i, out); }
    };
    auto changed = pixels;
    changed.back() ^= 4;
    const ArrayDataset other("set", {1, 5, 4}, changed);
    QCOMPARE(Served(same).contentFingerprint(), Served(original).contentFingerprint());
    QVERIFY(Served(other).contentFingerprint() != Served(original).contentFingerprint());

    // Every bit of every byte counts, and the seed and the length.
    std::vector<unsigned char> bytes(45, 0x5a);
    const uint64_t base = hashBytes(bytes.data(), bytes.size());
    QVERIFY(hashBytes(bytes.data(), bytes.size(), 1) != base);
    QVERIFY(hashBytes(bytes.data(), bytes.size() - 1) != base);
    for (size_t i = 0; i < bytes.size(); ++i)
      for (int bit = 0; bit < 8; ++bit) {
        bytes[i] ^= uint8_t(1 << bit);
        QVERIFY2(hashBytes(bytes.data(), bytes.size()) != base, qPrintable(QString::number(i)));
        bytes[i] ^= uint8_t(1 << bit);
      }

    // dSprites subsets are identified by their indices.
    QVERIFY(DSpritesDataset({1, 2, 3}).contentFingerprint() !=
            DSpritesDataset({1, 2, 4}).contentFingerprint());
    QCOMPARE(DSpritesDataset({1, 2, 3}).contentFingerprint(),
             DSpritesDataset({1, 2, 3}).contentFingerprint());
  }
};

QTEST_GUILESS_MAIN(TestArrayReaders)
#include "test_array_readers.moc"
