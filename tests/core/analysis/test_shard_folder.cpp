// Shard folders: written here and by the Python tools (a second process), read as one
// embedding in item order; hostile and inconsistent folders refused with the file or field.

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include "core/analysis/embedding_file.h"
#include "core/analysis/shard_folder.h"
#include "core/base/errors.h"
#include "core/data/npy.h"
#include "tests/support/refusal.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {

const QString kSource = QStringLiteral(STRATA_SOURCE_DIR);

void writeArray(const QString& path, const NpyArray& array) {
  const std::vector<uint8_t> bytes = serializeNpy(array);
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()));
}

void writeJson(const QString& path, const QJsonObject& o) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(QJsonDocument(o).toJson());
}

// Shard k of n items, dims values each: item i's value j is i * 10 + j.
std::vector<float> shardValues(int64_t first, int64_t n, int dims) {
  std::vector<float> v;
  for (int64_t i = first; i < first + n; ++i)
    for (int j = 0; j < dims; ++j) v.push_back(float(i * 10 + j));
  return v;
}

QJsonObject manifest(const QString& kind, int dims, int64_t items, const QJsonArray& shards) {
  return {{"format", "strata-shards"}, {"version", 1},    {"kind", kind}, {"dims", dims},
          {"items", qint64(items)},    {"shards", shards}};
}

}  // namespace

class TestShardFolder : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void readsShardsInOrderWithLabels() {
    QTemporaryDir dir;
    const int dims = 2;
    QJsonArray shards;
    int64_t first = 0;
    for (int k = 0; k < 3; ++k) {
      const int64_t n = 4 + k;
      const QString part = QStringLiteral("part-%1.npy").arg(k, 5, 10, QChar('0'));
      const QString labels = QStringLiteral("labels-%1.npy").arg(k, 5, 10, QChar('0'));
      // float64 in the middle shard: converted like the others.
      const std::vector<float> values = shardValues(first, n, dims);
      if (k == 1)
        writeArray(dir.filePath(part),
                   makeNpy(std::vector<double>(values.begin(), values.end()), {n, dims}));
      else
        writeArray(dir.filePath(part), makeNpy(values, {n, dims}));
      std::vector<int64_t> classes;
      for (int64_t i = first; i < first + n; ++i) classes.push_back(i % 3);
      writeArray(dir.filePath(labels), makeNpy(classes, {n}));
      shards.append(QJsonObject{{"vectors", part}, {"labels", labels}, {"items", qint64(n)}});
      first += n;
    }
    writeJson(dir.filePath("manifest.json"), manifest("coordinates", dims, first, shards));
    QVERIFY(isShardFolder(dir.path()));
    QVERIFY(isShardFolder(dir.filePath("manifest.json")));
    std::vector<double> progress;
    JobControl job;
    job.progress = [&](double f) { progress.push_back(f); };
    for (const QString& path : {dir.path(), dir.filePath("manifest.json")}) {
      const EmbeddingFile file = loadEmbeddingFile(path, job);
      QVERIFY(file.coordinates);
      QCOMPARE(file.vectors->items, first);
      QCOMPARE(file.vectors->dims, dims);
      QCOMPARE(file.vectors->latents, shardValues(0, first, dims));
      QCOMPARE(file.dataset->size(), first);
      for (int64_t i = 0; i < first; ++i) QCOMPARE(file.dataset->label(i), int(i % 3));
    }
    QVERIFY(!progress.empty() && progress.back() == 1.0);
  }

  void readsAFolderOfPartsWithoutAManifest() {
    QTemporaryDir dir;
    writeArray(dir.filePath("part-00000.npy"), makeNpy(shardValues(0, 3, 4), {3, 4}));
    writeArray(dir.filePath("part-00001.npy"), makeNpy(shardValues(3, 2, 4), {2, 4}));
    const EmbeddingFile file = loadEmbeddingFile(dir.path());
    QVERIFY(!file.coordinates);
    QCOMPARE(file.vectors->items, int64_t(5));
    QCOMPARE(file.vectors->latents, shardValues(0, 5, 4));
    QVERIFY(!isShardFolder(QDir::tempPath() + "/no-such-folder"));
  }

  // A folder the Python tools wrote (the writer of tools/encode_distributed.py), read here.
  void readsWhatThePythonWriterWrote() {
    QTemporaryDir dir;
    const QString script = QStringLiteral(
        "import sys, numpy as np\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from strata_tools import shards\n"
        "folder = sys.argv[2]\n"
        "entries = []\n"
        "for k, (a, b) in enumerate([(0, 5), (5, 12)]):\n"
        "    v = np.arange(a * 3, b * 3, dtype=np.float32).reshape(b - a, 3)\n"
        "    entries.append(shards.write_shard(folder, k, v, np.arange(a, b) % 4))\n"
        "shards.write_manifest(folder, shards.make_manifest('latents', 3, entries, model='m.pt', "
        "data='d', layer='all-layers'))\n");
    QProcess python;
    python.start("/usr/bin/python3", {"-c", script, kSource + "/tools", dir.path()});
    QVERIFY(python.waitForFinished(60000));
    QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
    const EmbeddingFile file = loadEmbeddingFile(dir.path());
    QCOMPARE(file.vectors->items, int64_t(12));
    QCOMPARE(file.vectors->dims, 3);
    for (int i = 0; i < 36; ++i) QCOMPARE(file.vectors->latents[size_t(i)], float(i));
    QCOMPARE(file.dataset->label(11), 11 % 4);
  }

  void refusesWhatItCannotUse() {
    QTemporaryDir dir;
    const QString m = dir.filePath("manifest.json");
    writeArray(dir.filePath("part-00000.npy"), makeNpy(shardValues(0, 3, 2), {3, 2}));
    const QJsonArray one{QJsonObject{{"vectors", "part-00000.npy"}, {"items", 3}}};
    auto withManifest = [&](const QJsonObject& o) {
      writeJson(m, o);
      return dir.path();
    };
    QCOMPARE(loadShardFolder(dir.path()).vectors->items, int64_t(3));
    QJsonObject newer = manifest("latents", 2, 3, one);
    newer["version"] = 2;
    QVERIFY_REFUSED(loadShardFolder(withManifest(newer)), "manifest.json", "version 2",
                    "newer Strata");
    QJsonObject other = manifest("latents", 2, 3, one);
    other["format"] = "something-else";
    QVERIFY_REFUSED(loadShardFolder(withManifest(other)), "not a shard manifest");
    QVERIFY_REFUSED(loadShardFolder(withManifest(manifest("pixels", 2, 3, one))), "'kind'");
    QVERIFY_REFUSED(loadShardFolder(withManifest(manifest("latents", 2, 4, one))),
                    "the shards hold 3 items but 'items' says 4");
    QVERIFY_REFUSED(loadShardFolder(withManifest(manifest("coordinates", 5, 3, one))), "'dims'");
    // Names that leave the folder, or are not plain .npy names.
    for (const char* name : {"../part-00000.npy", "/etc/passwd", "sub/part.npy", "part.txt"}) {
      const QJsonArray hostile{QJsonObject{{"vectors", name}, {"items", 3}}};
      QVERIFY_REFUSED(loadShardFolder(withManifest(manifest("latents", 2, 3, hostile))),
                      "shards[0].vectors must name a .npy file in the folder");
    }
    // The file and the manifest disagree.
    const QJsonArray wrongCount{QJsonObject{{"vectors", "part-00000.npy"}, {"items", 2}}};
    QVERIFY_REFUSED(loadShardFolder(withManifest(manifest("latents", 2, 2, wrongCount))),
                    "part-00000.npy", "holds 3 items; the manifest says 2");
    const QJsonArray missing{QJsonObject{{"vectors", "part-00009.npy"}, {"items", 3}}};
    QVERIFY_REFUSED(loadShardFolder(withManifest(manifest("latents", 2, 3, missing))),
                    "part-00009.npy");
    // Shards that disagree with each other.
    writeArray(dir.filePath("part-00001.npy"), makeNpy(shardValues(0, 2, 3), {2, 3}));
    QFile::remove(m);
    QVERIFY_REFUSED(loadShardFolder(dir.path()), "part-00001.npy", "vectors of 3 values", "have 2");
    writeArray(dir.filePath("part-00001.npy"), makeNpy(std::vector<float>{1, NAN}, {1, 2}));
    QVERIFY_REFUSED(loadShardFolder(dir.path()), "part-00001.npy", "vector 0 holds nan");
    writeArray(dir.filePath("part-00001.npy"), makeNpy(std::vector<float>{1, 2}, {1, 2}));
    writeArray(dir.filePath("labels-00001.npy"), makeNpy(std::vector<int64_t>{0}, {1}));
    QVERIFY_REFUSED(loadShardFolder(dir.path()), "labels come with some shards only");
    QFile::remove(dir.filePath("labels-00001.npy"));
    writeArray(dir.filePath("part-00001.npy"), makeNpy(std::vector<int64_t>{1, 2}, {1, 2}));
    QVERIFY_REFUSED(loadShardFolder(dir.path()), "float32 or float64, not int64");
    // A manifest that is not JSON, and an empty folder.
    QFile bad(m);
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("{ not json");
    bad.close();
    QVERIFY_REFUSED(loadShardFolder(dir.path()), "manifest.json");
    QTemporaryDir empty;
    QVERIFY(!isShardFolder(empty.path()));
    QVERIFY_REFUSED(loadShardFolder(empty.path()), "neither manifest.json nor part-*.npy");
  }
};

STRATA_TEST_GUILESS_MAIN(TestShardFolder)
#include "test_shard_folder.moc"
