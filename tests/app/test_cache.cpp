// What Strata keeps on disk is found again by the next process: cache keys use a hash whose
// value is fixed by its specification (not a per-process seed), the cache folder stays under
// its size limit (least recently used first) and can be emptied.

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "core/base/cache_folder.h"
#include "core/base/resources.h"
#include "core/data/dataset.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {

QStringList filesIn(const QString& folder) {
  return QDir(folder).entryList(QDir::Files);
}

void writeBytes(const QString& path, int bytes, const QDateTime& used) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(QByteArray(bytes, 'x'));
  f.close();
  QVERIFY(f.open(QIODevice::ReadWrite));
  QVERIFY(f.setFileTime(used, QFileDevice::FileModificationTime));
}

}  // namespace

class TestCache : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void hashIsXxh3AsSpecified() {
    // Published XXH3-64 values: a hash that changed with the process (Qt's seeded qHashBits)
    // or the library version would make every cached entry unreachable.
    QCOMPARE(hashBytes("", 0), Q_UINT64_C(0x2D06800538D394C2));
    const char* text = "strata";
    QCOMPARE(hashBytes(text, 6), hashBytes(text, 6));
    QVERIFY(hashBytes(text, 6, 1) != hashBytes(text, 6, 0));
  }

  void secondProcessReadsWhatTheFirstWrote() {
    QTemporaryDir cache, out;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("STRATA_CACHE_DIR", cache.path());
    const QStringList args{
        "metrics",    bundledModelPath("fashion_vae.pt"),
        "--data",     QStringLiteral(STRATA_SOURCE_DIR "/tests/data/models/fashion_vae_ref_x.npy"),
        "--items",    "0",
        "--iw-items", "4",
        "--iw-k",     "5",
        "--json",     out.filePath("table.json")};
    QProcess first;
    first.setProcessEnvironment(env);
    first.start(STRATA_EXECUTABLE, args);
    QVERIFY(first.waitForFinished(300000));
    QVERIFY2(first.exitCode() == 0, first.readAllStandardError().constData());
    const QString metricsFolder = cache.filePath("metrics");
    QCOMPARE(filesIn(metricsFolder).size(), 1);

    // Mark the cached table, so the second run shows whether it read it or recomputed.
    const QString entry = QDir(metricsFolder).filePath(filesIn(metricsFolder).first());
    QFile file(entry);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QJsonObject table = QJsonDocument::fromJson(file.readAll()).object();
    file.close();
    table["model"] = "read back from the cache";
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(QJsonDocument(table).toJson());
    file.close();

    QProcess second;
    second.setProcessEnvironment(env);
    second.start(STRATA_EXECUTABLE, args);
    QVERIFY(second.waitForFinished(300000));
    QVERIFY2(second.exitCode() == 0, second.readAllStandardError().constData());
    QCOMPARE(filesIn(metricsFolder).size(), 1);
    QFile written(out.filePath("table.json"));
    QVERIFY(written.open(QIODevice::ReadOnly));
    QVERIFY(written.readAll().contains("read back from the cache"));
  }

  void folderStaysUnderItsLimitLeastRecentlyUsedFirst() {
    QTemporaryDir cache;
    qputenv("STRATA_CACHE_DIR", cache.path().toUtf8());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    writeBytes(cache.filePath("encodings/old.npz"), 4000, now.addDays(-3));
    writeBytes(cache.filePath("metrics/middle.json"), 4000, now.addDays(-2));
    writeBytes(cache.filePath("encodings/new.npz"), 4000, now.addDays(-1));
    QCOMPARE(CacheFolder::usage().bytes, int64_t(12000));
    CacheFolder::touch(cache.filePath("encodings/old.npz"));  // used again: now the newest
    QCOMPARE(CacheFolder::prune(9000), 1);
    QVERIFY(QFile::exists(cache.filePath("encodings/old.npz")));
    QVERIFY(!QFile::exists(cache.filePath("metrics/middle.json")));
    QVERIFY(QFile::exists(cache.filePath("encodings/new.npz")));
    QCOMPARE(CacheFolder::prune(9000), 0);
    QCOMPARE(CacheFolder::clear(), 2);
    QCOMPARE(CacheFolder::usage().files, 0);
    qunsetenv("STRATA_CACHE_DIR");
  }

  void cacheCommandShowsAndClears() {
    QTemporaryDir cache;
    writeBytes(cache.filePath("metrics/a.json"), 100, QDateTime::currentDateTimeUtc());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("STRATA_CACHE_DIR", cache.path());
    QProcess strata;
    strata.setProcessEnvironment(env);
    strata.start(STRATA_EXECUTABLE, {"cache"});
    QVERIFY(strata.waitForFinished(60000));
    QCOMPARE(strata.exitCode(), 0);
    QVERIFY(strata.readAllStandardOutput().contains("in 1 files"));
    strata.start(STRATA_EXECUTABLE, {"cache", "--clear"});
    QVERIFY(strata.waitForFinished(60000));
    QCOMPARE(strata.exitCode(), 0);
    QVERIFY(!QFile::exists(cache.filePath("metrics/a.json")));
  }
};

STRATA_TEST_GUILESS_MAIN(TestCache)
#include "test_cache.moc"
