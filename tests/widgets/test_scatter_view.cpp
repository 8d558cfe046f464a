// The VTK scatter really draws, reacts to the mouse and picks the right point.
// Needs an X server (label: rendering).

#include <QtTest>

#include <cmath>
#include <numeric>
#include <random>
#include <set>

#include "core/figures/palette.h"
#include "tests/support/test_support.h"
#include "widgets/density_layer.h"
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

// Three overlapping Gaussian clusters of `n` points in all, one category each.
void largeCloud(int n, std::vector<float>& xy, std::vector<int>& labels) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal;
  for (int i = 0; i < n; ++i) {
    const int c = i % 3;
    xy.push_back(normal(rng) + 2.5f * float(c));
    xy.push_back(normal(rng) * (c == 1 ? 0.5f : 1.0f) + (c == 2 ? 2.0f : 0.0f));
    labels.push_back(c);
  }
}

// The rows at the bottom where the view writes how the picture was made.
constexpr int kNoteRows = 30;

// Image pixels (x, y from the top, above the note) that hold at least one point, by each
// point's position.
QSet<qint64> pixelsWithPoints(const ScatterView& view, int n, const QSize& image) {
  QSet<qint64> pixels;
  const double ratio = view.devicePixelRatioF();
  const std::vector<QPointF> positions = view.widgetPositions();
  for (int i = 0; i < n; ++i) {
    const QPointF p = positions[size_t(i)] * ratio;
    const int x = int(std::floor(p.x())), y = int(std::floor(p.y()));
    if (x >= 0 && y >= 0 && x < image.width() && y < image.height() - kNoteRows)
      pixels.insert(qint64(y) * image.width() + x);
  }
  return pixels;
}

QSet<qint64> pixelsNotWhite(const QImage& image) {
  QSet<qint64> pixels;
  for (int y = 0; y < image.height() - kNoteRows; ++y)
    for (int x = 0; x < image.width(); ++x)
      if (image.pixel(x, y) != qRgb(255, 255, 255)) pixels.insert(qint64(y) * image.width() + x);
  return pixels;
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

  // Above 100,000 points the 2-D view draws every point into a density picture: the pixels
  // it colours are exactly those holding a point, before and after a pan; zoomed in, points
  // come back as points; hover and lasso answer as a scan of every point would.
  void largeCloudsAreDrawnExactly() {
    const int n = 240000;
    std::vector<float> xy;
    std::vector<int> labels;
    largeCloud(n, xy, labels);
    view_->setPoints(xy, 2);
    view_->setCategoryColors(labels, {});
    view_->setCaption({});
    QVERIFY(view_->drawsDensity());
    // Before the point grid is built (frames scan every point), and after (frames read it
    // cell by cell, and small pans shift the picture and bin only the uncovered strips).
    size_t bytesBeforeGrid = 0;
    for (int pan = 0; pan < 6; ++pan) {
      if (pan == 2) QTRY_VERIFY(view_->pickingIndexed());
      const QImage image = view_->grabFramebuffer();
      // The grid is started by the first frame and lands through the event loop, later.
      if (pan == 0) bytesBeforeGrid = view_->drawingBytes();
      const QSet<qint64> expected = pixelsWithPoints(*view_, n, image.size());
      const QSet<qint64> drawn = pixelsNotWhite(image);
      if (drawn != expected) {
        image.save(QDir::temp().filePath("strata-density-actual.png"));
        qInfo() << "pan" << pan << "grid" << view_->pickingIndexed();
      }
      QCOMPARE(drawn.size(), expected.size());
      QVERIFY(drawn == expected);
      QVERIFY(!view_->lastFrame().drawnAsPoints);
      QVERIFY(view_->lastFrame().pointsInView > 100000);
      QCOMPARE(view_->lastFrame().shifted, pan > 0);
      // Pans right and down, then left and up, by 60 pixels or a few.
      const QPoint step = pan < 2 ? QPoint(60, 10) : QPoint(pan % 2 ? -7 : 13, pan % 2 ? 5 : -3);
      QTest::mousePress(view_, Qt::LeftButton, {}, QPoint(300, 240));
      QMouseEvent move(QEvent::MouseMove, QPointF(QPoint(300, 240) + step),
                       view_->mapToGlobal(QPointF(QPoint(300, 240) + step)), Qt::NoButton,
                       Qt::LeftButton, Qt::NoModifier);
      QApplication::sendEvent(view_, &move);
      QTest::mouseRelease(view_, Qt::LeftButton, {}, QPoint(300, 240) + step);
    }
    // Hover: the nearest point within 6 pixels, as a scan finds it.
    view_->resetCamera();
    view_->grabFramebuffer();
    // Once the grid is built the view keeps the points only in its order; every position,
    // hover, lasso and selection below is answered from that one copy.
    // Before: x and y (8 bytes a point) and the category (2). After: the grid-ordered x and
    // y (8), the order (4), cell starts and both orders' categories (4); with the copy in
    // the points' own order kept as well it would be 8 bytes a point more.
    QVERIFY(bytesBeforeGrid > 0);
    const size_t bytesReleased = view_->drawingBytes();
    QVERIFY(bytesReleased < bytesBeforeGrid + size_t(n) * 8);
    std::vector<QPointF> positions = view_->widgetPositions();
    QCOMPARE(positions.size(), size_t(n));
    for (int i : {0, 1, n / 2, n - 1}) QCOMPARE(view_->widgetPosition(i), positions[size_t(i)]);
    for (const QPoint at : {QPoint(320, 240), QPoint(100, 100), QPoint(5, 5), QPoint(400, 300)}) {
      int expected = -1;
      double best = 36.0;
      for (int i = 0; i < n; ++i) {
        const QPointF p = positions[size_t(i)] - QPointF(at);
        const double d2 = p.x() * p.x() + p.y() * p.y();
        if (d2 < best) best = d2, expected = i;
      }
      const int found = view_->pointAt(at);
      QVERIFY2(found == expected || (found >= 0 && expected >= 0 &&
                                     std::abs(QLineF(view_->widgetPosition(found), at).length() -
                                              std::sqrt(best)) < 1e-3),
               qPrintable(QString("%1 vs %2").arg(found).arg(expected)));
    }
    // Lasso: a triangle over part of the cloud.
    const QPolygonF triangle({QPointF(150, 400), QPointF(420, 90), QPointF(520, 420)});
    std::vector<int> expected;
    for (int i = 0; i < n; ++i)
      if (triangle.containsPoint(positions[size_t(i)], Qt::OddEvenFill)) expected.push_back(i);
    QVERIFY(expected.size() > 10000);
    QCOMPARE(view_->pointsInside(triangle), expected);
    // Indices that name no point are dropped (the density picture reads the view's own list).
    view_->setSelection({-3, expected[0], n, n + 1000});
    QCOMPARE(view_->selection(), std::vector<int>{expected[0]});
    view_->grabFramebuffer();
    // The selection is drawn dark into the picture.
    view_->setSelection(expected);
    const QImage selected = view_->grabFramebuffer();
    const QPointF inside = view_->widgetPosition(expected[expected.size() / 2]);
    QCOMPARE(selected.pixel(int(inside.x()), int(inside.y())), qRgb(25, 25, 25));
    // A selection of half the points is binned like the picture and follows a pan: every
    // pixel holding a selected point is dark, and only those.
    std::vector<int> half;
    for (int i = 0; i < n; i += 2) half.push_back(i);
    view_->setSelection(half);
    for (int pan = 0; pan < 2; ++pan) {
      const QImage image = view_->grabFramebuffer();
      positions = view_->widgetPositions();
      QSet<qint64> dark, selectedPixels;
      for (int y = 0; y < image.height() - kNoteRows; ++y)
        for (int x = 0; x < image.width(); ++x)
          if (image.pixel(x, y) == qRgb(25, 25, 25)) dark.insert(qint64(y) * image.width() + x);
      const double ratio = view_->devicePixelRatioF();
      for (int i : half) {
        const QPointF p = positions[size_t(i)] * ratio;
        const int x = int(std::floor(p.x())), y = int(std::floor(p.y()));
        if (x >= 0 && y >= 0 && x < image.width() && y < image.height() - kNoteRows)
          selectedPixels.insert(qint64(y) * image.width() + x);
      }
      QCOMPARE(dark.size(), selectedPixels.size());
      QVERIFY(dark == selectedPixels);
      if (pan > 0) QVERIFY(view_->lastFrame().shifted);
      QTest::mousePress(view_, Qt::LeftButton, {}, QPoint(300, 240));
      QMouseEvent move(QEvent::MouseMove, QPointF(311, 233), view_->mapToGlobal(QPointF(311, 233)),
                       Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
      QApplication::sendEvent(view_, &move);
      QTest::mouseRelease(view_, Qt::LeftButton, {}, QPoint(311, 233));
    }
    view_->setSelection({});
    view_->resetCamera();
    // Zoomed in far enough to show under 100,000 points: squares of one category colour.
    for (int i = 0; i < 8; ++i) {
      QWheelEvent wheel(QPointF(320, 240), view_->mapToGlobal(QPointF(320, 240)), QPoint(),
                        QPoint(0, 120), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
      QApplication::sendEvent(view_, &wheel);
    }
    const QImage zoomed = view_->grabFramebuffer();
    QVERIFY(view_->lastFrame().drawnAsPoints);
    QVERIFY(view_->lastFrame().pointsInView < 100000);
    QVERIFY(pixelsNotWhite(zoomed).size() > 1000);
    // The VTK point path (what a GPU machine may prefer, STRATA_DENSITY_POINTS) still draws
    // the same cloud: every point, picked by projection.
    view_->resetCamera();
    view_->setDensityThreshold(int64_t(1) << 40);
    QVERIFY(!view_->drawsDensity());
    const QImage asPoints = view_->grabFramebuffer();
    QVERIFY(pixelsNotWhite(asPoints).size() > 10000);
    const QPoint at = view_->widgetPosition(12345).toPoint();
    const int found = view_->pointAt(at, 1.0);
    QVERIFY(found >= 0 && QLineF(view_->widgetPosition(found), at).length() <= 1.0);
    view_->setDensityThreshold(100000);
    QVERIFY(view_->drawsDensity());
    view_->grabFramebuffer();
    // Back to density: the copies in the points' own order go again.
    QVERIFY(view_->drawingBytes() < bytesReleased + size_t(n) * 4);
    // 3-D draws VTK points again; back in 2-D, density.
    view_->setMode(ScatterView::Mode::ThreeD);
    QVERIFY(!view_->drawsDensity());
    view_->setMode(ScatterView::Mode::TwoD);
    QVERIFY(view_->drawsDensity());
    view_->setPoints(xy_, 2);
    QVERIFY(!view_->drawsDensity());
    view_->setCategoryColors(labels_, {"left", "right"});
  }

  // A large cloud keeps its coordinates and colours only in the grid's order; VTK's point path
  // gets them back in the points' own order, exactly (non-finite points: NaN, no colour).
  void densityLayerGivesBackWhatItReleased() {
    const int n = 30000;
    std::vector<float> xy;
    std::vector<int> labels;
    largeCloud(n, xy, labels);
    xy[2 * 17] = NAN;  // not in the grid
    xy[2 * 90 + 1] = INFINITY;
    // Categories under a wide palette (two bytes a point), a small one (a byte), values.
    for (int mode : {0, 1, 2}) {
      const bool byValue = mode == 2;
      const size_t colours = mode == 1 ? 8 : 400;
      QObject context;
      DensityLayer layer(&context);
      bool arrived = false;
      layer.setGridReadyHandler([&] { arrived = true; });
      layer.setPoints(std::make_shared<const std::vector<float>>(xy), 2);
      auto slots = std::make_shared<std::vector<uint16_t>>();
      auto values = std::make_shared<std::vector<float>>();
      for (int i = 0; i < n; ++i) {
        slots->push_back(uint16_t(i % 7 + (mode == 0 && i % 11 == 0 ? 300 : 0)));
        values->push_back(i % 13 == 0 ? NAN : float(i) * 0.5f);
      }
      std::vector<Rgb> palette(colours);
      for (size_t c = 0; c < palette.size(); ++c) palette[c] = {uint8_t(c), uint8_t(c / 2), 9};
      if (byValue)
        layer.setValues(values, 0, float(n), palette);
      else
        layer.setCategories(slots, palette);
      const ScreenTransform t{40, 0, 200, 0, 40, 150};
      layer.render(t, 400, 300);  // starts the grid
      QTRY_VERIFY(arrived);
      QVERIFY(layer.releaseOriginal());
      const DensityLayer::Frame frame = layer.render(t, 400, 300);  // copies the colours
      QVERIFY(!layer.categorySlots() && !layer.pointValues());
      const auto positions = layer.positions({0, 17, 90, 4242, n - 1});
      QCOMPARE(positions[0][0], xy[0]);
      QVERIFY(std::isnan(positions[1][0]) && std::isnan(positions[2][0]));
      QCOMPARE(positions[3][1], xy[2 * 4242 + 1]);
      QCOMPARE(positions[4][0], xy[2 * (n - 1)]);
      const auto restored = layer.restoreOriginal();
      QVERIFY(restored);
      for (int i = 0; i < n; ++i) {
        const bool finite = i != 17 && i != 90;
        if (finite) {
          QCOMPARE((*restored)[2 * size_t(i)], xy[2 * size_t(i)]);
          QCOMPARE((*restored)[2 * size_t(i) + 1], xy[2 * size_t(i) + 1]);
        } else {
          QVERIFY(std::isnan((*restored)[2 * size_t(i)]));
        }
        if (byValue) {
          const float v = (*layer.pointValues())[size_t(i)];
          QVERIFY(finite ? (std::isnan(v) == std::isnan((*values)[size_t(i)]) &&
                            (std::isnan(v) || v == (*values)[size_t(i)]))
                         : std::isnan(v));
        } else {
          QCOMPARE((*layer.categorySlots())[size_t(i)], finite ? (*slots)[size_t(i)] : uint16_t(0));
        }
      }
      // The same picture from the restored columns as from the grid-ordered ones.
      QCOMPARE(layer.render(t, 400, 300).pointsInView, frame.pointsInView);
    }
  }

  // A large cloud without one finite point (a projection gone wrong): drawn empty, and hover
  // and lasso find nothing, before and after its (empty) grid arrives.
  void aLargeCloudOfNaNIsHarmless() {
    const int n = 150000;
    std::vector<float> xy(size_t(n) * 2, NAN);
    view_->setPoints(xy, 2);
    QVERIFY(view_->drawsDensity());
    const QPolygonF box({QPointF(10, 10), QPointF(600, 10), QPointF(600, 400), QPointF(10, 400)});
    for (int round = 0; round < 2; ++round) {
      view_->grabFramebuffer();
      if (round == 1) QTRY_VERIFY(view_->pickingIndexed());
      QCOMPARE(view_->pointAt(QPoint(320, 240), 50), -1);
      QVERIFY(view_->pointsInside(box).empty());
      QCOMPARE(view_->lastFrame().pointsInView, int64_t(0));
    }
    view_->setHighlighted(12);
    view_->setNeighbours({1, 2, 3});
    view_->grabFramebuffer();
    view_->setPoints(xy_, 2);
    view_->setCategoryColors(labels_, {"left", "right"});
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
