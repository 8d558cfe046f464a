// Line figures (layoutLines, the collapse figure's chart): whole-number rank ticks however few
// the units, tick labels with as many decimals as their step, and every series drawn.

#include <QApplication>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include "core/figures/figure_layouts.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {

// The texts of an SVG figure, in order.
QStringList svgTexts(const Figure& figure) {
  QTemporaryDir dir;
  const QString path = dir.filePath("f.svg");
  figure.saveSvg(path);
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  const QString svg = QString::fromUtf8(f.readAll());
  QStringList texts;
  const QRegularExpression text(QStringLiteral("<text[^>]*>([^<]*)</text>"));
  for (auto it = text.globalMatch(svg); it.hasNext();) texts << it.next().captured(1);
  return texts;
}

LineFigure twoSeries(std::vector<double> a, std::vector<double> b) {
  LineFigure l;
  l.xLabel = QStringLiteral("unit rank");
  l.yLabel = QStringLiteral("KL (nats)");
  l.series = {{QStringLiteral("model"), std::move(a), Qt::blue},
              {QStringLiteral("theory"), std::move(b), Qt::red}};
  return l;
}

}  // namespace

class TestFigureLayouts : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void ranksAreWholeNumbers() {
    // Two units (a two-dimensional latent space): ticks 1 and 2, no fractions of a rank.
    QStringList texts = svgTexts(layoutLines(twoSeries({1.0, 0.2}, {0.9, 0.0}), {}));
    QVERIFY2(texts.contains("1") && texts.contains("2"), qPrintable(texts.join('|')));
    QVERIFY2(!texts.contains("1.5") && !texts.contains("1.0") && !texts.contains("1.2"),
             qPrintable(texts.join('|')));
    // Nine units: 1 to 9 without decimals.
    texts = svgTexts(
        layoutLines(twoSeries({9, 8, 7, 6, 5, 4, 3, 2, 1}, {1, 1, 1, 1, 1, 1, 1, 1, 1}), {}));
    QVERIFY2(texts.contains("1") && texts.contains("9") && !texts.contains("1.0"),
             qPrintable(texts.join('|')));
  }

  // A KL of about one nat: steps of 0.25 read 0.25 and 0.75, not 0.2 and 0.8.
  void tickLabelsKeepTheirDecimals() {
    const QStringList texts =
        svgTexts(layoutLines(twoSeries({1.0, 0.5, 0.0}, {0.8, 0.4, 0.1}), {}));
    QVERIFY2(texts.contains("0.25") && texts.contains("0.75"), qPrintable(texts.join('|')));
    QVERIFY2(!texts.contains("0.2") && !texts.contains("0.8"), qPrintable(texts.join('|')));
    QVERIFY(texts.contains("model") && texts.contains("theory"));
  }

  // One value, or a flat series: a figure, not a division by zero.
  void degenerateSeriesStillDraw() {
    const Figure one = layoutLines(twoSeries({0.5}, {}), {});
    QVERIFY(one.width() > 0 && std::isfinite(one.height()));
    const QStringList flat = svgTexts(layoutLines(twoSeries({0, 0, 0}, {0, 0, 0}), {}));
    QVERIFY(flat.contains("unit rank"));
  }
};

STRATA_TEST_MAIN(TestFigureLayouts)
#include "test_figure_layouts.moc"
