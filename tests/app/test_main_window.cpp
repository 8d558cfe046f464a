// The default launch: Fashion-MNIST test split, PCA on a worker, scatter coloured by class.

#include <QComboBox>
#include <QCryptographicHash>
#include <QDirIterator>
#include <QGroupBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QMessageBox>
#include <QProcess>
#include <QSettings>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "app/export_figure_action.h"
#include "app/main_window.h"
#include "app/session.h"
#include "core/analysis/model_metrics.h"
#include "core/base/resources.h"
#include "core/data/dataset_source.h"
#include "core/data/fashion_mnist.h"
#include "core/data/npy.h"
#include "core/data/selection_export.h"
#include "core/figures/recipe.h"
#include "core/model/traversal.h"
#include "core/workspace/workspace.h"
#include "tests/support/test_support.h"
#include "widgets/class_page.h"
#include "widgets/code_correlation_page.h"
#include "widgets/compare_view.h"
#include "widgets/gl_format.h"
#include "widgets/hierarchy_view.h"
#include "widgets/image_grid.h"
#include "widgets/item_panel.h"
#include "widgets/kl_heatmap.h"
#include "widgets/line_chart.h"
#include "widgets/map_controls.h"
#include "widgets/metrics_table.h"
#include "widgets/model_panel.h"
#include "widgets/reconstruction_view.h"
#include "widgets/scatter_view.h"
#include "widgets/selection_panel.h"
#include "widgets/temperature_controls.h"
#include "widgets/traverse_view.h"
#include "widgets/unit_inspector.h"
#include "widgets/unit_table.h"

using namespace strata;

namespace {

// Brings the hierarchy view forward and waits until its resampling, temperature and mixing
// pages have drawn; false on timeout.
bool hierarchyPagesShown(MainWindow& window, int timeoutMs) {
  HierarchyView* hierarchy = window.hierarchyView();
  QSignalSpy resampled(hierarchy, &HierarchyView::resamplingShown);
  QSignalSpy temperature(hierarchy, &HierarchyView::temperatureShown);
  QSignalSpy mixed(hierarchy, &HierarchyView::mixingShown);
  window.showView("hierarchy");
  hierarchy->refresh();
  return QTest::qWaitFor(
      [&] { return resampled.count() >= 1 && temperature.count() >= 1 && mixed.count() >= 1; },
      timeoutMs);
}

}  // namespace

class TestMainWindow : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName("StrataTest");
    QSettings().clear();  // a previous run's last model and dataset must not leak in
  }

  // Each test starts from the defaults, whatever the one before it opened.
  void init() { QSettings().clear(); }

  void showsFashionMnistPcaAndStaysResponsive() {
    STRATA_REQUIRE_DATA(fashionMnistAvailable(), "dataset-fashion-mnist");
    MainWindow window;
    window.resize(1100, 700);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy shown(&window, &MainWindow::projectionShown);
    QElapsedTimer timer;
    timer.start();
    qint64 longestGap = 0, last = 0;
    window.openDatasetSpec("fashion-mnist:test");
    // The event loop keeps turning while the worker runs.
    while (shown.isEmpty() && timer.elapsed() < 60000) {
      QTest::qWait(10);
      longestGap = std::max(longestGap, timer.elapsed() - last);
      last = timer.elapsed();
    }
    QCOMPARE(shown.count(), 1);
    QVERIFY2(longestGap < 1000, qPrintable(QString::number(longestGap)));
    QCOMPARE(window.scatterView()->pointCount(), 10000);

    // Hovering a point shows its image and label.
    ScatterView* view = window.scatterView();
    const int index = 1234;
    const QPoint at = view->widgetPosition(index).toPoint();
    QTest::mouseMove(view, at);
    const int picked = view->pointAt(at);
    QVERIFY(picked >= 0);
    QTest::mouseClick(view, Qt::LeftButton, {}, at);
    QCOMPARE(window.itemPanel()->currentIndex(), int64_t(picked));
    QCOMPARE(window.itemPanel()->labelText(),
             fashionMnistClassNames()[window.dataset()->label(picked)]);
  }

  void defaultLaunchOpensTheHierarchicalModel() {
    STRATA_REQUIRE_DATA(fashionMnistAvailable(), "dataset-fashion-mnist");
    MainWindow window;
    window.resize(1300, 800);
    window.show();
    QSignalSpy model(&window, &MainWindow::modelShown);
    QSignalSpy recon(&window, &MainWindow::reconstructionsShown);
    QSignalSpy samples(&window, &MainWindow::samplesShown);
    window.openStartup({}, {});
    QTRY_COMPARE_WITH_TIMEOUT(model.count(), 1, 60000);
    QVERIFY(window.model()->info().layers.size() >= 3);
    QVERIFY(window.modelPanel()->plainText().contains("test ELBO"));
    QTRY_VERIFY_WITH_TIMEOUT(recon.count() >= 1, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(samples.count() >= 1, 60000);
    QVERIFY(window.showView("reconstructions"));
    QCOMPARE(window.reconstructionView()->reconstructionGrid()->imageCount(), 64);
    QCOMPARE(window.reconstructionView()->sampleGrid()->imageCount(), 64);
    // What opened is remembered at once, so the next launch pairs the same data and model even
    // if this process never closes normally.
    QCOMPARE(QSettings().value("data/last").toString(), defaultDatasetSpec());
    QVERIFY(QSettings().value("models/last").toString().endsWith("fashion_lvae.pt"));

    // A broken model is refused with its report; the open model stays.
    const ModelPtr before = window.model();
    QSignalSpy rejected(&window, &MainWindow::modelRejected);
    QTimer closer;
    connect(&closer, &QTimer::timeout, [] {
      if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) box->accept();
    });
    closer.start(50);
    window.openModel(STRATA_SOURCE_DIR "/tests/data/models/broken/nan_output.pt");
    QTRY_COMPARE_WITH_TIMEOUT(rejected.count(), 1, 60000);
    QVERIFY(rejected.at(0).at(0).toString().contains("decode: contains NaN or Inf"));
    QCOMPARE(window.model(), before);
  }

  // A model whose input the open data does not match starts its traversal from a prior sample
  // and says why.
  void traversalOfAModelThatCannotEncodeTheData() {
    STRATA_REQUIRE_DATA(fashionMnistAvailable(), "dataset-fashion-mnist");
    MainWindow window;
    window.show();
    QSignalSpy model(&window, &MainWindow::modelShown);
    window.openStartup("fashion-mnist:test", bundledModelPath("dsprites_tcvae.pt"));
    QTRY_COMPARE_WITH_TIMEOUT(model.count(), 1, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(window.traverseView()->sliderCount() == 10, 30000);
    QVERIFY2(window.traverseView()->startText().startsWith("prior sample") &&
                 window.traverseView()->startText().contains("takes 1 x 64 x 64 items"),
             qPrintable(window.traverseView()->startText()));
  }

  // Every latent view on the bundled hierarchical model. With STRATA_SCREENSHOT_DIR set, the
  // window is saved at each step (the README's screenshots come from here).
  void tourOfTheLatentViews() {
    STRATA_REQUIRE_DATA(fashionMnistAvailable(), "dataset-fashion-mnist");
    const QString shots = qEnvironmentVariable("STRATA_SCREENSHOT_DIR");
    auto shoot = [&](QWidget* w, const QString& name) {
      if (!shots.isEmpty()) QVERIFY(w->grab().save(QDir(shots).filePath(name + ".png")));
    };
    MainWindow window;
    window.resize(1500, 940);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy stats(&window, &MainWindow::statsShown);
    QSignalSpy projection(&window, &MainWindow::projectionShown);
    window.openStartup("fashion-mnist:test", bundledModelPath("fashion_lvae.pt"));
    QTRY_VERIFY_WITH_TIMEOUT(stats.count() >= 1 && projection.count() >= 1, 120000);

    // Map with an item shown.
    window.showView("map");
    ScatterView* view = window.scatterView();
    QTest::qWait(200);
    const QPoint at = view->widgetPosition(42).toPoint();
    QTest::mouseClick(view, Qt::LeftButton, {}, at);
    QTest::qWait(200);
    shoot(&window, "map");

    // A latent map: t-SNE of all layers, coloured by KL.
    MapControls* controls = window.mapControls();
    controls->setSource(ProjectionRequest::kAllLayers);
    controls->setMethod(ProjectionMethod::Tsne);
    projection.clear();
    window.requestMap();
    QTRY_VERIFY_WITH_TIMEOUT(projection.count() >= 1, 240000);
    QCOMPARE(view->pointCount(), 10000);
    // Clicking a point shows its 10 nearest neighbours in latent space; a box selects.
    QSignalSpy neighbours(&window, &MainWindow::neighboursShown);
    QTest::mouseClick(view, Qt::LeftButton, {}, view->widgetPosition(42).toPoint());
    QTRY_VERIFY_WITH_TIMEOUT(neighbours.count() >= 1, 30000);
    QCOMPARE(neighbours.at(0).at(0).value<std::vector<int>>().size(), size_t(10));
    const QPoint from = view->widgetPosition(42).toPoint() - QPoint(40, 40),
                 to = from + QPoint(80, 80);
    QTest::mousePress(view, Qt::LeftButton, Qt::ControlModifier, from);
    QMouseEvent move(QEvent::MouseMove, QPointF(to), view->mapToGlobal(QPointF(to)), Qt::NoButton,
                     Qt::LeftButton, Qt::ControlModifier);
    QApplication::sendEvent(view, &move);
    QTest::mouseRelease(view, Qt::LeftButton, Qt::ControlModifier, to);
    QVERIFY(!window.selectionPanel()->selection().empty());
    QCOMPARE(window.selectionPanel()->selection(),
             view->pointsInside(QPolygonF(QRectF(QPointF(from), QPointF(to)))));
    QTemporaryDir dir;
    writeSelectionCsv(dir.filePath("s.csv"), window.selectionPanel()->selection(),
                      window.workspace()->dataset().get());
    QFile csv(dir.filePath("s.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QCOMPARE(csv.readAll().count('\n'), qsizetype(window.selectionPanel()->selection().size() + 1));
    QSignalSpy path(&window, &MainWindow::pathShown);
    window.requestPath(42, 1234);
    QTRY_VERIFY_WITH_TIMEOUT(path.count() >= 1, 30000);
    QCOMPARE(window.itemPanel()->pathImageCount(), 10);
    QTest::qWait(300);
    shoot(&window, "map-tsne");

    // Traverse: sliders, live decode, grid.
    TraverseView* traverse = window.traverseView();
    QSignalSpy image(traverse, &TraverseView::imageShown);
    QSignalSpy grid(traverse, &TraverseView::gridShown);
    window.showView("traverse");
    traverse->startFromItem(42);
    QTRY_VERIFY_WITH_TIMEOUT(image.count() >= 1, 30000);
    QVERIFY(traverse->sliderCount() >= 8 + 16 + 4);
    const QImage before = traverse->currentImage();
    image.clear();
    traverse->setSliderFraction(0, 0.95);
    QTRY_VERIFY_WITH_TIMEOUT(image.count() >= 1, 30000);
    QVERIFY(traverse->currentImage() != before);
    traverse->makeGrid();
    QTRY_VERIFY_WITH_TIMEOUT(grid.count() >= 1, 30000);
    QCOMPARE(traverse->grid()->imageCount(), 8 * 9);
    QTest::qWait(100);
    shoot(&window, "traverse");

    // Hierarchy pages.
    HierarchyView* hierarchy = window.hierarchyView();
    QVERIFY(hierarchyPagesShown(window, 60000));
    QCOMPARE(hierarchy->resamplingGrid()->imageCount(), 3 * 4 * 7);
    QCOMPARE(hierarchy->temperatureGrid()->imageCount(), 32);
    QCOMPARE(hierarchy->mixingGrid()->imageCount(), 2 + 4);
    for (const char* page : {"resampling", "temperature", "mixing", "kl"}) {
      hierarchy->showPage(page);
      QTest::qWait(150);
      shoot(&window, QStringLiteral("hierarchy-") + page);
    }
    // Clicking a heatmap cell opens that unit in the traverse view.
    KlHeatmap* heatmap = hierarchy->heatmap();
    const QPoint cell = heatmap->cellCentre(1, 3);
    QVERIFY(!cell.isNull());
    grid.clear();
    QTest::mouseClick(heatmap, Qt::LeftButton, {}, cell);
    QCOMPARE(window.tabs()->currentWidget(), static_cast<QWidget*>(traverse));
    QTRY_VERIFY_WITH_TIMEOUT(grid.count() >= 1, 30000);
    QCOMPARE(traverse->focusedUnitLabel(), QStringLiteral("z_mid[3]"));

    // Every place that names a unit opens the inspector: the heatmap's context menu ...
    UnitInspector* inspector = window.compareView()->unitInspector();
    QSignalSpy profiled(inspector, &UnitInspector::profileShown);
    Q_EMIT heatmap->unitInspectRequested(1, 3);
    QTRY_VERIFY_WITH_TIMEOUT(profiled.count() == 1, 120000);
    QVERIFY(inspector->isVisible());
    QCOMPARE(inspector->profile()->layer, 1);
    QCOMPARE(inspector->profile()->unit, 3);
    // ... and the link beside a single unit's slider, reusing the codes of the same items.
    QLabel* link = nullptr;
    for (QLabel* label : traverse->findChildren<QLabel*>())
      if (label->text().contains("href='inspect'") && label->text().startsWith("z_top[0]"))
        link = label;
    QVERIFY(link);
    Q_EMIT link->linkActivated(QStringLiteral("inspect"));
    QTRY_VERIFY_WITH_TIMEOUT(profiled.count() == 2, 60000);
    QCOMPARE(inspector->profile()->layer, 0);
    QCOMPARE(inspector->profile()->unit, 0);
    inspector->hide();
  }

  // The two Fashion-MNIST models side by side: images, metrics, unit matching, export.
  void comparesTwoModels() {
    STRATA_REQUIRE_DATA(fashionMnistAvailable(), "dataset-fashion-mnist");
    const QString shots = qEnvironmentVariable("STRATA_SCREENSHOT_DIR");
    MainWindow window;
    window.resize(1500, 1000);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    CompareView* compare = window.compareView();
    QSignalSpy images(compare, &CompareView::imagesShown);
    QSignalSpy added(&window, &MainWindow::compareModelAdded);
    window.openStartup("fashion-mnist:test", bundledModelPath("fashion_lvae.pt"));
    window.addCompareModel(bundledModelPath("fashion_vae.pt"));
    window.showView("compare");
    QTRY_VERIFY_WITH_TIMEOUT(added.count() >= 1 && compare->modelCount() == 2, 60000);
    QCOMPARE(compare->models()[0]->info().name,
             Model::load(bundledModelPath("fashion_lvae.pt"))->info().name);
    QTRY_VERIFY_WITH_TIMEOUT(compare->reconstructionGrid(1)->imageCount() == 8 &&
                                 compare->interpolationGrid(1)->imageCount() == 16 &&
                                 compare->sampleGrid(1)->imageCount() == 8,
                             60000);
    QCOMPARE(compare->reconstructionGrid(0)->imageCount(), 8);

    qInfo("compare: images shown");
    QSignalSpy metrics(compare, &CompareView::metricsShown);
    MetricsOptions options = compare->metricOptions();
    options.items = 2000;  // the window's defaults are larger; this checks the wiring
    options.iwItems = 100;
    options.iwSamples = 20;
    compare->setMetricOptions(options);
    compare->computeMetrics();
    QTRY_VERIFY_WITH_TIMEOUT(metrics.count() == 1, 240000);
    QCOMPARE(compare->metrics().size(), size_t(2));
    MetricsTable* table = compare->metricsTable();
    QCOMPARE(table->columnCount(), 3);
    QVERIFY(table->rowCount() >= 8);
    // The hierarchical model has the better ELBO (-237.8 against -239.6 in the cards).
    QCOMPARE(table->bestColumn("elbo"), 0);
    // The units page lists the first model's 220 units, ranked by ARD-VAE relevance, beside
    // KL and the active mark.
    QTableWidget* units = compare->unitTable()->table();
    QCOMPARE(units->rowCount(), 220);
    QVERIFY2(compare->unitTable()->summary().contains("relevant (ARD-VAE, 99%)"),
             qPrintable(compare->unitTable()->summary()));
    const double first = units->item(0, UnitTable::Relevance)->data(Qt::UserRole).toDouble();
    const double last = units->item(219, UnitTable::Relevance)->data(Qt::UserRole).toDouble();
    QVERIFY(first > 0 && first >= last);

    qInfo("compare: metrics shown");
    QSignalSpy matched(compare, &CompareView::matchingShown);
    QSignalSpy traversed(compare, &CompareView::traversalShown);
    compare->matchUnits();
    QTRY_VERIFY_WITH_TIMEOUT(matched.count() == 1 && traversed.count() == 1, 120000);
    QVERIFY(compare->matchedUnits()->matching.pairs.size() == 16);
    if (!shots.isEmpty()) QVERIFY(window.grab().save(QDir(shots).filePath("compare.png")));
    compare->showPage("matching");
    QTest::qWait(100);
    if (!shots.isEmpty()) QVERIFY(window.grab().save(QDir(shots).filePath("compare-matching.png")));
    compare->showPage("units");
    QTest::qWait(100);
    if (!shots.isEmpty()) QVERIFY(window.grab().save(QDir(shots).filePath("compare-units.png")));
    // Double-clicking the top-ranked unit opens the inspector on it.
    UnitInspector* inspector = compare->unitInspector();
    QSignalSpy profiled(inspector, &UnitInspector::profileShown);
    Q_EMIT units->cellDoubleClicked(0, UnitTable::Unit);
    QTRY_VERIFY_WITH_TIMEOUT(profiled.count() == 1, 120000);
    QVERIFY(inspector->isVisible());
    const QPoint top = units->item(0, UnitTable::Unit)->data(Qt::UserRole).toPoint();
    QCOMPARE(inspector->profile()->layer, top.x());
    QCOMPARE(inspector->profile()->unit, top.y());
    QCOMPARE(inspector->profile()->highest.size(), size_t(UnitProfile::kExtremeItems));
    QTest::qWait(100);
    if (!shots.isEmpty())
      QVERIFY(inspector->grab().save(QDir(shots).filePath("unit-inspector.png")));
    // A thumbnail is an item: clicking the first of the highest pins it in the item panel.
    ImageGrid* extremes = inspector->findChildren<ImageGrid*>().value(0);
    QVERIFY(extremes);
    Q_EMIT extremes->cellClicked(0);
    QCOMPARE(window.workspace()->currentItem(), inspector->profile()->highest.front());
    QVERIFY(window.workspace()->isItemPinned());
    // Its figure: the unit, the table's items and seed, rendered by the same code headless.
    QJsonObject recipe = inspector->figureRecipe();
    QCOMPARE(recipe["figure"].toString(), QStringLiteral("unit"));
    QCOMPARE(recipe["unit"].toString(), unitLabel(compare->models()[0]->info(), top.x(), top.y()));
    QCOMPARE(recipe["metric_items"].toInteger(), qint64(2000));
    QCOMPARE(recipe["seed"].toInteger(), qint64(options.seed));
    QTemporaryDir figures;
    recipe["dataset"] = "fashion-mnist:test";
    const RenderedFigure figure = renderRecipe(recipe, figures.filePath("unit.png"));
    QVERIFY(!QImage(figure.figurePath).isNull());

    // The correlations page: the hierarchical model's 64 most varying units, means beside
    // samples, over the metrics' items.
    CodeCorrelationPage* correlations = compare->correlationPage();
    QSignalSpy correlated(correlations, &CodeCorrelationPage::correlationsShown);
    compare->showPage("correlations");
    correlations->compute();
    QTRY_VERIFY_WITH_TIMEOUT(correlated.count() == 1, 120000);
    QCOMPARE(correlations->result()->totalUnits, 220);
    QCOMPARE(int(correlations->result()->units.size()), CodeCorrelations::kMaxUnits);
    QCOMPARE(correlations->result()->items, qint64(2000));
    QJsonObject matrices = correlations->figureRecipe();
    QCOMPARE(matrices["figure"].toString(), QStringLiteral("correlations"));
    QCOMPARE(matrices["metric_items"].toInteger(), qint64(2000));
    matrices["dataset"] = "fashion-mnist:test";
    QTemporaryDir matrixFigures;
    QVERIFY(!QImage(renderRecipe(matrices, matrixFigures.filePath("c.png")).figurePath).isNull());
    QTest::qWait(100);
    if (!shots.isEmpty())
      QVERIFY(window.grab().save(QDir(shots).filePath("compare-correlations.png")));

    QTemporaryDir dir;
    writeMetricsTable(dir.filePath("m.csv"), compare->metrics());
    writeMetricsTable(dir.filePath("m.json"), compare->metrics());
    QVERIFY(QFileInfo(dir.filePath("m.json")).size() > 0);
    QFile csv(dir.filePath("m.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QVERIFY(csv.readAll().count('\n') ==
            1 + int(compare->metrics()[0].rows.size() + compare->metrics()[1].rows.size()));

    // A column's close button goes through the workspace, so what a session saves follows it.
    const int columns = compare->modelCount();
    Q_EMIT compare->removeRequested(columns - 1);
    QCOMPARE(int(window.workspace()->comparedModels().size()), columns - 1);
    QCOMPARE(compare->modelCount(), columns - 1);
    // The inspector forgets a unit whose numbers belonged to the columns that were open.
    QVERIFY(!inspector->profile());
    QVERIFY(inspector->figureRecipe().isEmpty());
  }

  // A semi-supervised model (M2): the traverse view decodes under a chosen class, and the
  // compare view's Classes page shows the analogy grid and both classifiers.
  void semiSupervisedModel() {
    STRATA_REQUIRE_DATA(fashionMnistAvailable(), "dataset-fashion-mnist");
    const QString shots = qEnvironmentVariable("STRATA_SCREENSHOT_DIR");
    MainWindow window;
    window.resize(1500, 1000);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.openStartup("fashion-mnist:test", bundledModelPath("fashion_m2.pt"));
    window.showView("traverse");
    TraverseView* traverse = window.traverseView();
    QTRY_VERIFY_WITH_TIMEOUT(traverse->startText().contains("predicted by q(y|x)"), 60000);
    traverse->setStartClass(9);
    QTRY_VERIFY_WITH_TIMEOUT(traverse->startText().contains("y = Ankle boot (chosen)"), 60000);
    QVERIFY(traverse->figureRecipe()["start"].toObject()["class"].toString() == "Ankle boot");
    QTest::qWait(300);
    if (!shots.isEmpty()) QVERIFY(window.grab().save(QDir(shots).filePath("traverse-class.png")));

    // The sample grid decodes under the first class until another is chosen, and says so.
    ReconstructionView* samples = window.reconstructionView();
    window.showView("reconstructions");
    QTRY_VERIFY_WITH_TIMEOUT(samples->sampleGrid()->caption().contains("class T-shirt/top"), 60000);
    QCOMPARE(samples->sampleClass(), 0);
    QVERIFY(samples->figureRecipe()["class"].toString() == "T-shirt/top");

    window.showView("compare");
    CompareView* compare = window.compareView();
    QTRY_VERIFY_WITH_TIMEOUT(compare->modelCount() == 1, 60000);
    ClassPage* classes = compare->classPage();
    QSignalSpy shown(classes, &ClassPage::classesShown);
    compare->showPage("classes");
    classes->compute();
    QTRY_VERIFY_WITH_TIMEOUT(shown.count() == 1, 120000);
    QCOMPARE(classes->analogyGrid()->imageCount(), 8 * 11);
    QCOMPARE(classes->confusionTable()->rowCount(), 10);
    QVERIFY2(classes->summary().contains("q(y|x) accuracy"), qPrintable(classes->summary()));
    QCOMPARE(classes->figureRecipe()["figure"].toString(), QStringLiteral("analogy"));
    QTest::qWait(100);
    if (!shots.isEmpty()) QVERIFY(window.grab().save(QDir(shots).filePath("compare-classes.png")));
    // A row of the grid is an item: clicking it pins the item.
    Q_EMIT classes->analogyGrid()->cellClicked(11 * 2 + 3);
    QVERIFY(window.workspace()->isItemPinned());
  }

  // A conditional VAE with a Gaussian decoder: the units page sets Dang et al.'s linear-theory
  // prediction beside the collapse the model shows, with the threshold it uses.
  void conditionalVaeCollapsePrediction() {
    STRATA_REQUIRE_DATA(fashionMnistAvailable(), "dataset-fashion-mnist");
    const QString shots = qEnvironmentVariable("STRATA_SCREENSHOT_DIR");
    MainWindow window;
    window.resize(1500, 1000);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.openStartup("fashion-mnist:test", bundledModelPath("fashion_cvae.pt"));
    window.showView("compare");
    CompareView* compare = window.compareView();
    QTRY_VERIFY_WITH_TIMEOUT(compare->modelCount() == 1, 60000);
    // Metrics asked for before the images arrive would be dropped as stale.
    QTRY_VERIFY_WITH_TIMEOUT(compare->reconstructionGrid(0)->imageCount() == 8, 60000);
    QSignalSpy metrics(compare, &CompareView::metricsShown);
    MetricsOptions options = compare->metricOptions();
    options.items = 2000;
    options.iwItems = 100;
    options.iwSamples = 20;
    compare->setMetricOptions(options);
    compare->computeMetrics();
    QTRY_VERIFY_WITH_TIMEOUT(metrics.count() == 1, 240000);
    compare->showPage("units");
    const QString summary = compare->unitTable()->summary();
    QVERIFY2(summary.contains("predicted collapsed by the linear theory") &&
                 summary.contains("= 0.5625): ") && summary.contains(" of 16."),
             qPrintable(summary));
    QVERIFY(compare->unitTable()->collapseChart()->isVisible());
    // Its figure: the same items and seed, the model by file.
    const QJsonObject recipe = compare->unitTable()->figureRecipe();
    QCOMPARE(recipe["figure"].toString(), QStringLiteral("collapse"));
    QCOMPARE(recipe["metric_items"].toInt(), 2000);
    QTest::qWait(100);
    if (!shots.isEmpty())
      QVERIFY(window.grab().save(QDir(shots).filePath("compare-units-collapse.png")));
  }

  // File > Export Figure on the hierarchy view: the figure and its recipe, and the recipe
  // renders the same bytes from the command line.
  void exportsTheCurrentViewWithARecipe() {
    STRATA_REQUIRE_DATA(fashionMnistAvailable(), "dataset-fashion-mnist");
    MainWindow window;
    window.resize(1200, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy model(&window, &MainWindow::modelShown);
    window.openStartup("fashion-mnist:test", bundledModelPath("fashion_lvae.pt"));
    QTRY_VERIFY_WITH_TIMEOUT(model.count() >= 1 && window.dataset(), 60000);
    QTemporaryDir dir;
    ExportFigureAction* action = window.exportFigureAction();
    QSignalSpy exported(action, &ExportFigureAction::exported);
    window.showView("hierarchy");
    action->exportTo(dir.filePath("layers.png"));
    QTRY_VERIFY_WITH_TIMEOUT(exported.count() == 1, 60000);
    window.showView("map");
    action->exportTo(dir.filePath("map.svg"), {{"font", "DejaVu Sans"},
                                               {"font_size", 11},
                                               {"dpi", 150},
                                               {"title", "Fashion-MNIST pixels"}});
    QTRY_VERIFY_WITH_TIMEOUT(exported.count() == 2, 60000);
    QVERIFY(QFileInfo(dir.filePath("map.svg")).size() > 10000);
    QVERIFY(QFileInfo::exists(dir.filePath("map.svg.json")));
    QFile svg(dir.filePath("map.svg"));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    QVERIFY(svg.readAll().contains(">Fashion-MNIST pixels</text>"));  // the edited title

    QProcess render;
    render.start(STRATA_EXECUTABLE,
                 {"render", dir.filePath("layers.png.json"), "-o", dir.filePath("again.png")});
    QVERIFY(render.waitForFinished(120000));
    QVERIFY2(render.exitCode() == 0, render.readAllStandardError().constData());
    auto hash = [](const QString& path) {
      QFile f(path);
      return f.open(QIODevice::ReadOnly)
                 ? QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256)
                 : QByteArray();
    };
    QVERIFY(!hash(dir.filePath("layers.png")).isEmpty());
    QCOMPARE(hash(dir.filePath("again.png")), hash(dir.filePath("layers.png")));

    // The traverse view's GIF button hands its recipe to the same export: one unit, animated.
    TraverseView* traverse = window.traverseView();
    window.showView("traverse");  // the sliders start from a latent the view requests itself
    QTRY_VERIFY_WITH_TIMEOUT(!traverse->animationRecipe().isEmpty(), 60000);
    const QJsonObject animation = traverse->animationRecipe();
    QCOMPARE(animation["units"].toArray().size(), 1);
    action->exportRecipe(window.withDatasetAndStyle(animation), dir.filePath("unit.gif"));
    QTRY_VERIFY_WITH_TIMEOUT(exported.count() == 3, 60000);
    QFile gif(dir.filePath("unit.gif"));
    QVERIFY(gif.open(QIODevice::ReadOnly));
    QVERIFY(gif.read(6) == "GIF89a");
    QVERIFY(QFileInfo::exists(dir.filePath("unit.gif.json")));
  }

  // A 60-layer model (tests/data/models/deep60.pt, five groups by resolution) keeps every
  // hierarchy page within a 1600-pixel screen: temperatures per group, resampling and mixing
  // at the group boundaries (6 levels, not 61).
  void deepModelStaysUsable() {
    STRATA_REQUIRE_DATA(fashionMnistAvailable(), "dataset-fashion-mnist");
    MainWindow window;
    window.resize(1400, 860);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy model(&window, &MainWindow::modelShown);
    QSignalSpy stats(&window, &MainWindow::statsShown);
    window.openStartup("fashion-mnist:test",
                       QStringLiteral(STRATA_SOURCE_DIR "/tests/data/models/deep60.pt"));
    QTRY_VERIFY_WITH_TIMEOUT(model.count() >= 1 && window.dataset(), 60000);
    QCOMPARE(window.model()->info().layers.size(), size_t(60));
    HierarchyView* hierarchy = window.hierarchyView();
    QVERIFY(hierarchyPagesShown(window, 120000));
    QCOMPARE(hierarchy->resamplingGrid()->imageCount(), 3 * 6 * 7);
    QCOMPARE(hierarchy->mixingGrid()->imageCount(), 2 + 6);
    QCOMPARE(hierarchy->temperatureGrid()->imageCount(), 32);
    const QString shots = qEnvironmentVariable("STRATA_SCREENSHOT_DIR");  // to look at them
    QTRY_VERIFY_WITH_TIMEOUT(stats.count() >= 1, 120000);  // the KL page has its numbers
    for (const char* page : {"resampling", "temperature", "mixing", "kl"}) {
      hierarchy->showPage(page);
      QTest::qWait(100);
      if (!shots.isEmpty())
        QVERIFY(window.grab().save(QDir(shots).filePath(QStringLiteral("deep-%1.png").arg(page))));
      QVERIFY2(window.minimumSizeHint().width() <= 1600,
               qPrintable(QStringLiteral("%1 page: the window needs %2 pixels")
                              .arg(page)
                              .arg(window.minimumSizeHint().width())));
    }
    QString why;
    const QJsonObject recipe = window.currentRecipe(&why);  // the KL page
    QCOMPARE(recipe["page"].toString(), QStringLiteral("kl"));
    hierarchy->showPage("temperature");
    QCOMPARE(window.currentRecipe(&why)["temperatures"].toArray().size(), 60);
    // "From layer k on" overrides the layers from k down, in the view and in its recipe.
    QSignalSpy cooled(hierarchy, &HierarchyView::temperatureShown);
    hierarchy->temperatures()->setFromLayer(37, 0.3);
    QTRY_VERIFY_WITH_TIMEOUT(cooled.count() >= 1, 60000);
    const QJsonArray temps = window.currentRecipe(&why)["temperatures"].toArray();
    QCOMPARE(temps[35].toDouble(), 1.0);
    QCOMPARE(temps[36].toDouble(), 0.3);
    QCOMPARE(temps[59].toDouble(), 0.3);
    QVERIFY(hierarchy->temperatureGrid()->caption().contains(QStringLiteral("from layer 37")));
    // Resampling at one chosen k: one row per input, and the recipe names that k.
    hierarchy->showPage("resampling");
    QSignalSpy resampled(hierarchy, &HierarchyView::resamplingShown);
    hierarchy->setResamplingLevel(30);
    QTRY_VERIFY_WITH_TIMEOUT(resampled.count() >= 1, 60000);
    QCOMPARE(hierarchy->resamplingGrid()->imageCount(), 3 * 1 * 7);
    QCOMPARE(window.currentRecipe(&why)["levels"].toArray(), QJsonArray({30}));

    // Traverse: one folding box per layer, the first group unfolded, a filter by group.
    TraverseView* traverse = window.traverseView();
    window.showView("traverse");
    auto layerBoxes = [traverse] {
      QList<QGroupBox*> boxes;
      for (QGroupBox* box : traverse->findChildren<QGroupBox*>())
        if (box->isCheckable()) boxes << box;
      return boxes;
    };
    QTRY_COMPARE_WITH_TIMEOUT(layerBoxes().size(), 60, 60000);
    int unfolded = 0;
    for (QGroupBox* box : layerBoxes()) unfolded += box->isChecked() ? 1 : 0;
    QCOMPARE(unfolded, 12);
    traverse->setLayerFilter(QStringLiteral("14 x 14"));
    int shown = 0;
    for (QGroupBox* box : layerBoxes()) shown += box->isVisibleTo(traverse) ? 1 : 0;
    QCOMPARE(shown, 12);
    QVERIFY(window.minimumSizeHint().width() <= 1600);
    QTest::qWait(200);  // the scroll area lays out the filtered boxes
    if (!shots.isEmpty()) QVERIFY(window.grab().save(QDir(shots).filePath("deep-traverse.png")));
  }

  // A saved session reopens the dataset, model, compared models, view and selection.
  void sessionRoundTrip() {
    STRATA_REQUIRE_DATA(fashionMnistAvailable(), "dataset-fashion-mnist");
    QTemporaryDir dir;
    const QString file = dir.filePath("s.json");
    {
      MainWindow window;
      window.show();
      QSignalSpy projection(&window, &MainWindow::projectionShown);
      QSignalSpy added(&window, &MainWindow::compareModelAdded);
      window.openStartup("fashion-mnist:test", bundledModelPath("fashion_vae.pt"));
      window.addCompareModel(bundledModelPath("fashion_lvae.pt"));
      QTRY_VERIFY_WITH_TIMEOUT(projection.count() >= 1 && added.count() >= 1 && window.model(),
                               90000);
      QTRY_COMPARE_WITH_TIMEOUT(window.compareView()->modelCount(), 2, 30000);
      window.restoreSelection({3, 14, 15, 92});
      window.showView("compare");
      writeSession(file, captureSession(window));
    }
    QStringList problems;
    const Session saved = readSession(file, &problems);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n')));
    QCOMPARE(saved.compare.size(), 2);
    MainWindow restored;
    restored.show();
    QSignalSpy projection(&restored, &MainWindow::projectionShown);
    restoreSession(restored, saved, &problems);
    QVERIFY(problems.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(
        projection.count() >= 1 && restored.model() && restored.compareView()->modelCount() == 2,
        90000);
    QCOMPARE(restored.model()->info().path, bundledModelPath("fashion_vae.pt"));
    QCOMPARE(restored.tabs()->currentWidget(), static_cast<QWidget*>(restored.compareView()));
    QTRY_COMPARE_WITH_TIMEOUT(restored.scatterView()->selection(),
                              (std::vector<int>{3, 14, 15, 92}), 10000);
  }

  // A killed Strata leaves its autosave behind, and that session restores.
  void killedProcessSessionIsRestored() {
    STRATA_REQUIRE_DATA(fashionMnistAvailable(), "dataset-fashion-mnist");
    QTemporaryDir home;
    QProcess strata;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* var : {"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"})
      env.insert(var, home.filePath(var));
    env.insert("STRATA_AUTOSAVE_INTERVAL_MS", "300");
    strata.setProcessEnvironment(env);
    strata.start(STRATA_EXECUTABLE,
                 {"fashion-mnist:test", "--model", bundledModelPath("fashion_vae.pt"), "--compare",
                  bundledModelPath("fashion_lvae.pt"), "--view", "hierarchy", "--no-restore"});
    QVERIFY(strata.waitForStarted());
    auto autosave = [&] {
      QDirIterator it(home.path(), {"autosave.session.json"}, QDir::Files,
                      QDirIterator::Subdirectories);
      return it.hasNext() ? it.next() : QString();
    };
    auto complete = [&] {
      const QString path = autosave();
      if (path.isEmpty()) return false;
      QFile f(path);
      if (!f.open(QIODevice::ReadOnly)) return false;
      const QJsonObject s = QJsonDocument::fromJson(f.readAll()).object();
      return s["compare"].toArray().size() == 2 && !s["model"].toString().isEmpty();
    };
    QTRY_VERIFY_WITH_TIMEOUT(complete(), 120000);
    strata.kill();  // SIGKILL: no chance to clean up
    QVERIFY(strata.waitForFinished(10000));
    const QString left = autosave();
    QVERIFY2(!left.isEmpty(), "the autosave must survive a kill");
    QStringList problems;
    const Session session = readSession(left, &problems);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n')));
    QCOMPARE(session.clean, false);
    QCOMPARE(session.view, QStringLiteral("hierarchy"));

    MainWindow restored;
    restored.show();
    restoreSession(restored, session, &problems);
    QVERIFY(problems.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(restored.model() && restored.compareView()->modelCount() == 2, 90000);
    QCOMPARE(restored.model()->info().path, bundledModelPath("fashion_vae.pt"));
    QCOMPARE(restored.tabs()->currentWidget(), static_cast<QWidget*>(restored.hierarchyView()));
  }

  void exploresAnEmbeddingFileWithoutAModel() {
    QTemporaryDir dir;
    std::vector<float> v(size_t(2000) * 16);
    std::vector<int64_t> labels(2000);
    for (int i = 0; i < 2000; ++i) {
      labels[size_t(i)] = i % 4;
      for (int d = 0; d < 16; ++d)
        v[size_t(i) * 16 + size_t(d)] =
            float((i % 4) * 5 * (d == i % 4)) + float((i * 7 + d * 13) % 10) / 10.0f;
    }
    writeNpz(dir.filePath("v.npz"),
             {{"embedding", makeNpy(v, {2000, 16})}, {"labels", makeNpy(labels, {2000})}});
    MainWindow window;
    window.resize(1100, 700);
    window.show();
    QSignalSpy shown(&window, &MainWindow::projectionShown);
    window.openDatasetSpec("embedding:" + dir.filePath("v.npz"));
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 60000);
    QCOMPARE(window.scatterView()->pointCount(), 2000);
    // Vectors from a file have no KL or reconstruction error: neither is held (as zeros) nor
    // offered as a colouring, while a latent unit is.
    QVERIFY(window.workspace()->map().encoding->kl.empty());
    QStringList colourings;
    for (const QComboBox* box : window.mapControls()->findChildren<QComboBox*>())
      for (int i = 0; i < box->count(); ++i) colourings << box->itemText(i);
    QVERIFY2(colourings.contains("latent unit") && !colourings.contains("KL per item") &&
                 !colourings.contains("reconstruction error"),
             qPrintable(colourings.join('|')));
    window.mapControls()->setMethod(ProjectionMethod::Umap);
    window.requestMap();
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 2, 120000);
    QCOMPARE(window.dataset()->classNames().size(), 4);
  }

  void badDatasetShowsAnErrorAndKeepsState() {
    MainWindow window;
    QSignalSpy shown(&window, &MainWindow::projectionShown);
    QSignalSpy failed(&window, &MainWindow::jobFailed);
    // A missing file fails on the worker; the message box is closed by the timer below.
    QTimer closer;
    connect(&closer, &QTimer::timeout, [] {
      if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) box->accept();
    });
    closer.start(50);
    window.openDatasetSpec("/nonexistent/images-idx3-ubyte");
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
    const QString message = failed.at(0).at(1).toString();
    QVERIFY2(message.contains("/nonexistent/images-idx3-ubyte"), qPrintable(message));
    QCOMPARE(shown.count(), 0);
    QVERIFY(!window.dataset());
    QVERIFY(!QSettings().contains("data/last"));
  }
};

int main(int argc, char** argv) {
  setDefaultSurfaceFormat();
  QApplication app(argc, argv);
  TestMainWindow test;
  return strata::test::runTests(&test, argc, argv);
}
#include "test_main_window.moc"
