// The default launch: Fashion-MNIST test split, PCA on a worker, scatter coloured by class.

#include <QMessageBox>
#include <QtTest>

#include "app/main_window.h"
#include "core/fashion_mnist.h"
#include "widgets/gl_format.h"
#include "widgets/item_panel.h"
#include "widgets/scatter_view.h"

using namespace strata;

class TestMainWindow : public QObject {
  Q_OBJECT

private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName("StrataTest");
  }

  void showsFashionMnistPcaAndStaysResponsive() {
    if (!fashionMnistAvailable()) QSKIP("dataset-fashion-mnist is not installed");
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

  void badDatasetShowsAnErrorAndKeepsState() {
    MainWindow window;
    QSignalSpy shown(&window, &MainWindow::projectionShown);
    // A missing file fails on the worker; the message box is closed by the timer below.
    QTimer closer;
    connect(&closer, &QTimer::timeout, [] {
      if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) box->accept();
    });
    closer.start(50);
    window.openDatasetSpec("/nonexistent/images-idx3-ubyte");
    QTest::qWait(1000);
    QCOMPARE(shown.count(), 0);
    QVERIFY(!window.dataset());
  }
};

int main(int argc, char** argv) {
  setDefaultSurfaceFormat();
  QApplication app(argc, argv);
  TestMainWindow test;
  return QTest::qExec(&test, argc, argv);
}
#include "test_main_window.moc"
