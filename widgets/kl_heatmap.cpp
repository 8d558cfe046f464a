#include "widgets/kl_heatmap.h"

#include <QMouseEvent>
#include <QPainter>

#include <cmath>

#include "core/figures/palette.h"

namespace strata {
namespace {
constexpr int kLabelWidth = 250;
constexpr int kRowHeight = 36;
constexpr int kTop = 40;
}  // namespace

KlHeatmap::KlHeatmap(QWidget* parent) : QWidget(parent) {
  setMinimumHeight(200);
  setMouseTracking(true);
}

void KlHeatmap::setData(const ModelInfo& info, std::shared_ptr<const LatentStats> stats,
                        const QString& source) {
  info_ = info;
  stats_ = std::move(stats);
  source_ = source;
  // Colour scale from the smallest to the largest positive unit KL (log10).
  logMin_ = 1e9, logMax_ = -1e9;
  if (stats_)
    for (const LayerStats& l : stats_->layers)
      for (const UnitStats& u : l.units) {
        const double v = std::log10(std::max(u.kl, 1e-4));
        logMin_ = std::min(logMin_, v), logMax_ = std::max(logMax_, v);
      }
  if (logMax_ - logMin_ < 1e-6) logMax_ = logMin_ + 1;
  layoutCells();
  update();
}

void KlHeatmap::layoutCells() {
  cells_.clear();
  if (!stats_) return;
  const int available = std::max(100, width() - kLabelWidth - 70);
  int y = kTop;
  for (int l = 0; l < int(stats_->layers.size()); ++l) {
    const LayerStats& layer = stats_->layers[size_t(l)];
    const std::vector<int> order = unitsByKl(layer);
    const int n = int(order.size());
    const int cell = std::clamp(available / std::max(1, n), 11, 24);
    const int perRow = std::max(1, available / cell);
    const int rows = (n + perRow - 1) / perRow;
    for (int i = 0; i < n; ++i)
      cells_.push_back(
          {QRect(kLabelWidth + (i % perRow) * cell, y + (i / perRow) * cell, cell - 1, cell - 1), l,
           order[size_t(i)]});
    y += std::max(kRowHeight, rows * cell) + 10;
  }
}

std::pair<int, int> KlHeatmap::unitAt(const QPoint& pos) const {
  for (const Cell& c : cells_)
    if (c.rect.adjusted(0, 0, 1, 1).contains(pos)) return {c.layer, c.unit};
  return {-1, -1};
}

QPoint KlHeatmap::cellCentre(int layer, int unit) const {
  for (const Cell& c : cells_)
    if (c.layer == layer && c.unit == unit) return c.rect.center();
  return {};
}

void KlHeatmap::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  layoutCells();
}

void KlHeatmap::mousePressEvent(QMouseEvent* event) {
  const auto [layer, unit] = unitAt(event->pos());
  if (layer >= 0) Q_EMIT unitClicked(layer, unit);
}

void KlHeatmap::paintEvent(QPaintEvent*) {
  if (cells_.empty() && stats_) layoutCells();
  QPainter p(this);
  p.fillRect(rect(), palette().base());
  p.setPen(palette().color(QPalette::WindowText));
  if (!stats_) {
    p.drawText(rect(), Qt::AlignCenter,
               tr("Statistics appear here once computed over the dataset."));
    return;
  }
  p.drawText(QRect(8, 6, width() - 16, 24), Qt::AlignLeft | Qt::AlignVCenter,
             tr("KL(q‖p) per unit, mean over %1 items of %2 (posterior means). Units sorted by KL; "
                "✕ = collapsed. Click a unit to traverse it.")
                 .arg(stats_->items)
                 .arg(source_));
  for (const Cell& c : cells_) {
    const UnitStats& u = stats_->layers[size_t(c.layer)].units[size_t(c.unit)];
    const double t = (std::log10(std::max(u.kl, 1e-4)) - logMin_) / (logMax_ - logMin_);
    p.fillRect(c.rect, viridis(t));
    if (stats_->unitCollapsed(c.layer, c.unit) && c.rect.width() >= 6) {
      p.setPen(QColor(230, 230, 230));
      p.drawLine(c.rect.topLeft(), c.rect.bottomRight());
      p.drawLine(c.rect.topRight(), c.rect.bottomLeft());
    }
  }
  // Layer labels with KL, active units and collapse flags.
  for (int l = 0; l < int(stats_->layers.size()); ++l) {
    const LayerStats& layer = stats_->layers[size_t(l)];
    int top = INT_MAX;
    for (const Cell& c : cells_)
      if (c.layer == l) top = std::min(top, c.rect.top());
    const QString text = tr("%1 %2 — KL %3 nats\n%4/%5 active, %6 collapsed%7")
                             .arg(info_.layers[size_t(l)].name, info_.layers[size_t(l)].shapeText())
                             .arg(layer.kl, 0, 'f', 2)
                             .arg(layer.activeUnits)
                             .arg(layer.units.size())
                             .arg(layer.collapsedUnits)
                             .arg(layer.collapsed ? tr(" — LAYER COLLAPSED") : QString());
    p.setPen(layer.collapsed ? QColor(0xc0, 0x30, 0x30) : palette().color(QPalette::WindowText));
    p.drawText(QRect(8, top, kLabelWidth - 12, kRowHeight), Qt::AlignLeft | Qt::AlignTop, text);
  }
  // Colour bar.
  const QRect bar(width() - 50, kTop + 10, 14, 200);
  for (int y = 0; y < bar.height(); ++y)
    p.fillRect(bar.left(), bar.bottom() - y, bar.width(), 1, viridis(double(y) / bar.height()));
  p.setPen(palette().color(QPalette::WindowText));
  p.drawText(QPoint(bar.left() - 6, bar.top() - 6), QString::number(std::pow(10, logMax_), 'g', 2));
  p.drawText(QPoint(bar.left() - 6, bar.bottom() + 14),
             QString::number(std::pow(10, logMin_), 'g', 2));
  p.drawText(QPoint(bar.left() - 14, bar.bottom() + 28), tr("nats"));

  // Spatial KL maps: one small map per channel of each spatial layer.
  int y = kTop;
  for (const Cell& c : cells_) y = std::max(y, c.rect.bottom() + 24);
  for (int l = 0; l < int(info_.layers.size()); ++l) {
    const LayerInfo& info = info_.layers[size_t(l)];
    if (info.shape.size() != 3) continue;
    const int c = int(info.shape[0]), h = int(info.shape[1]), w = int(info.shape[2]);
    const int scale = std::clamp(120 / std::max(h, w), 4, 16);
    p.setPen(palette().color(QPalette::WindowText));
    p.drawText(QPoint(8, y + 12),
               tr("%1: KL over positions, per channel (same colour scale)").arg(info.name));
    y += 20;
    for (int ch = 0; ch < c; ++ch) {
      const QPoint origin(kLabelWidth + ch * (w * scale + 16), y);
      for (int r = 0; r < h; ++r)
        for (int col = 0; col < w; ++col) {
          const double kl =
              stats_->layers[size_t(l)]
                  .units[(size_t(ch) * size_t(h) + size_t(r)) * size_t(w) + size_t(col)]
                  .kl;
          const double t = (std::log10(std::max(kl, 1e-4)) - logMin_) / (logMax_ - logMin_);
          p.fillRect(origin.x() + col * scale, origin.y() + r * scale, scale, scale, viridis(t));
        }
      double channelKl = 0;
      for (int k = 0; k < h * w; ++k)
        channelKl +=
            stats_->layers[size_t(l)].units[size_t(ch) * size_t(h) * size_t(w) + size_t(k)].kl;
      p.drawText(QPoint(origin.x(), origin.y() + h * scale + 14),
                 tr("c%1: %2 nats").arg(ch).arg(channelKl, 0, 'f', 2));
    }
    y += h * scale + 30;
  }
}

}  // namespace strata
