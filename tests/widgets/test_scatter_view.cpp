// The VTK scatter really draws, reacts to the mouse and picks the right point.
// Needs an X server (label: rendering).

#include <QtTest>

#include <numeric>
#include <set>

#include "core/figures/palette.h"
#include "tests/support/test_support.h"
#include "widgets/gl_format.h"
#include "widgets/scatter_view.h"

using namespace strata;

namespace {

// Two clusters of 50 points each: class 0 on the left, class 1 on the right.
void twoClusters(std::vector<float>& xy, std::vector<int>& labels) {
  for (int i = 0; i < 100; ++i) {
    const int c = i / 50;
    xy.push_back(float(c * 10 + (i % 10) * 0.3));
    xy.push_back(float((i / 10) % 5 * 0.3));
    labels.push_back(c);
  }
}

bool near(QRgb a, QColor b, int tol = 12) {
  return std::abs(qRed(a) - b.red()) <= tol && std::abs(qGreen(a) - b.green()) <= tol &&
         std::abs(qBlue(a) - b.blue()) <= tol;
}

}  // namespace

class TestScatterView : public QObject {
  Q_OBJECT

  ScatterView* view_ = nullptr;
  std::vector<float> xy_;
  std::vector<int> labels_;

 private Q_SLOTS:
  void initTestCase() {
    view_ = new ScatterView;
    view_->resize(640, 480);
    view_->show();
    QVERIFY(QTest::qWaitForWindowExposed(view_));
    twoClusters(xy_, labels_);
    view_->setPoints(xy_, 2);
    view_->setCategoryColors(labels_, {"left", "right"});
  }
  void cleanupTestCase() { delete view_; }

  void drawsPointsInTwoClassColours() {
    const QImage image = view_->grabFramebuffer();
    QCOMPARE(image.size(), QSize(640, 480) * view_->devicePixelRatio());
    int nonBackground = 0, first = 0, second = 0;
    for (int y = 0; y < image.height(); ++y)
      for (int x = 0; x < image.width(); ++x) {
        const QRgb p = image.pixel(x, y);
        if (p != qRgb(255, 255, 255)) ++nonBackground;
        if (near(p, categoricalColor(0))) ++first;
        if (near(p, categoricalColor(1))) ++second;
      }
    if (QTest::currentTestFailed() || first < 20 || second < 20)
      image.save(QDir::temp().filePath("strata-scatter-actual.png"));
    QVERIFY2(nonBackground > 500, qPrintable(QString::number(nonBackground)));
    QVERIFY2(first >= 20, qPrintable(QString::number(first)));
    QVERIFY2(second >= 20, qPrintable(QString::number(second)));
  }

  void picksTheRightPoint() {
    for (int index : {0, 37, 55, 99}) {
      const QPointF at = view_->widgetPosition(index);
      QVERIFY(view_->rect().contains(at.toPoint()));
      QCOMPARE(view_->pointAt(at.toPoint()), index);
    }
    QCOMPARE(view_->pointAt(QPoint(2, 2)), -1);
  }

  void clickEmitsTheIndex() {
    QSignalSpy clicked(view_, &ScatterView::pointClicked);
    const QPoint at = view_->widgetPosition(42).toPoint();
    QTest::mouseClick(view_, Qt::LeftButton, {}, at);
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.at(0).at(0).toInt(), 42);
  }

  void dragPansTheCamera() {
    view_->resetCamera();
    const auto before = view_->cameraState();
    QTest::mousePress(view_, Qt::LeftButton, {}, QPoint(300, 200));
    for (int i = 1; i <= 10; ++i) {
      QMouseEvent move(QEvent::MouseMove, QPointF(300 + 8 * i, 200 + 4 * i),
                       view_->mapToGlobal(QPointF(300 + 8 * i, 200 + 4 * i)), Qt::NoButton,
                       Qt::LeftButton, Qt::NoModifier);
      QApplication::sendEvent(view_, &move);
    }
    QTest::mouseRelease(view_, Qt::LeftButton, {}, QPoint(380, 240));
    const auto after = view_->cameraState();
    QVERIFY(!(before == after));
    QVERIFY(after.focalPoint[0] < before.focalPoint[0]);  // dragging right moves the view left
    QCOMPARE(after.viewUp, before.viewUp);                // 2-D: no rotation
  }

  void dragRotatesIn3D() {
    std::vector<float> xyz;
    for (size_t i = 0; i < xy_.size() / 2; ++i) {
      xyz.push_back(xy_[2 * i]);
      xyz.push_back(xy_[2 * i + 1]);
      xyz.push_back(float(i % 3));
    }
    view_->setMode(ScatterView::Mode::ThreeD);
    view_->setPoints(xyz, 3);
    const auto before = view_->cameraState();
    QTest::mousePress(view_, Qt::LeftButton, {}, QPoint(300, 200));
    for (int i = 1; i <= 10; ++i) {
      QMouseEvent move(QEvent::MouseMove, QPointF(300 + 6 * i, 200),
                       view_->mapToGlobal(QPointF(300 + 6 * i, 200)), Qt::NoButton, Qt::LeftButton,
                       Qt::NoModifier);
      QApplication::sendEvent(view_, &move);
    }
    QTest::mouseRelease(view_, Qt::LeftButton, {}, QPoint(360, 200));
    const auto after = view_->cameraState();
    QVERIFY(before.position != after.position);
    QVERIFY(view_->pointAt(view_->widgetPosition(77).toPoint()) >= 0);
    view_->setMode(ScatterView::Mode::TwoD);
    view_->setPoints(xy_, 2);
  }

  void lassoSelectsExactlyThePointsInside() {
    view_->resetCamera();
    // A triangle over part of the left cluster; check against each point's drawn position.
    const QPointF a = view_->widgetPosition(0), b = view_->widgetPosition(9),
                  c = view_->widgetPosition(49);
    const QPolygonF triangle({a + QPointF(-3, 3), b + QPointF(3, 3), c + QPointF(0, -3)});
    const std::vector<int> inside = view_->pointsInside(triangle);
    std::vector<int> expected;
    for (int i = 0; i < 100; ++i)
      if (triangle.containsPoint(view_->widgetPosition(i), Qt::OddEvenFill)) expected.push_back(i);
    QCOMPARE(inside, expected);
    QVERIFY(!inside.empty() && inside.size() < 50);
    // The gesture: shift-drag around the right cluster selects exactly its 50 points.
    QSignalSpy selected(view_, &ScatterView::selectionChanged);
    QRectF box;
    for (int i = 50; i < 100; ++i) box |= QRectF(view_->widgetPosition(i), QSizeF(1, 1));
    box.adjust(-6, -6, 6, 6);
    QTest::mousePress(view_, Qt::LeftButton, Qt::ControlModifier, box.topLeft().toPoint());
    QMouseEvent move(QEvent::MouseMove, box.bottomRight(), view_->mapToGlobal(box.bottomRight()),
                     Qt::NoButton, Qt::LeftButton, Qt::ControlModifier);
    QApplication::sendEvent(view_, &move);
    QTest::mouseRelease(view_, Qt::LeftButton, Qt::ControlModifier, box.bottomRight().toPoint());
    QCOMPARE(selected.count(), 1);
    std::vector<int> right(50);
    std::iota(right.begin(), right.end(), 50);
    QCOMPARE(view_->selection(), right);
    view_->setSelection({});
  }

  void pickingSurvivesFilteringAndRecolouring() {
    view_->resetCamera();
    std::vector<char> visible(100, 1);
    for (int i = 0; i < 50; ++i) visible[size_t(i)] = 0;  // hide the left class
    view_->setVisibleMask(visible);
    view_->setScalarColors(std::vector<float>(100, 1.0f), "constant");
    const QPoint hidden = view_->widgetPosition(10).toPoint();
    QVERIFY(view_->pointAt(hidden) == -1 || view_->pointAt(hidden) >= 50);
    for (int index : {50, 77, 99})
      QCOMPARE(view_->pointAt(view_->widgetPosition(index).toPoint()), index);
    QVERIFY(view_->pointsInside(QPolygonF(QRectF(view_->rect()))).size() == 50);
    view_->setVisibleMask({});
    view_->setCategoryColors(labels_, {"left", "right"});
    QCOMPARE(view_->pointAt(view_->widgetPosition(10).toPoint()), 10);
  }

  void scalarColoursUseViridis() {
    std::vector<float> values(100);
    for (int i = 0; i < 100; ++i) values[size_t(i)] = float(i);
    view_->setScalarColors(values, "index");
    const QImage image = view_->grabFramebuffer();
    int low = 0, high = 0;
    for (int y = 0; y < image.height(); ++y)
      for (int x = 0; x < image.width(); ++x) {
        const QRgb p = image.pixel(x, y);
        low += near(p, viridis(0.0), 20);
        high += near(p, viridis(1.0), 20);
      }
    QVERIFY(low > 5);
    QVERIFY(high > 5);
    view_->setCategoryColors(labels_, {"left", "right"});
  }
};

int main(int argc, char** argv) {
  setDefaultSurfaceFormat();
  QApplication app(argc, argv);
  TestScatterView test;
  return strata::test::runTests(&test, argc, argv);
}
#include "test_scatter_view.moc"
