// The IDX reader on good files and on each kind of broken one.

#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>
#include <zlib.h>

#include "core/base/errors.h"
#include "core/data/fashion_mnist.h"
#include "core/data/idx_reader.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {

QByteArray idxBytes(const QList<int>& dims, int rank, quint8 type, qsizetype payload) {
  QByteArray b;
  b.append(char(0)).append(char(0)).append(char(type)).append(char(rank));
  for (int d : dims) {
    b.append(char((d >> 24) & 0xff)).append(char((d >> 16) & 0xff));
    b.append(char((d >> 8) & 0xff)).append(char(d & 0xff));
  }
  for (qsizetype i = 0; i < payload; ++i) b.append(char(i % 251));
  return b;
}

QByteArray imagesFile(int n, int h, int w) {
  return idxBytes({n, h, w}, 3, 0x08, qsizetype(n) * h * w);
}

QByteArray labelsFile(int n) {
  QByteArray b = idxBytes({n}, 1, 0x08, 0);
  for (int i = 0; i < n; ++i) b.append(char(i % 10));
  return b;
}

void writeRaw(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(bytes);
}

void writeGzip(const QString& path, const QByteArray& bytes) {
  gzFile f = gzopen(QFile::encodeName(path).constData(), "wb");
  QVERIFY(f != nullptr);
  QCOMPARE(gzwrite(f, bytes.constData(), unsigned(bytes.size())), int(bytes.size()));
  gzclose(f);
}

// The message of the DataError that reading `path` throws, or "" if none.
QString readError(const QString& path) {
  try {
    readIdx(path);
  } catch (const DataError& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

}  // namespace

class TestIdxReader : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  QString path(const QString& name) const { return dir_.filePath(name); }

 private Q_SLOTS:
  void readsRawAndGzip() {
    const QByteArray bytes = imagesFile(5, 4, 3);
    writeRaw(path("raw-images-idx3-ubyte"), bytes);
    writeGzip(path("gz-images-idx3-ubyte.gz"), bytes);
    for (const QString& name :
         {QStringLiteral("raw-images-idx3-ubyte"), QStringLiteral("gz-images-idx3-ubyte.gz")}) {
      const IdxArray a = readIdx(path(name));
      QCOMPARE(a.dims, (std::vector<int64_t>{5, 4, 3}));
      QCOMPARE(a.data.size(), size_t(60));
      QCOMPARE(int(a.data[7]), 7);
    }
  }

  void datasetWithLabels() {
    writeGzip(path("set-images-idx3-ubyte.gz"), imagesFile(12, 2, 2));
    writeGzip(path("set-labels-idx1-ubyte.gz"), labelsFile(12));
    const QString labels = companionLabelsPath(path("set-images-idx3-ubyte.gz"));
    QCOMPARE(labels, path("set-labels-idx1-ubyte.gz"));
    auto ds = loadIdxDataset(path("set-images-idx3-ubyte.gz"), labels, "set", {});
    QCOMPARE(ds->size(), int64_t(12));
    QVERIFY(ds->itemShape() == (ItemShape{1, 2, 2}));
    QCOMPARE(ds->label(11), 1);
    QCOMPARE(ds->classNames().size(), 10);
    std::vector<float> px = ds->image(1);
    QCOMPARE(px[0], 4.0f / 255.0f);
  }

  void truncatedData() {
    QByteArray bytes = imagesFile(5, 4, 3);
    bytes.chop(10);
    writeRaw(path("truncated"), bytes);
    const QString message = readError(path("truncated"));
    QVERIFY2(message.contains("truncated"), qPrintable(message));
    QVERIFY2(message.contains(path("truncated")), qPrintable(message));
    QVERIFY2(message.contains("5 x 4 x 3"), qPrintable(message));
  }

  void truncatedHeader() {
    writeRaw(path("short"), QByteArray("\0\0\x08\x03\0\0", 6));
    QVERIFY(readError(path("short")).contains("truncated"));
  }

  void truncatedGzipStream() {
    writeGzip(path("full.gz"), imagesFile(50, 28, 28));
    QFile full(path("full.gz"));
    QVERIFY(full.open(QIODevice::ReadOnly));
    QByteArray compressed = full.readAll();
    writeRaw(path("cut.gz"), compressed.left(compressed.size() / 2));
    const QString message = readError(path("cut.gz"));
    QVERIFY2(message.contains("truncated"), qPrintable(message));
  }

  void wrongMagic() {
    QByteArray bytes = imagesFile(2, 2, 2);
    bytes[0] = 'P';
    bytes[1] = 'K';
    writeRaw(path("magic"), bytes);
    QVERIFY(readError(path("magic")).contains("wrong magic number"));
  }

  void unsupportedType() {
    writeRaw(path("floats"), idxBytes({2, 2, 2}, 3, 0x0D, 32));
    QVERIFY(readError(path("floats")).contains("unsupported IDX element type"));
  }

  void sizesDisagree() {
    QByteArray bytes = imagesFile(2, 2, 2);
    bytes.append("extra");
    writeRaw(path("long"), bytes);
    QVERIFY(readError(path("long")).contains("sizes disagree"));
  }

  void labelsDoNotMatchImages() {
    writeRaw(path("m-images-idx3-ubyte"), imagesFile(10, 2, 2));
    writeRaw(path("m-labels-idx1-ubyte"), labelsFile(9));
    try {
      loadIdxDataset(path("m-images-idx3-ubyte"), path("m-labels-idx1-ubyte"), "m", {});
      QFAIL("mismatched labels were accepted");
    } catch (const DataError& e) {
      const QString message = e.what();
      QVERIFY2(message.contains("9 labels for 10 images"), qPrintable(message));
      QVERIFY(message.contains(path("m-labels-idx1-ubyte")));
    }
  }

  void labelsOutsideClassNames() {
    writeRaw(path("c-images-idx3-ubyte"), imagesFile(10, 2, 2));
    writeRaw(path("c-labels-idx1-ubyte"), labelsFile(10));
    QVERIFY_THROWS_EXCEPTION(
        DataError,
        loadIdxDataset(path("c-images-idx3-ubyte"), path("c-labels-idx1-ubyte"), "c", {"a", "b"}));
  }

  void missingFile() { QVERIFY(readError(path("nope")).contains("no such file")); }

  // Dimensions whose product overflows, or exceeds what Strata holds, are refused unread.
  void refusesHugeDimensions() {
    const int big = 0x7fffffff;
    writeRaw(path("huge"), idxBytes({big, big, big, big}, 4, 0x08, 16));
    QString message = readError(path("huge"));
    QVERIFY2(message.contains("more than the 8.0 GB"), qPrintable(message));
    writeRaw(path("wide"), idxBytes({4, big, 2}, 3, 0x08, 0));
    message = readError(path("wide"));
    QVERIFY2(message.contains("more than the 8.0 GB"), qPrintable(message));
    // 2^31 does not fit an image side.
    QByteArray side = idxBytes({1}, 1, 0x08, 0);
    side.replace(4, 4, QByteArray("\x80\0\0\0", 4));
    writeRaw(path("side"), side);
    message = readError(path("side"));
    QVERIFY2(message.contains("dimension 0 is 2147483648"), qPrintable(message));
    // 1 GB declared, 10 bytes present: refused before allocating.
    writeRaw(path("claim"), idxBytes({1000, 1000, 1000}, 3, 0x08, 10));
    message = readError(path("claim"));
    QVERIFY2(message.contains("truncated") && message.contains("but only 10 follow"),
             qPrintable(message));
    // The same from a gzip file of a few dozen bytes: more than its compressed data can hold.
    writeGzip(path("claim.gz"), idxBytes({1000, 1000, 1000}, 3, 0x08, 10));
    message = readError(path("claim.gz"));
    QVERIFY2(message.contains("more than its compressed data can hold"), qPrintable(message));
  }

  // A gzip stream that inflates past the declared size stops with an error at that size.
  void refusesGzipBombs() {
    QByteArray bytes = imagesFile(10, 28, 28);
    bytes.append(QByteArray(64 << 20, 0));
    writeGzip(path("bomb.gz"), bytes);
    QVERIFY(QFileInfo(path("bomb.gz")).size() < (1 << 20));
    const QString message = readError(path("bomb.gz"));
    QVERIFY2(message.contains("sizes disagree") && message.contains("but more follow"),
             qPrintable(message));
  }

  // Several gzip members back to back read as one stream, as gzip itself reads them.
  void readsConcatenatedGzip() {
    const QByteArray bytes = imagesFile(4, 3, 3);
    writeGzip(path("a.gz"), bytes.left(20));
    writeGzip(path("b.gz"), bytes.mid(20));
    QFile a(path("a.gz")), b(path("b.gz"));
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    writeRaw(path("ab.gz"), a.readAll() + b.readAll());
    QCOMPARE(readIdx(path("ab.gz")).data.size(), size_t(36));
  }

  void refusesDevicesAndFifos() {
    QVERIFY(readError("/dev/zero").contains("not a regular file"));
    QVERIFY(readError(dir_.path()).contains("is a folder"));
    const QString fifo = path("fifo-images-idx3-ubyte");
    QCOMPARE(mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    QVERIFY(readError(fifo).contains("not a regular file"));
    QFile::remove(fifo);
  }

  void refusesLabelsOutsideTheClasses() {
    writeRaw(path("k-images-idx3-ubyte"), imagesFile(3, 2, 2));
    QByteArray labels = idxBytes({3}, 1, 0x08, 0);
    labels.append(char(0)).append(char(12)).append(char(1));
    writeRaw(path("k-labels-idx1-ubyte"), labels);
    try {
      loadIdxDataset(path("k-images-idx3-ubyte"), path("k-labels-idx1-ubyte"), "k",
                     {"a", "b", "c"});
      QFAIL("a label outside the classes was accepted");
    } catch (const DataError& e) {
      QVERIFY2(QString(e.what()).contains("item 1 has label 12"), e.what());
    }
  }

  void fashionMnistTestSplit() {
    if (!fashionMnistAvailable()) QSKIP("dataset-fashion-mnist is not installed");
    auto ds = loadFashionMnist(Split::Test);
    QCOMPARE(ds->size(), int64_t(10000));
    QVERIFY(ds->itemShape() == (ItemShape{1, 28, 28}));
    QCOMPARE(ds->classNames().size(), 10);
    QCOMPARE(ds->classNames()[9], QStringLiteral("Ankle boot"));
    // The first test item is an ankle boot (label 9), as in every Fashion-MNIST copy.
    QCOMPARE(ds->label(0), 9);
    std::vector<int> counts(10, 0);
    for (int64_t i = 0; i < ds->size(); ++i) counts[size_t(ds->label(i))]++;
    for (int c : counts) QCOMPARE(c, 1000);
  }
};

STRATA_TEST_GUILESS_MAIN(TestIdxReader)
#include "test_idx_reader.moc"
