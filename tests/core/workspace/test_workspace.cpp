// The workspace and its loader: one signal per change, results of stale jobs dropped, a rejected
// model changing nothing, statistics that follow the dataset and the model.

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "core/data/dataset_source.h"
#include "core/data/npy.h"
#include "core/model/model.h"
#include "core/model/model_vetting.h"
#include "core/workspace/workspace.h"
#include "core/workspace/workspace_loader.h"
#include "tests/support/test_support.h"
#include "tests/support/tiny_data.h"

using namespace strata;

class TestWorkspace : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    datasetA_ = test::writeTinyDataset(tmp_.path());
    // A second dataset of another size, to tell the two apart.
    QDir(tmp_.path()).mkdir("b");
    datasetB_ = QDir(tmp_.path()).filePath("b/small.npz");
    std::vector<float> images(30 * 64, 0.5f);
    writeNpz(datasetB_, {{"images", makeNpy(images, {30, 8, 8})}});
    setModelVettingExecutable(STRATA_EXECUTABLE);
  }

  void selectionKeepsOnlyItemsOfTheDataset() {
    Workspace w;
    QSignalSpy changed(&w, &Workspace::selectionChanged);
    w.setDataset(openSmall(datasetA_), datasetA_);
    changed.clear();
    w.setSelection({-1, 3, 119, 120, 5000});
    QCOMPARE(w.selection(), (std::vector<int>{3, 119}));
    QCOMPARE(changed.count(), 1);
    w.setSelection({3, 119});  // the same selection again is no change
    QCOMPARE(changed.count(), 1);
  }

  void hoverDoesNotReplaceAPinnedItem() {
    Workspace w;
    w.setDataset(openSmall(datasetA_), datasetA_);
    QSignalSpy changed(&w, &Workspace::currentItemChanged);
    w.hoverItem(4);
    QCOMPARE(w.currentItem(), int64_t(4));
    w.pinItem(7);
    w.hoverItem(9);
    QCOMPARE(w.currentItem(), int64_t(7));
    QVERIFY(w.isItemPinned());
    QCOMPARE(changed.count(), 2);
    w.pinItem(-1);  // a click on the background unpins
    QVERIFY(!w.isItemPinned());
    w.hoverItem(9);
    QCOMPARE(w.currentItem(), int64_t(9));
  }

  void newDatasetClearsWhatBelongedToTheOld() {
    Workspace w;
    w.setDataset(openSmall(datasetA_), datasetA_);
    w.setSelection({1, 2});
    w.pinItem(3);
    w.setStats(std::make_shared<LatentStats>(), QStringLiteral("old"));
    QSignalSpy selection(&w, &Workspace::selectionChanged);
    w.setDataset(openSmall(datasetB_), datasetB_);
    QVERIFY(w.selection().empty());
    QCOMPARE(w.currentItem(), int64_t(-1));
    QVERIFY(!w.stats());
    QVERIFY(!w.hasMap());
    QCOMPARE(selection.count(), 1);
  }

  void comparedModelsAreUniqueAndBounded() {
    Workspace w;
    QSignalSpy added(&w, &Workspace::comparedModelAdded);
    const ModelPtr tiny = Model::load(test::tinyModelPath("valid_tiny.pt"));
    QCOMPARE(w.addComparedModel(tiny), Workspace::AddResult::Added);
    QCOMPARE(w.addComparedModel(tiny), Workspace::AddResult::AlreadyCompared);
    QCOMPARE(added.count(), 1);
    w.removeComparedModel(5);  // no such column: nothing happens
    QCOMPARE(int(w.comparedModels().size()), 1);
    w.clearComparedModels();
    QVERIFY(w.comparedModels().empty());
  }

  void loaderOpensDatasetMapModelAndStatistics() {
    Workspace w;
    WorkspaceLoader loader(&w);
    QSignalSpy map(&w, &Workspace::mapChanged);
    QSignalSpy stats(&w, &Workspace::statsChanged);
    loader.openDataset(datasetA_);
    QTRY_COMPARE_WITH_TIMEOUT(map.count(), 1, 30000);
    QCOMPARE(w.datasetSpec(), datasetA_);
    QCOMPARE(w.map().coords.size(), size_t(120 * 3));
    loader.openModel(test::tinyModelPath("valid_tiny.pt"));
    QTRY_VERIFY_WITH_TIMEOUT(w.model() && w.stats(), 60000);
    QVERIFY(w.canEncodeDataset());
    // The first model opened leads the comparison.
    QCOMPARE(int(w.comparedModels().size()), 1);
    QCOMPARE(int(w.stats()->items), 120);
  }

  void aNewerDatasetMakesTheOlderOneStale() {
    Workspace w;
    WorkspaceLoader loader(&w);
    QSignalSpy datasets(&w, &Workspace::datasetChanged);
    loader.openDataset(datasetA_);
    loader.openDataset(datasetB_);
    QTRY_COMPARE_WITH_TIMEOUT(datasets.count(), 1, 30000);
    QTest::qWait(200);  // the first job's result, if it came, would arrive by now
    QCOMPARE(datasets.count(), 1);
    QCOMPARE(w.datasetSpec(), datasetB_);
    QCOMPARE(w.dataset()->size(), int64_t(30));
  }

  void aRejectedModelChangesNothing() {
    Workspace w;
    WorkspaceLoader loader(&w);
    loader.openModel(test::tinyModelPath("valid_tiny.pt"));
    QTRY_VERIFY_WITH_TIMEOUT(w.model(), 60000);
    const ModelPtr before = w.model();
    QSignalSpy rejected(&loader, &WorkspaceLoader::modelRejected);
    QSignalSpy changed(&w, &Workspace::modelChanged);
    loader.openModel(test::tinyModelPath("wrong_shape.pt"));
    QTRY_COMPARE_WITH_TIMEOUT(rejected.count(), 1, 60000);
    QCOMPARE(changed.count(), 0);
    QCOMPARE(w.model(), before);
    QVERIFY(rejected.at(0).at(1).toString().contains("wrong_shape.pt"));
  }

 private:
  static DatasetPtr openSmall(const QString& path) { return openDataset(path); }

  QTemporaryDir tmp_;
  QString datasetA_, datasetB_;
};

STRATA_TEST_GUILESS_MAIN(TestWorkspace)
#include "test_workspace.moc"
