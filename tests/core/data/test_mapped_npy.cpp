// .npy files opened by mapping: the same values, items and refusals as reading them, a file
// truncated while it is mapped refused with a message (on the GUI thread and a worker's), and
// embedding files and shards opened the same way.

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <thread>

#include "core/analysis/embedding_file.h"
#include "core/base/errors.h"
#include "core/data/guarded_copy.h"
#include "core/data/mapped_npy.h"
#include "core/data/npy.h"
#include "tests/support/refusal.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {

void writeNpy(const QString& path, const NpyArray& array) {
  const std::vector<uint8_t> bytes = serializeNpy(array);
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  QCOMPARE(f.write(reinterpret_cast<const char*>(bytes.data()), qint64(bytes.size())),
           qint64(bytes.size()));
}

void writeBytes(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(bytes);
}

// Whatever `read` throws, as text ("" if nothing).
template <class F>
std::string errorOf(F read) {
  try {
    read();
  } catch (const DataError& e) {
    return e.what();
  }
  return {};
}

}  // namespace

class TestMappedNpy : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;

 private Q_SLOTS:
  // The guard answers only its own copies' faults. A fault elsewhere, or a SIGBUS another
  // process sends, still stops the process (in a child here) instead of being swallowed or
  // looping in the handler. First of the tests: the child's first guarded copy installs the
  // guard over the default action (not over the test framework's crash handler, which would
  // print a stack trace).
  void otherBusErrorsStillStopTheProcess() {
    const QString path = dir_.filePath("unguarded.npy");
    for (const bool sent : {false, true}) {
      writeNpy(path, makeNpy(std::vector<float>(4 << 20, 1.f), {2 << 20, 2}));
      const pid_t child = fork();
      QVERIFY(child >= 0);
      if (child == 0) {
        alarm(20);  // a handler that looped would otherwise hang the test
        signal(SIGBUS, SIG_DFL);
        int from = 1, to = 0;
        copyFromMapping(&to, &from, sizeof from);  // Strata's handler is installed
        if (sent) {
          raise(SIGBUS);
          _exit(3);
        }
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) _exit(4);
        const qint64 size = file.size();
        const uchar* mapped = file.map(0, size);
        if (!mapped || !QFile::resize(path, 4096)) _exit(5);
        const volatile uchar past = mapped[size - 1];  // not a guarded copy
        (void)past;
        _exit(3);
      }
      int status = 0;
      QCOMPARE(waitpid(child, &status, 0), child);
      QVERIFY2(WIFSIGNALED(status), qPrintable(QString("exit %1").arg(WEXITSTATUS(status))));
      QVERIFY(WTERMSIG(status) != SIGALRM);
    }
  }

  void givesWhatReadingGives() {
    std::vector<double> doubles = {1.5, -2.25, NAN, 1e300, 0.0, 7.0};
    std::vector<int64_t> ints = {-3, 0, 9007199254740993LL, INT64_MAX};
    std::vector<uint8_t> bytes = {0, 1, 255};
    std::vector<float> floats(1000);
    for (size_t i = 0; i < floats.size(); ++i) floats[i] = float(i) * 0.5f - 3.0f;
    const NpyArray arrays[] = {makeNpy(doubles, {3, 2}), makeNpy(ints, {4}), makeNpy(bytes, {3, 1}),
                               makeNpy(floats, {500, 2})};
    for (const NpyArray& array : arrays) {
      const QString path = dir_.filePath("array.npy");
      writeNpy(path, array);
      const NpyArray read = readNpy(path);
      const MappedNpy mapped(path);
      QVERIFY(mapped.mapped());
      QCOMPARE(mapped.shape(), read.shape);
      QCOMPARE(mapped.header().typeName(), read.typeName());
      QCOMPARE(mapped.where(), path.toStdString());
      const std::vector<float> a = mapped.toFloat(), b = read.toFloat();
      QCOMPARE(a.size(), b.size());
      QVERIFY(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
      for (int64_t i = 0; i < read.count(); ++i) QCOMPARE(mapped.textAt(i), read.textAt(i));
      QCOMPARE(errorOf([&] { mapped.toInt(); }), errorOf([&] { read.toInt(); }));
      if (array.kind != 'f') QCOMPARE(mapped.toInt(), read.toInt());
    }
  }

  // Conversions go part by part; a bad item far into the array is named by its own index.
  void namesItemsAcrossParts() {
    std::vector<double> values(1500000, 1.0);
    values[1234567] = 2.5;
    const QString path = dir_.filePath("long.npy");
    writeNpy(path, makeNpy(values, {int64_t(values.size())}));
    const MappedNpy mapped(path);
    QVERIFY_REFUSED(mapped.toInt(), "long.npy", "item 1234567 is 2.5");
    const std::vector<float> floats = mapped.toFloat();
    QCOMPARE(floats[1234567], 2.5f);
    QCOMPARE(floats[1499999], 1.0f);
  }

  void refusesWhatReadingRefuses() {
    const QString path = dir_.filePath("bad.npy");
    const QByteArray good = [] {
      const std::vector<uint8_t> b = serializeNpy(makeNpy(std::vector<float>(16, 1.f), {4, 4}));
      return QByteArray(reinterpret_cast<const char*>(b.data()), qsizetype(b.size()));
    }();
    const QByteArray cases[] = {good.left(good.size() - 4), good + QByteArray(4, 0), good.left(20),
                                QByteArray("not numpy at all"), QByteArray()};
    for (const QByteArray& bytes : cases) {
      writeBytes(path, bytes);
      const std::string read = errorOf([&] { readNpy(path); });
      QVERIFY(!read.empty());
      QCOMPARE(errorOf([&] { MappedNpy mapped(path); }), read);
    }
    QVERIFY_REFUSED(MappedNpy(dir_.filePath("absent.npy")), "absent.npy", "no such file");
    QVERIFY_REFUSED(MappedNpy(dir_.path()), "is a folder");
  }

  void anEmptyArrayMapsNothing() {
    const QString path = dir_.filePath("empty.npy");
    writeNpy(path, makeNpy(std::vector<float>{}, {0, 2}));
    const MappedNpy mapped(path);
    QCOMPARE(mapped.count(), int64_t(0));
    QVERIFY(mapped.toFloat().empty());
    QVERIFY(mapped.toInt().empty());
  }

  // Another program truncates the file while it is mapped: the pages past its new end fault,
  // and the copy reports it instead of the process dying, on any thread, as often as it happens.
  void aFileTruncatedWhileMappedIsRefused() {
    const QString path = dir_.filePath("shrinking.npy");
    for (int round = 0; round < 3; ++round) {
      writeNpy(path, makeNpy(std::vector<float>(4 << 20, 1.f), {2 << 20, 2}));
      const MappedNpy mapped(path);
      QVERIFY(mapped.mapped());
      QVERIFY(QFile::resize(path, 4096));
      std::string message;
      if (round == 1) {
        std::thread worker([&] { message = errorOf([&] { mapped.toFloat(); }); });
        worker.join();
      } else {
        message = errorOf([&] { mapped.toFloat(); });
      }
      QVERIFY2(message.find("shrinking.npy") != std::string::npos, message.c_str());
      QVERIFY2(message.find("shrank while it was read") != std::string::npos, message.c_str());
    }
    // Cut within the last page: those bytes read as zeros without a fault; the size tells.
    writeNpy(path, makeNpy(std::vector<float>(4 << 20, 1.f), {2 << 20, 2}));
    {
      const MappedNpy mapped(path);
      QVERIFY(QFile::resize(path, QFileInfo(path).size() - 100));
      QVERIFY_REFUSED(mapped.toFloat(), "shrinking.npy", "shrank while it was read");
    }
    // Other dtypes go part by part, and single items too.
    writeNpy(path, makeNpy(std::vector<double>(2 << 20, 1.0), {2 << 20}));
    {
      const MappedNpy mapped(path);
      QVERIFY(QFile::resize(path, 4096));
      QVERIFY_REFUSED(mapped.toFloat(), "shrinking.npy", "shrank while it was read");
      QVERIFY_REFUSED(mapped.toInt(), "shrinking.npy", "shrank while it was read");
      QVERIFY_REFUSED(mapped.textAt(mapped.count() - 1), "shrinking.npy", "shrank");
    }
    // Guarded copies of memory that is there still copy.
    const std::vector<int> from = {1, 2, 3};
    std::vector<int> to(3);
    QVERIFY(copyFromMapping(to.data(), from.data(), sizeof(int) * 3));
    QCOMPARE(to, from);
  }

  void embeddingFilesAreMapped() {
    std::vector<float> coords(2000);
    for (size_t i = 0; i < coords.size(); ++i) coords[i] = float(i) / 7.f;
    const QString path = dir_.filePath("coords.npy");
    writeNpy(path, makeNpy(coords, {1000, 2}));
    const EmbeddingFile file = loadEmbeddingFile(path);
    QCOMPARE(file.vectors->items, int64_t(1000));
    QCOMPARE(file.vectors->dims, 2);
    QCOMPARE(file.vectors->latents, coords);
    QCOMPARE(file.dataset->size(), int64_t(1000));
    QVERIFY(!file.hasImages);

    coords[1501] = INFINITY;
    writeNpy(path, makeNpy(coords, {1000, 2}));
    QVERIFY_REFUSED(loadEmbeddingFile(path), "coords.npy", "vector 750 holds inf");
    writeNpy(path, makeNpy(std::vector<float>(6, 1.f), {6}));
    QVERIFY_REFUSED(loadEmbeddingFile(path), "coords.npy", "2-D array");
  }
};

STRATA_TEST_GUILESS_MAIN(TestMappedNpy)
#include "test_mapped_npy.moc"
