// Session files are checked field by field: a wrong type or an unknown value is reported by
// name and falls back to its default, so no control is left without a choice. A file that is
// no session (or endless, or huge) is refused in one line and changes nothing.

#include <QComboBox>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPushButton>
#include <QSettings>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

#include "app/main_window.h"
#include "app/session.h"
#include "core/base/errors.h"
#include "tests/support/test_support.h"
#include "tests/support/tiny_data.h"
#include "widgets/gl_format.h"
#include "widgets/map_controls.h"

using namespace strata;

namespace {

// A session of the tiny dataset and model, with this view and map.
QJsonObject tinySession(const QString& dataset, const QString& view, const QJsonObject& map) {
  return {{"strata_session", 1},
          {"dataset", dataset},
          {"model", test::tinyModelPath("valid_tiny.pt")},
          {"view", view},
          {"map", map}};
}

bool mentions(const QStringList& problems, const QString& field) {
  for (const QString& p : problems)
    if (p.startsWith(field + ':')) return true;
  return false;
}

}  // namespace

class TestSessions : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName("StrataTest");
    QSettings().clear();
  }
  void init() { QSettings().clear(); }

  void wrongFieldsFallBackToTheirDefaults() {
    const QJsonObject json{
        {"strata_session", 1},
        {"clean", "yes"},
        {"dataset", 7},
        {"model", QJsonArray{}},
        {"compare", QJsonArray{"a.pt", 3}},
        {"view", "bar"},
        {"map",
         QJsonObject{
             {"source", "x"}, {"method", "foo"}, {"seed", -4}, {"neighbour_graph", "fast"}}},
        {"selection", QJsonArray{1, "two", 3.5, -1, 4}}};
    QStringList problems;
    const Session s = parseSession(json, "s.json", &problems);
    for (const char* field : {"clean", "dataset", "model", "compare[1]", "view", "map.source",
                              "map.method", "map.seed", "map.neighbour_graph", "selection"})
      QVERIFY2(mentions(problems, field), qPrintable(field + ("\n" + problems.join('\n'))));
    QCOMPARE(problems.size(), 10);
    for (const QString& p : problems) QVERIFY2(!p.contains('\n'), qPrintable(p));
    QVERIFY(problems.join('\n').contains("map.method: \"foo\" is not a projection method"));
    QVERIFY(problems.join('\n').contains("using PCA"));
    QCOMPARE(s.clean, false);
    QVERIFY(s.dataset.isEmpty());
    QVERIFY(s.model.isEmpty());
    QCOMPARE(s.compare, QStringList{"a.pt"});
    QCOMPARE(s.view, QStringLiteral("map"));
    QCOMPARE(s.mapSource, ProjectionRequest::kPixels);
    QCOMPARE(s.mapMethod, ProjectionMethod::Pca);
    QCOMPARE(s.mapSeed, qint64(0));
    QCOMPARE(s.mapGraph, KnnEffort::Thorough);
    QCOMPARE(s.selection, (std::vector<int>{1, 4}));

    problems.clear();
    parseSession({{"strata_session", 1}, {"map", 3}}, "s.json", &problems);
    QVERIFY(mentions(problems, "map"));
  }

  void projectionMethodByNameOrNumber_data() {
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<int>("expected");  // -1: refused
    QTest::newRow("pca") << QJsonValue("pca") << int(ProjectionMethod::Pca);
    QTest::newRow("t-SNE") << QJsonValue("t-SNE") << int(ProjectionMethod::Tsne);
    QTest::newRow("UMAP") << QJsonValue("UMAP") << int(ProjectionMethod::Umap);
    QTest::newRow("1") << QJsonValue(1) << int(ProjectionMethod::Tsne);
    QTest::newRow("3") << QJsonValue(3) << -1;
    QTest::newRow("1.5") << QJsonValue(1.5) << -1;
    QTest::newRow("true") << QJsonValue(true) << -1;
    QTest::newRow("null") << QJsonValue(QJsonValue::Null) << -1;
  }
  void projectionMethodByNameOrNumber() {
    QFETCH(QJsonValue, value);
    QFETCH(int, expected);
    QStringList problems;
    const Session s = parseSession({{"strata_session", 1}, {"map", QJsonObject{{"method", value}}}},
                                   "s.json", &problems);
    QCOMPARE(problems.isEmpty(), expected >= 0);
    QCOMPARE(int(s.mapMethod), std::max(expected, 0));
  }

  // A UMAP's neighbour graph is saved by name and read back through the file's text; a session
  // from before the choice existed has none, and was drawn with the thorough graph.
  void umapNeighbourGraphIsSaved() {
    Session s;
    s.mapMethod = ProjectionMethod::Umap;
    s.mapGraph = KnnEffort::Standard;
    const QJsonObject written = sessionToJson(s);
    QCOMPARE(written["map"].toObject()["neighbour_graph"].toString(), QStringLiteral("standard"));
    QStringList problems;
    const QJsonObject text = QJsonDocument::fromJson(QJsonDocument(written).toJson()).object();
    QCOMPARE(parseSession(text, "s.json", &problems).mapGraph, KnnEffort::Standard);
    QVERIFY(problems.isEmpty());
    const Session old = parseSession(
        {{"strata_session", 1}, {"map", QJsonObject{{"method", "umap"}}}}, "s.json", &problems);
    QCOMPARE(old.mapGraph, KnnEffort::Thorough);
    QVERIFY(problems.isEmpty());
    s.mapMethod = ProjectionMethod::Tsne;  // other methods have no choice of graph
    QVERIFY(!sessionToJson(s)["map"].toObject().contains("neighbour_graph"));
  }

  void versionDecidesWhatIsASession() {
    QStringList problems;
    QVERIFY_THROWS_EXCEPTION(DataError,
                             parseSession({{"dataset", "dsprites"}}, "s.json", &problems));
    QVERIFY_THROWS_EXCEPTION(DataError,
                             parseSession({{"strata_session", "1"}}, "s.json", &problems));
    const Session s =
        parseSession({{"strata_session", 2}, {"view", "traverse"}}, "s.json", &problems);
    QVERIFY(mentions(problems, "strata_session"));
    QCOMPARE(s.view, QStringLiteral("traverse"));
  }

  void unusableFilesAreRefusedInOneLine_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("reason");
    QTest::newRow("endless device") << "/dev/zero"
                                    << "not a regular file";
    QTest::newRow("FIFO") << "fifo"
                          << "not a regular file";
    QTest::newRow("larger than 64 MB") << "huge.json"
                                       << "larger than";
    QTest::newRow("not JSON") << "text.json"
                              << "not JSON";
    QTest::newRow("no session") << "recipe.json"
                                << "not a Strata session";
    QTest::newRow("missing") << "missing.json"
                             << "no such file";
  }
  void unusableFilesAreRefusedInOneLine() {
    QFETCH(QString, file);
    QFETCH(QString, reason);
    QTemporaryDir dir;
    QString path = file.startsWith('/') ? file : dir.filePath(file);
    if (file == "fifo") QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);
    if (file == "huge.json") {
      QFile f(path);
      QVERIFY(f.open(QIODevice::WriteOnly));
      QVERIFY(f.resize(qint64(65) << 20));  // sparse: no time, no disk
    }
    if (file == "text.json") {
      QFile f(path);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write("strata_session = 1\n");
    }
    if (file == "recipe.json") QVERIFY(test::writeJsonFile(path, {{"figure", "projection"}}));

    MainWindow window;
    const QString title = window.windowTitle();
    const int tab = window.tabs()->currentIndex();
    QStringList problems{"left from before"};
    QVERIFY(!openSession(window, path, &problems));
    QCOMPARE(problems.size(), 1);
    QVERIFY2(
        problems[0].contains(path) && problems[0].contains(reason) && !problems[0].contains('\n'),
        qPrintable(problems[0]));
    // Refused before anything was opened: the window is as it was.
    QVERIFY(window.datasetSpec().isEmpty());
    QVERIFY(!window.model());
    QCOMPARE(window.windowTitle(), title);
    QCOMPARE(window.tabs()->currentIndex(), tab);
  }

  // The combo boxes keep valid choices and Project still maps, whatever the session said.
  void damagedSessionLeavesWorkingControls() {
    QTemporaryDir dir;
    const QString file = dir.filePath("s.json");
    QVERIFY(test::writeJsonFile(file, tinySession(test::writeTinyDataset(dir.path()), "bar",
                                                  {{"source", 9}, {"method", "foo"}})));
    MainWindow window;
    window.show();
    QSignalSpy projection(&window, &MainWindow::projectionShown);
    QSignalSpy model(&window, &MainWindow::modelShown);
    QStringList problems;
    QVERIFY(openSession(window, file, &problems));
    QVERIFY2(mentions(problems, "view") && mentions(problems, "map.method") && problems.size() == 2,
             qPrintable(problems.join('\n')));
    // The dataset's map, then (source 9 is no layer of this model) the map recomputed once the
    // model is there.
    QTRY_VERIFY_WITH_TIMEOUT(model.count() == 1 && projection.count() >= 2, 60000);
    QCOMPARE(window.tabs()->currentIndex(), 0);
    for (QComboBox* box : window.mapControls()->findChildren<QComboBox*>())
      QVERIFY2(box->currentIndex() >= 0, "a combo box without a choice");
    QCOMPARE(window.mapControls()->request().method, ProjectionMethod::Pca);
    QCOMPARE(window.mapControls()->request().source, ProjectionRequest::kPixels);

    QPushButton* project = nullptr;
    for (QPushButton* b : window.mapControls()->findChildren<QPushButton*>())
      if (b->text() == "Project") project = b;
    QVERIFY(project && project->isEnabled());
    const int before = int(projection.count());
    QTest::mouseClick(project, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(int(projection.count()), before + 1, 60000);
  }

  // Methods by name, and a layer source, come back once the model is open.
  void mapChoiceIsRestored() {
    QTemporaryDir dir;
    const QString file = dir.filePath("s.json");
    QVERIFY(test::writeJsonFile(file, tinySession(test::writeTinyDataset(dir.path()), "traverse",
                                                  {{"source", -1}, {"method", "umap"}})));
    MainWindow window;
    window.show();
    QSignalSpy projection(&window, &MainWindow::projectionShown);
    QStringList problems;
    QVERIFY(openSession(window, file, &problems));
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n')));
    QTRY_VERIFY_WITH_TIMEOUT(projection.count() >= 2, 120000);
    QCOMPARE(window.mapControls()->request().method, ProjectionMethod::Umap);
    // The session names no graph, so it was saved when every graph was thorough.
    QCOMPARE(window.mapControls()->request().umap.graphEffort, KnnEffort::Thorough);
    QCOMPARE(window.workspace()->mapRequest().umap.graphEffort, KnnEffort::Thorough);
    QCOMPARE(window.mapControls()->request().source, ProjectionRequest::kAllLayers);
    QCOMPARE(window.tabs()->currentIndex(), 2);
  }
};

int main(int argc, char** argv) {
  setDefaultSurfaceFormat();
  QApplication app(argc, argv);
  TestSessions test;
  return strata::test::runTests(&test, argc, argv);
}
#include "test_sessions.moc"
