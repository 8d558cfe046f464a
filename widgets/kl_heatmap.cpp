#include "widgets/kl_heatmap.h"

#include <QContextMenuEvent>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>

#include <cmath>

#include "core/figures/palette.h"
#include "core/model/layer_groups.h"
#include "core/model/traversal.h"

namespace strata {
namespace {
constexpr int kLabelWidth = 250;
constexpr int kRowHeight = 36;
constexpr int kCompactRowHeight = 16;  // deep models: one line per layer
constexpr int kTop = 40;
constexpr int kBarsHeight = 90;  // the overview's KL-per-layer bars
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

bool KlHeatmap::deep() const {
  return int(info_.layers.size()) > kMaxLayerGroups;
}

int KlHeatmap::overviewHeight() const {
  if (!deep()) return 0;
  return kBarsHeight + 40 + 18 * int(layerGroups(info_).size()) + 16;
}

void KlHeatmap::layoutCells() {
  cells_.clear();
  rowTop_.clear();
  if (!stats_) return;
  const int available = std::max(100, width() - kLabelWidth - 70);
  const bool compact = deep();
  const int rowHeight = compact ? kCompactRowHeight : kRowHeight;
  int y = kTop + overviewHeight();
  for (int l = 0; l < int(stats_->layers.size()); ++l) {
    const LayerStats& layer = stats_->layers[size_t(l)];
    const std::vector<int> order = unitsByKl(layer);
    const int n = int(order.size());
    const int cell = compact ? std::clamp(available / std::max(1, n), 4, 14)
                             : std::clamp(available / std::max(1, n), 11, 24);
    const int perRow = std::max(1, available / cell);
    const int rows = (n + perRow - 1) / perRow;
    rowTop_.push_back(y);
    for (int i = 0; i < n; ++i)
      cells_.push_back(
          {QRect(kLabelWidth + (i % perRow) * cell, y + (i / perRow) * cell, cell - 1, cell - 1), l,
           order[size_t(i)]});
    y += std::max(rowHeight, rows * cell) + (compact ? 4 : 10);
  }
  // Spatial maps below the rows; the widget is as tall as everything it draws.
  const int spatial = spatialLayerCount(info_);
  int mapsHeight = 0;
  for (const LayerInfo& info : info_.layers)
    if (info.shape.size() == 3) {
      const int h = int(info.shape[1]);
      mapsHeight += 20 + h * std::clamp(120 / std::max<int>(h, int(info.shape[2])), 4, 16) + 30;
    }
  if (spatial > kMaxKlMapLayers) mapsHeight = 40;
  setMinimumHeight(std::max(200, y + 24 + mapsHeight));
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
  if (event->button() != Qt::LeftButton) return;
  const auto [layer, unit] = unitAt(event->pos());
  if (layer >= 0) Q_EMIT unitClicked(layer, unit);
}

void KlHeatmap::contextMenuEvent(QContextMenuEvent* event) {
  const auto [layer, unit] = unitAt(event->pos());
  if (layer < 0) return;
  const QString label = unitLabel(info_, layer, unit);
  QMenu menu(this);
  menu.addAction(tr("Traverse %1").arg(label), this,
                 [this, layer, unit] { Q_EMIT unitClicked(layer, unit); });
  menu.addAction(tr("Inspect %1…").arg(label), this,
                 [this, layer, unit] { Q_EMIT unitInspectRequested(layer, unit); });
  menu.exec(event->globalPos());
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
                "✕ = collapsed. Click a unit to traverse it, right-click to inspect it.")
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
  const bool compact = deep();
  for (int l = 0; l < int(stats_->layers.size()); ++l) {
    const LayerStats& layer = stats_->layers[size_t(l)];
    const LayerInfo& info = info_.layers[size_t(l)];
    const QString collapsedText = layer.collapsed ? tr(" — LAYER COLLAPSED") : QString();
    const QString text = compact ? tr("%1 · KL %2 · %3/%4 active%5")
                                       .arg(info.shownName())
                                       .arg(layer.kl, 0, 'f', 2)
                                       .arg(layer.activeUnits)
                                       .arg(layer.units.size())
                                       .arg(layer.collapsed ? tr(" · COLLAPSED") : QString())
                                 : tr("%1 %2 — KL %3 nats\n%4/%5 active, %6 collapsed%7")
                                       .arg(info.shownName(), info.shapeText())
                                       .arg(layer.kl, 0, 'f', 2)
                                       .arg(layer.activeUnits)
                                       .arg(layer.units.size())
                                       .arg(layer.collapsedUnits)
                                       .arg(collapsedText);
    p.setPen(layer.collapsed ? QColor(0xc0, 0x30, 0x30) : palette().color(QPalette::WindowText));
    p.drawText(QRect(8, rowTop_[size_t(l)] - (compact ? 2 : 0), kLabelWidth - 12,
                     compact ? kCompactRowHeight + 2 : kRowHeight),
               Qt::AlignLeft | Qt::AlignTop, text);
  }
  if (compact) paintOverview(p, kTop);
  // Colour bar.
  const QRect bar(width() - 50, kTop + 10, 14, 200);
  for (int y = 0; y < bar.height(); ++y)
    p.fillRect(bar.left(), bar.bottom() - y, bar.width(), 1, viridis(double(y) / bar.height()));
  p.setPen(palette().color(QPalette::WindowText));
  p.drawText(QPoint(bar.left() - 6, bar.top() - 6), QString::number(std::pow(10, logMax_), 'g', 2));
  p.drawText(QPoint(bar.left() - 6, bar.bottom() + 14),
             QString::number(std::pow(10, logMin_), 'g', 2));
  p.drawText(QPoint(bar.left() - 14, bar.bottom() + 28), tr("nats"));

  int y = kTop;
  for (const Cell& c : cells_) y = std::max(y, c.rect.bottom() + 24);
  paintSpatialMaps(p, y);
}

// One small map of KL over positions per channel of each spatial layer (shallow models; a deep
// model's rows already hold the same numbers, and 40 layers of maps would be pages long).
void KlHeatmap::paintSpatialMaps(QPainter& p, int y) {
  const int spatial = spatialLayerCount(info_);
  if (spatial > kMaxKlMapLayers) {
    p.setPen(palette().color(QPalette::WindowText));
    p.drawText(QPoint(8, y + 12),
               tr("Per-position KL maps are drawn for models with up to %1 spatial layers; this "
                  "one has %2 (the rows above hold the same numbers).")
                   .arg(kMaxKlMapLayers)
                   .arg(spatial));
    return;
  }
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

// Deep models: KL per layer as bars (a gap between groups, the group's name under its bars),
// then one line per group with its KL, active units and collapsed layers.
void KlHeatmap::paintOverview(QPainter& p, int top) {
  const std::vector<LayerGroup> groups = layerGroups(info_);
  const int layers = int(stats_->layers.size());
  const int left = 8, right = width() - 80;
  const int gap = 6;
  const double barWidth =
      std::max(1.0, double(right - left - gap * (int(groups.size()) - 1)) / std::max(1, layers));
  double maxKl = 0;
  for (const LayerStats& l : stats_->layers) maxKl = std::max(maxKl, l.kl);
  const QColor text = palette().color(QPalette::WindowText);
  p.setPen(text);
  p.drawText(QPoint(left, top + 10),
             tr("KL per layer (nats; tallest %1), top layer on the left").arg(maxKl, 0, 'f', 2));
  const int base = top + 16 + kBarsHeight - 20;
  for (size_t g = 0; g < groups.size(); ++g) {
    const LayerGroup& group = groups[g];
    const double x0 = left + double(group.first) * barWidth + double(g) * gap;
    const QColor fill = g % 2 == 0 ? QColor(0x3b, 0x6e, 0xa8) : QColor(0x5a, 0x9b, 0x5a);
    for (int i = 0; i < group.count; ++i) {
      const LayerStats& l = stats_->layers[size_t(group.first + i)];
      const int h = maxKl > 0 ? int(std::round((kBarsHeight - 24) * l.kl / maxKl)) : 0;
      const QRectF bar(x0 + i * barWidth, base - h, std::max(1.0, barWidth - 1), h);
      p.fillRect(bar, l.collapsed ? QColor(0xc0, 0x30, 0x30) : fill);
    }
    p.setPen(text);
    p.drawText(
        QRectF(x0, base + 2, group.count * barWidth, 16),
        Qt::AlignHCenter | Qt::AlignTop | Qt::TextSingleLine,
        p.fontMetrics().elidedText(group.label, Qt::ElideRight, int(group.count * barWidth)));
  }
  int y = top + 16 + kBarsHeight + 14;
  for (const LayerGroup& group : groups) {
    double kl = 0;
    int active = 0, units = 0, collapsed = 0;
    for (int i = group.first; i < group.first + group.count; ++i) {
      const LayerStats& l = stats_->layers[size_t(i)];
      kl += l.kl;
      active += l.activeUnits;
      units += int(l.units.size());
      collapsed += l.collapsed ? 1 : 0;
    }
    p.drawText(QPoint(left, y),
               tr("%1: %n layers, KL %2 nats, %3/%4 units active, %5 layers collapsed", nullptr,
                  group.count)
                   .arg(group.label)
                   .arg(kl, 0, 'f', 2)
                   .arg(active)
                   .arg(units)
                   .arg(collapsed));
    y += 18;
  }
}

}  // namespace strata
