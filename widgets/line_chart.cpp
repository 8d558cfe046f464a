#include "widgets/line_chart.h"

#include <QPainter>
#include <QPainterPath>

#include <cmath>

namespace strata {
namespace {

// An axis end with as many decimals as the span needs: KL of a few nats reads 1.62, not 2.
QString axisText(double value, double span) {
  return QString::number(value, 'f', span >= 20 ? 0 : span >= 2 ? 1 : 2);
}

}  // namespace

LineChart::LineChart(QWidget* parent) : QWidget(parent) {}

void LineChart::setSeries(std::vector<Series> series, const QString& xLabel,
                          const QString& yLabel) {
  series_ = std::move(series);
  xLabel_ = xLabel;
  yLabel_ = yLabel;
  update();
}

void LineChart::setYRange(double low, double high) {
  yLow_ = low;
  yHigh_ = high;
  update();
}

std::pair<double, double> LineChart::dataRange() const {
  double low = INFINITY, high = -INFINITY;
  for (const Series& s : series_)
    for (double v : s.values)
      if (std::isfinite(v)) low = std::min(low, v), high = std::max(high, v);
  return {low, high};
}

void LineChart::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.fillRect(rect(), palette().base());
  auto [low, high] = dataRange();
  if (std::isfinite(yLow_)) low = yLow_, high = yHigh_;
  if (!std::isfinite(low)) return;
  if (high - low < 1e-9) low -= 1, high += 1;
  const QFontMetrics fm(font());
  const int left = fm.horizontalAdvance(QStringLiteral("-00000")) + 18, bottom = fm.height() + 8,
            top = 8, right = 10;
  const QRectF plot(left, top, width() - left - right, height() - top - bottom - fm.height());
  painter.setPen(palette().color(QPalette::Mid));
  painter.drawRect(plot);
  painter.setPen(palette().color(QPalette::Text));
  painter.drawText(QRectF(0, plot.top() - 2, left - 4, fm.height()), Qt::AlignRight,
                   axisText(high, high - low));
  painter.drawText(QRectF(0, plot.bottom() - fm.height() + 2, left - 4, fm.height()),
                   Qt::AlignRight, axisText(low, high - low));
  painter.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), fm.height()),
                   Qt::AlignCenter, xLabel_);
  painter.save();
  painter.translate(fm.height() - 2, plot.center().y());
  painter.rotate(-90);
  painter.drawText(QRectF(-plot.height() / 2, -fm.height(), plot.height(), fm.height()),
                   Qt::AlignCenter, yLabel_);
  painter.restore();
  int legendX = int(plot.left());
  for (const Series& s : series_) {
    if (s.values.size() < 2) continue;
    QPainterPath path;
    for (size_t i = 0; i < s.values.size(); ++i) {
      const QPointF p(plot.left() + plot.width() * double(i) / double(s.values.size() - 1),
                      plot.bottom() - plot.height() * (s.values[i] - low) / (high - low));
      i == 0 ? path.moveTo(p) : path.lineTo(p);
    }
    painter.setPen(QPen(s.color, 2));
    painter.drawPath(path);
    const int y = height() - fm.height() / 2 - 2;
    painter.drawLine(legendX, y, legendX + 16, y);
    painter.setPen(palette().color(QPalette::Text));
    painter.drawText(legendX + 20, height() - 3, s.name);
    legendX += 28 + fm.horizontalAdvance(s.name);
  }
}

}  // namespace strata
