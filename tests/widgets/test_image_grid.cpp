// Pixel tests of the image grid: cells land where they should, scaled without blurring, and
// marked cells are outlined.

#include <QtTest>

#include "tests/support/test_support.h"
#include "widgets/image_grid.h"

using namespace strata;

class TestImageGrid : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void rendersCellsNearestNeighbour() {
    QVector<QImage> images;
    for (int i = 0; i < 6; ++i) {
      QImage img(4, 4, QImage::Format_Grayscale8);
      img.fill(0);
      img.setPixel(0, 0, qRgb(255, 255, 255));  // one white pixel, top left
      img.setPixel(3, 3, qRgb(40 * i, 40 * i, 40 * i));
      images << img;
    }
    ImageGrid grid;
    grid.setImages(images, 3, {"first", "second"});
    const QImage out = grid.renderImage(40);  // 10x per source pixel
    QCOMPARE(grid.imageCount(), 6);
    // Find cell 0: the first white pixel from the left within the top rows.
    int x0 = -1, y0 = -1;
    for (int y = 0; y + 9 < out.height() && x0 < 0; ++y)
      for (int x = 0; x + 10 < out.width(); ++x)
        if (qGray(out.pixel(x, y)) == 255 && qGray(out.pixel(x + 1, y)) == 255 &&
            qGray(out.pixel(x, y + 9)) == 255 && qGray(out.pixel(x + 10, y)) == 0) {
          x0 = x, y0 = y;
          break;
        }
    QVERIFY(x0 >= 0);
    // Each source pixel is a uniform 10 x 10 block (no smoothing at the edges).
    for (int dy = 0; dy < 10; ++dy)
      for (int dx = 0; dx < 10; ++dx) QCOMPARE(qGray(out.pixel(x0 + dx, y0 + dy)), 255);
    QCOMPARE(qGray(out.pixel(x0 + 10, y0)), 0);
    // Cell 5 (row 1, column 2): its bottom-right block has grey 200.
    const int pitch = 40 + 2;
    QCOMPARE(qGray(out.pixel(x0 + 2 * pitch + 35, y0 + pitch + 35)), 200);
  }

  void marksAndClicks() {
    QVector<QImage> images(4, QImage(8, 8, QImage::Format_Grayscale8));
    for (QImage& i : images) i.fill(128);
    ImageGrid grid;
    grid.resize(400, 200);
    grid.setImages(images, 4);
    grid.setMarkedCells({2});
    QSignalSpy clicked(&grid, &ImageGrid::cellClicked);
    const QImage shot = grid.grab().toImage();
    int red = 0;
    for (int y = 0; y < shot.height(); ++y)
      for (int x = 0; x < shot.width(); ++x) {
        const QColor c = shot.pixelColor(x, y);
        red += c.red() > 200 && c.green() < 120;
      }
    QVERIFY(red > 20);
    // A click in the middle of the third cell reports it.
    int hit = -1;
    for (int x = 0; x < 400 && hit != 2; x += 4) hit = grid.cellAt(QPoint(x, 100));
    QCOMPARE(hit, 2);
    QCOMPARE(grid.cellAt(QPoint(2, 2)), -1);
  }
};

STRATA_TEST_MAIN(TestImageGrid)
#include "test_image_grid.moc"
