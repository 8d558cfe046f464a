// The density raster against NumPy's histogram2d over the same pixels (tools/density_reference.py),
// its shading scales against their definitions, and the point grid's hover, lasso and box
// queries against a scan of every point with Qt's own polygon test.

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPolygonF>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <random>

#include "core/data/npy.h"
#include "core/numeric/density_raster.h"
#include "core/numeric/point_grid.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {

const QString kSource = QStringLiteral(STRATA_SOURCE_DIR);

struct Cloud {
  std::vector<float> xy;
  std::vector<uint16_t> slots;
  std::vector<float> values;
  std::vector<char> visible;
  PointColumns columns() const {
    PointColumns c;
    c.xy = xy.data();
    c.count = int64_t(xy.size() / 2);
    c.colourSlot = slots.data();
    c.value = values.data();
    c.visible = visible.empty() ? nullptr : visible.data();
    return c;
  }
};

// The columns in a grid's order, as a view that keeps only that copy holds them.
struct SortedCloud {
  std::vector<float> xy;
  std::vector<char> visible;
  SortedCloud(const Cloud& cloud, const PointGrid& grid)
      : xy(gatherInGridOrder(cloud.columns(), grid)) {
    for (uint32_t i : grid.order()) visible.push_back(cloud.visible.empty() ? 1 : cloud.visible[i]);
  }
  PointColumns columns() const {
    PointColumns c;
    c.xy = xy.data();
    c.count = int64_t(xy.size() / 2);
    c.visible = visible.data();
    return c;
  }
};

// Clusters, a spread-out background, points far outside the view, NaN coordinates and values.
Cloud makeCloud(int n, uint32_t seed) {
  Cloud cloud;
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::uniform_real_distribution<float> uniform(-30.0f, 30.0f);
  for (int i = 0; i < n; ++i) {
    float x, y;
    if (i % 7 == 0) {
      x = uniform(rng), y = uniform(rng);
    } else {
      x = normal(rng) + 3.0f * float(i % 5), y = 0.5f * normal(rng) + float(i % 3);
    }
    if (i % 1001 == 0) x = NAN;
    cloud.xy.push_back(x);
    cloud.xy.push_back(y);
    cloud.slots.push_back(uint16_t(i % 6));
    cloud.values.push_back(i % 503 == 0 ? NAN : normal(rng));
    cloud.visible.push_back(i % 11 == 0 ? 0 : 1);
  }
  return cloud;
}

const std::vector<Rgb> kPalette = {{31, 119, 180}, {255, 127, 14},  {44, 160, 44},
                                   {214, 39, 40},  {148, 103, 189}, {140, 86, 75}};

bool writeFile(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

// Screen polygons: a star with `spikes` points around (cx, cy).
std::vector<std::pair<double, double>> star(double cx, double cy, double outer, double inner,
                                            int spikes) {
  std::vector<std::pair<double, double>> p;
  for (int k = 0; k < 2 * spikes; ++k) {
    const double angle = M_PI * k / spikes, r = (k % 2) ? inner : outer;
    p.emplace_back(cx + r * std::cos(angle), cy + r * std::sin(angle));
  }
  return p;
}

}  // namespace

class TestDensity : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void sumsMatchNumpyHistogram2d() {
    const Cloud cloud = makeCloud(200000, 3);
    RasterRequest request;
    request.width = 317;
    request.height = 211;
    // 20 pixels per unit, the world point (-4, -2) at the lower-left corner.
    request.transform = {20.0, 0.0, 80.0, 0.0, 20.0, 40.0};
    request.palette = &kPalette;
    const PointColumns columns = cloud.columns();

    QTemporaryDir dir;
    const std::vector<uint8_t> npy = serializeNpy(makeNpy(cloud.xy, {columns.count, 2}));
    QVERIFY(writeFile(dir.filePath("xy.npy"), QByteArray(reinterpret_cast<const char*>(npy.data()),
                                                         qsizetype(npy.size()))));
    QJsonObject params{{"a", 20.0},
                       {"c", 80.0},
                       {"e", 20.0},
                       {"f", 40.0},
                       {"width", request.width},
                       {"height", request.height}};
    QJsonArray categories, values, visible, palette;
    for (int64_t i = 0; i < columns.count; ++i) {
      categories.append(cloud.slots[size_t(i)]);
      values.append(std::isfinite(cloud.values[size_t(i)]) ? QJsonValue(cloud.values[size_t(i)])
                                                           : QJsonValue("nan"));
      visible.append(cloud.visible[size_t(i)] != 0);
    }
    for (const Rgb& c : kPalette) palette.append(QJsonArray{c.r, c.g, c.b});
    params["categories"] = categories;
    params["values"] = values;
    params["visible"] = visible;
    params["palette"] = palette;
    QVERIFY(writeFile(dir.filePath("params.json"), QJsonDocument(params).toJson()));
    QProcess python;
    python.start("/usr/bin/python3",
                 {kSource + "/tools/density_reference.py", dir.filePath("xy.npy"),
                  dir.filePath("params.json"), dir.filePath("ref.npz")});
    QVERIFY(python.waitForFinished(120000));
    QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
    const auto reference = readNpz(dir.filePath("ref.npz"));

    for (Colouring colouring : {Colouring::Category, Colouring::Value}) {
      request.colouring = colouring;
      // Two workers' halves merged, as the view draws.
      PixelSums sums, second;
      preparePixelSums(columns, request, sums);
      preparePixelSums(columns, request, second);
      sums.pointsInView = accumulatePoints(columns, request, 0, columns.count / 2, sums);
      second.pointsInView =
          accumulatePoints(columns, request, columns.count / 2, columns.count, second);
      sums.add(second);
      // Two bands of rows in one PixelSums, as the view's workers share it: the same picture.
      PixelSums banded;
      preparePixelSums(columns, request, banded);
      RasterRequest lower = request, upper = request;
      lower.rowEnd = upper.rowBegin = 100;
      banded.pointsInView = accumulatePoints(columns, lower, 0, columns.count, banded) +
                            accumulatePoints(columns, upper, 0, columns.count, banded);
      for (size_t p = 0; p < sums.pixels(); ++p) QCOMPARE(banded.count(p), sums.count(p));
      QCOMPARE(banded.pointsInView, sums.pointsInView);
      // Tolerance: exact integer sums (a point exactly on a pixel edge could land on either
      // side of NumPy's edge, computed by division; none does in this draw).
      const std::vector<double> count = reference.at("count").toDouble();
      QCOMPARE(count.size(), sums.pixels());
      int64_t total = 0;
      for (size_t p = 0; p < count.size(); ++p) {
        QCOMPARE(double(sums.count(p)), count[p]);
        total += int64_t(count[p]);
      }
      QCOMPARE(sums.pointsInView, total);
      QVERIFY(total > 50000);
      if (colouring == Colouring::Category) {
        int word = 1;
        for (const char* channel : {"r", "g", "b"}) {
          const std::vector<double> ref = reference.at(channel).toDouble();
          for (size_t p = 0; p < ref.size(); ++p) QCOMPARE(double(sums.at(p)[word]), ref[p]);
          ++word;
        }
      } else {
        // Float sums in a different order: 1e-4 relative (plus 1e-4 absolute) per pixel.
        const std::vector<double> sum = reference.at("value_sum").toDouble();
        const std::vector<double> n = reference.at("value_count").toDouble();
        for (size_t p = 0; p < sum.size(); ++p) {
          QCOMPARE(double(sums.at(p)[2]), n[p]);
          QVERIFY2(
              std::abs(sums.valueSum(p) - sum[p]) <= 1e-4 + 1e-4 * std::abs(sum[p]),
              qPrintable(QString("pixel %1: %2 vs %3").arg(p).arg(sums.valueSum(p)).arg(sum[p])));
        }
      }
    }
  }

  // A pan by whole pixels: the old sums shifted plus the uncovered strips binned equal a
  // fresh bin of every point under the moved transform.
  void shiftedSumsEqualAFreshBin() {
    const Cloud cloud = makeCloud(100000, 9);
    const PointColumns columns = cloud.columns();
    RasterRequest request;
    request.width = 301;
    request.height = 203;
    request.transform = {18.0, 0.0, 90.0, 0.0, 18.0, 50.0};
    request.colouring = Colouring::Category;
    request.palette = &kPalette;
    for (auto [dx, dy] :
         {std::pair{13, -7}, {-40, 25}, {0, 3}, {-5, 0}, {6, 11}, {-9, -12}, {0, -4}}) {
      PixelSums before, shifted, fresh;
      preparePixelSums(columns, request, before);
      accumulatePoints(columns, request, 0, columns.count, before);
      RasterRequest moved = request;
      moved.transform.c += dx;
      moved.transform.f += dy;
      preparePixelSums(columns, moved, fresh);
      accumulatePoints(columns, moved, 0, columns.count, fresh);
      shifted = before;
      shiftPixelSums(shifted, dx, dy);
      RasterRequest strip = moved;
      if (dx != 0) {
        strip.columnBegin = dx > 0 ? 0 : request.width + dx;
        strip.columnEnd = dx > 0 ? dx : request.width;
        accumulatePoints(columns, strip, 0, columns.count, shifted);
      }
      if (dy != 0) {
        strip = moved;
        strip.columnBegin = dx > 0 ? dx : 0;
        strip.columnEnd = dx < 0 ? request.width + dx : request.width;
        strip.rowBegin = dy > 0 ? 0 : request.height + dy;
        strip.rowEnd = dy > 0 ? dy : request.height;
        accumulatePoints(columns, strip, 0, columns.count, shifted);
      }
      QCOMPARE(shifted.words, fresh.words);
    }
  }

  void scalesFollowTheirDefinitions() {
    // Pixel counts 1, 1, 2, 4, 4, 4, 9 and empty ones.
    const std::vector<uint32_t> counts = {0, 1, 1, 2, 0, 4, 4, 4, 9, 0};
    const std::vector<float> eq = countIntensity(counts, DensityScale::EqualisedHistogram);
    // Shares of the 7 filled pixels at or below: 2/7, 3/7, 6/7, 7/7; rescaled from 2/7 to 1.
    QCOMPARE(eq.size(), size_t(10));
    QVERIFY(std::abs(eq[1] - 0.0f) < 1e-6f);
    QVERIFY(std::abs(eq[2] - 0.2f) < 1e-6f);
    QVERIFY(std::abs(eq[4] - 0.8f) < 1e-6f);
    QVERIFY(std::abs(eq[9] - 1.0f) < 1e-6f);
    const std::vector<float> lg = countIntensity(counts, DensityScale::Log);
    QVERIFY(std::abs(lg[1]) < 1e-6f);
    QVERIFY(std::abs(lg[3] - float(std::log(3.0) / std::log(9.0))) < 1e-6f);
    QVERIFY(std::abs(lg[9] - 1.0f) < 1e-6f);
    QVERIFY(countIntensity(std::vector<uint32_t>{0, 0}, DensityScale::Log).empty());
    QCOMPARE(countIntensity(std::vector<uint32_t>{5, 0, 5}, DensityScale::EqualisedHistogram)[5],
             1.0f);
  }

  void shadingMixesCategoriesByCount() {
    PixelSums sums;
    sums.reset(3, 1, Colouring::Category);
    // Pixel 0: three points of colour A and one of B; pixel 1 empty; pixel 2: one of B.
    const Rgb a{200, 0, 0}, b{0, 0, 200};
    sums.words = {4, 3u * a.r + b.r,
                  0, 3u * a.b + b.b,  // count, r, g, b
                  0, 0,
                  0, 0,  //
                  1, b.r,
                  0, b.b};
    ShadeOptions options;
    std::vector<uint8_t> rgba;
    shadePixels(sums, options, rgba);
    // Fullest pixel: opaque mean colour (150, 0, 50).
    QCOMPARE(int(rgba[0]), 150);
    QCOMPARE(int(rgba[1]), 0);
    QCOMPARE(int(rgba[2]), 50);
    // Empty: background.
    QCOMPARE(int(rgba[kPictureChannels]), 255);
    // Least filled: B at the lowest opacity over white.
    // Opacity is applied in 256ths: within one level of the exact mix.
    QVERIFY(std::abs(int(rgba[2 * kPictureChannels]) -
                     int(std::lround(255 * (1 - options.minimumAlpha)))) <= 1);
    QVERIFY(std::abs(int(rgba[2 * kPictureChannels + 2]) -
                     int(std::lround(255 + (200 - 255) * options.minimumAlpha))) <= 1);
  }

  void pointsAreSquaresWhenDrawnAsPoints() {
    std::vector<float> xy = {5.0f, 5.0f, 0.2f, 0.2f, 100.0f, 100.0f};
    PointColumns columns;
    columns.xy = xy.data();
    columns.count = 3;
    RasterRequest request;
    request.width = 10;
    request.height = 10;
    request.squareSide = 4;
    PixelSums sums;
    preparePixelSums(columns, request, sums);
    sums.pointsInView = accumulatePoints(columns, request, 0, 3, sums);
    // (5, 5): pixels 3..6 in both directions; (0.2, 0.2) clipped at the corner: 0..1.
    QCOMPARE(sums.pointsInView, int64_t(2));
    uint32_t covered = 0;
    for (size_t p = 0; p < sums.pixels(); ++p) covered += sums.count(p);
    QCOMPARE(covered, 16u + 4u);
    QCOMPARE(sums.count(3 * 10 + 3), 1u);
    QCOMPARE(sums.count(6 * 10 + 6), 1u);
    QCOMPARE(sums.count(7 * 10 + 7), 0u);
    QCOMPARE(sums.count(0), 1u);
  }

  void gridAnswersAsAScanDoes() {
    const Cloud cloud = makeCloud(60000, 5);
    const PointColumns columns = cloud.columns();
    const PointGrid grid(columns);
    int64_t finite = 0;
    for (int64_t i = 0; i < columns.count; ++i)
      finite +=
          std::isfinite(cloud.xy[size_t(2 * i)]) && std::isfinite(cloud.xy[size_t(2 * i + 1)]);
    QCOMPARE(grid.indexedPoints(), finite);
    QCOMPARE(grid.sourcePoints(), columns.count);
    const SortedCloud sorted(cloud, grid);
    // A rotated and scaled view, as an affine camera might give.
    const double angle = 0.3, scale = 35.0;
    const ScreenTransform t{scale * std::cos(angle), -scale * std::sin(angle), 400.0,
                            scale * std::sin(angle), scale * std::cos(angle),  300.0};
    auto display = [&](int64_t i) {
      const double x = cloud.xy[size_t(2 * i)], y = cloud.xy[size_t(2 * i + 1)];
      return QPointF(t.a * x + t.b * y + t.c, t.d * x + t.e * y + t.f);
    };
    std::mt19937 rng(11);
    std::uniform_real_distribution<double> where(0.0, 800.0);
    for (int q = 0; q < 200; ++q) {
      const double u = where(rng), v = where(rng) * 0.75;
      int64_t expected = -1;
      double best = 36.0;
      for (int64_t i = 0; i < columns.count; ++i) {
        if (!cloud.visible[size_t(i)]) continue;
        const QPointF p = display(i);
        if (std::isnan(p.x())) continue;
        const double d2 = (p.x() - u) * (p.x() - u) + (p.y() - v) * (p.y() - v);
        if (d2 < best) best = d2, expected = i;
      }
      QCOMPARE(nearestOnScreen(columns, grid, t, u, v, 6.0), expected);
      QCOMPARE(nearestOnScreen(columns, PointGrid(), t, u, v, 6.0), expected);  // by a scan
      QCOMPARE(nearestInGridOrder(sorted.columns(), grid, t, u, v, 6.0), expected);
    }
    // Lassos small and large (a large one is rasterised coarser), and a box.
    const std::vector<std::vector<std::pair<double, double>>> polygons = {
        star(400, 300, 120, 40, 7),
        star(380, 320, 5000, 1500, 9),
        star(display(12).x(), display(12).y(), 9, 3, 5),
        {{100, 100}, {700, 100}, {700, 500}, {100, 500}}};
    for (const auto& polygon : polygons) {
      QPolygonF qt;
      for (auto [u, v] : polygon) qt << QPointF(u, v);
      std::vector<int> expected;
      for (int64_t i = 0; i < columns.count; ++i) {
        const QPointF p = display(i);
        if (cloud.visible[size_t(i)] && !std::isnan(p.x()) && qt.containsPoint(p, Qt::OddEvenFill))
          expected.push_back(int(i));
      }
      const std::vector<int> found = pointsInPolygon(columns, grid, t, polygon);
      QVERIFY(!expected.empty());
      QCOMPARE(found, expected);
      QCOMPARE(pointsInPolygon(columns, PointGrid(), t, polygon), expected);
      QCOMPARE(pointsInPolygonInGridOrder(sorted.columns(), grid, t, polygon), expected);
    }
  }

  // A lasso over most of a cloud large enough to be scanned on two threads, drawn freehand
  // (hundreds of vertices, a wobbling outline), answers as Qt's own polygon test does.
  void aFreehandLassoOverManyPointsIsExact() {
    const Cloud cloud = makeCloud(600000, 17);
    const PointColumns columns = cloud.columns();
    const ScreenTransform t{20, 0, 600, 0, 30, 400};
    std::vector<std::pair<double, double>> outline;
    QPolygonF qt;
    for (int k = 0; k < 300; ++k) {
      const double angle = 2 * M_PI * k / 300;
      const double radius = 380 + 40 * std::sin(17 * angle) + 15 * std::cos(53 * angle);
      outline.emplace_back(600 + radius * std::cos(angle), 420 + 0.8 * radius * std::sin(angle));
      qt << QPointF(outline.back().first, outline.back().second);
    }
    std::vector<int> expected;
    for (int64_t i = 0; i < columns.count; ++i) {
      const double x = cloud.xy[size_t(2 * i)], y = cloud.xy[size_t(2 * i + 1)];
      const QPointF p(t.a * x + t.b * y + t.c, t.d * x + t.e * y + t.f);
      if (cloud.visible[size_t(i)] && !std::isnan(p.x()) && qt.containsPoint(p, Qt::OddEvenFill))
        expected.push_back(int(i));
    }
    QVERIFY(expected.size() > size_t(columns.count / 2));
    const PointGrid grid(columns);
    QCOMPARE(pointsInPolygon(columns, grid, t, outline), expected);
    QCOMPARE(pointsInPolygon(columns, PointGrid(), t, outline), expected);
    // Most points: collected through a mark per point rather than sorted.
    QCOMPARE(pointsInPolygonInGridOrder(SortedCloud(cloud, grid).columns(), grid, t, outline),
             expected);
  }

  void degenerateCloudsAreHandled() {
    for (const std::vector<float>& xy :
         {std::vector<float>{}, std::vector<float>{1.0f, 2.0f}, std::vector<float>(2000, 3.0f),
          std::vector<float>{NAN, NAN, INFINITY, 0.0f}}) {
      PointColumns columns;
      columns.xy = xy.data();
      columns.count = int64_t(xy.size() / 2);
      const PointGrid grid(columns);
      const ScreenTransform t{10, 0, 5, 0, 10, -15};
      RasterRequest request;
      request.width = request.height = 64;
      request.transform = t;
      PixelSums sums;
      preparePixelSums(columns, request, sums);
      accumulatePoints(columns, request, 0, columns.count, sums);
      std::vector<uint8_t> rgba;
      shadePixels(sums, ShadeOptions{}, rgba);
      QCOMPARE(rgba.size(), size_t(64 * 64 * kPictureChannels));
      const bool finite = !xy.empty() && std::isfinite(xy[0]);
      const double u = finite ? 10.0 * xy[0] + 5 : 30, v = finite ? 10.0 * xy[1] - 15 : 30;
      QCOMPARE(nearestOnScreen(columns, grid, t, u, v, 6), finite ? int64_t(0) : int64_t(-1));
      const std::vector<std::pair<double, double>> square = {{0, 0}, {64, 0}, {64, 64}, {0, 64}};
      const auto inside = pointsInPolygon(columns, grid, t, square);
      QCOMPARE(int64_t(inside.size()), finite ? columns.count : int64_t(0));
      // In the grid's order: the same answers; non-finite points are not in that copy at all.
      Cloud plain;
      plain.xy = xy;
      const SortedCloud sorted(plain, grid);
      QCOMPARE(nearestInGridOrder(sorted.columns(), grid, t, u, v, 6),
               finite ? int64_t(0) : int64_t(-1));
      QCOMPARE(pointsInPolygonInGridOrder(sorted.columns(), grid, t, square), inside);
    }
  }
};

STRATA_TEST_GUILESS_MAIN(TestDensity)
#include "test_density.moc"
