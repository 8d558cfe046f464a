// Session files name their choices (projection method, map source, view) rather than storing
// enum numbers, and files written before that, with numbers, still read with the same meaning:
// checked in a second process, which knows only what the file holds.

#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTextStream>
#include <QtTest>

#include <cstring>

#include "app/session_format.h"
#include "core/base/errors.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {

const QString kCorpus = QStringLiteral(STRATA_SOURCE_DIR "/tests/fuzz/corpus/session");

// What a session file reads as, one line: the child process prints it, the parent compares.
QString summary(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return QStringLiteral("unreadable");
  QStringList problems;
  const Session s = parseSession(QJsonDocument::fromJson(file.readAll()).object(), path, &problems);
  return QStringLiteral("view=%1 source=%2 method=%3 seed=%4 problems=%5")
      .arg(s.view)
      .arg(s.mapSource)
      .arg(int(s.mapMethod))
      .arg(s.mapSeed)
      .arg(problems.size());
}

QString expected(const QString& view, int source, ProjectionMethod method, qint64 seed) {
  return QStringLiteral("view=%1 source=%2 method=%3 seed=%4 problems=0")
      .arg(view)
      .arg(source)
      .arg(int(method))
      .arg(seed);
}

QString readInChild(const QString& path) {
  QProcess child;
  child.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--summary"), path});
  if (!child.waitForFinished(30000) || child.exitCode() != 0) return QStringLiteral("failed");
  return QString::fromUtf8(child.readAllStandardOutput()).trimmed();
}

bool writeJson(const QString& path, const QJsonObject& json) {
  QFile file(path);
  return file.open(QIODevice::WriteOnly) && file.write(QJsonDocument(json).toJson()) > 0;
}

}  // namespace

class TestSessionNames : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // Choices are written as names.
  void choicesAreSavedByName() {
    Session s;
    s.view = QStringLiteral("traverse");
    s.mapSource = ProjectionRequest::kAllLayers;
    s.mapMethod = ProjectionMethod::Tsne;
    const QJsonObject map = sessionToJson(s)["map"].toObject();
    QCOMPARE(map["method"].toString(), QStringLiteral("tsne"));
    QCOMPARE(map["source"].toString(), QStringLiteral("all-layers"));
    s.mapSource = ProjectionRequest::kPixels;
    QCOMPARE(sessionToJson(s)["map"].toObject()["source"].toString(), QStringLiteral("pixels"));
    s.mapSource = ProjectionRequest::kEmbedding;
    QCOMPARE(sessionToJson(s)["map"].toObject()["source"].toString(), QStringLiteral("embedding"));
    // A layer is an index into the model's layers, not an enum: it stays a number.
    s.mapSource = 2;
    QCOMPARE(sessionToJson(s)["map"].toObject()["source"].toInt(-1), 2);
    QCOMPARE(sessionToJson(s)["view"].toString(), QStringLiteral("traverse"));
  }

  // A session written now reads back the same in another process.
  void savedSessionReadsInAnotherProcess_data() {
    QTest::addColumn<int>("source");
    QTest::addColumn<int>("method");
    QTest::newRow("all layers, t-SNE")
        << ProjectionRequest::kAllLayers << int(ProjectionMethod::Tsne);
    QTest::newRow("pixels, UMAP") << ProjectionRequest::kPixels << int(ProjectionMethod::Umap);
    QTest::newRow("vectors, PCA") << ProjectionRequest::kEmbedding << int(ProjectionMethod::Pca);
    QTest::newRow("layer 1, UMAP") << 1 << int(ProjectionMethod::Umap);
  }
  void savedSessionReadsInAnotherProcess() {
    QFETCH(int, source);
    QFETCH(int, method);
    QTemporaryDir dir;
    Session s;
    s.view = QStringLiteral("compare");
    s.mapSource = source;
    s.mapMethod = ProjectionMethod(method);
    s.mapSeed = 42;
    const QString path = dir.filePath("s.json");
    QVERIFY(writeJson(path, sessionToJson(s)));
    QCOMPARE(readInChild(path), expected("compare", source, ProjectionMethod(method), 42));
  }

  // Sessions written before names, with numbers for the method and the source, keep their
  // meaning: a file as the previous Strata wrote it, read in another process.
  void oldSessionsWithNumbersStillRead_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("reading");
    QTest::newRow("all layers, t-SNE")
        << kCorpus + "/valid.json"
        << expected("compare", ProjectionRequest::kAllLayers, ProjectionMethod::Tsne, 0);
    QTest::newRow("pixels, UMAP") << kCorpus + "/old_numbers.json"
                                  << expected("hierarchy", ProjectionRequest::kPixels,
                                              ProjectionMethod::Umap, 17);
  }
  void oldSessionsWithNumbersStillRead() {
    QFETCH(QString, file);
    QFETCH(QString, reading);
    QCOMPARE(readInChild(file), reading);
    QCOMPARE(summary(file), reading);
    // Saved again, it holds names and reads the same.
    QTemporaryDir dir;
    QFile in(file);
    QVERIFY(in.open(QIODevice::ReadOnly));
    QStringList problems;
    const Session s = parseSession(QJsonDocument::fromJson(in.readAll()).object(), file, &problems);
    const QJsonObject again = sessionToJson(s);
    QVERIFY(again["map"].toObject()["method"].isString());
    QVERIFY(again["map"].toObject()["source"].isString());
    QVERIFY(writeJson(dir.filePath("again.json"), again));
    QCOMPARE(readInChild(dir.filePath("again.json")), reading);
  }
};

int main(int argc, char** argv) {
  if (argc == 3 && !std::strcmp(argv[1], "--summary")) {
    QCoreApplication app(argc, argv);
    QTextStream(stdout) << summary(QString::fromLocal8Bit(argv[2])) << "\n";
    return 0;
  }
  QCoreApplication app(argc, argv);
  TestSessionNames test;
  QTest::setMainSourcePath(__FILE__);
  return strata::test::runTests(&test, argc, argv);
}
#include "test_session_names.moc"
