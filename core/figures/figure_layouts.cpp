#include "core/figures/figure_layouts.h"

#include <algorithm>
#include <cmath>

#include "core/figures/palette.h"
#include "core/model/layer_groups.h"

namespace strata {
namespace {

const QColor kText(0x22, 0x22, 0x22);
const QColor kAxis(0x55, 0x55, 0x55);
constexpr double kMinCaptionWidth = 420;  // points: a grid's caption wraps at its width or this

// Words of `text` in lines no wider than `width` (a longer word gets a line of its own).
QStringList wrappedLines(const Figure& probe, const QString& text, double scale, double width) {
  QStringList lines;
  for (const QString& paragraph : text.split('\n')) {
    QString line;
    for (const QString& word : paragraph.split(' ', Qt::SkipEmptyParts)) {
      const QString longer = line.isEmpty() ? word : line + ' ' + word;
      if (!line.isEmpty() && probe.textWidth(longer, scale) > width) {
        lines << line;
        line = word;
      } else {
        line = longer;
      }
    }
    lines << line;
  }
  return lines;
}

double lineHeight(const FigureStyle& s, double size = 1) {
  return s.fontSize * size * 1.35;
}

// As many decimals as the step has: 1 for 0.5, 2 for 0.25, none for 5 or 1.
QString tickText(double v, double step) {
  const double magnitude = std::floor(std::log10(step) + 1e-9);
  const double mantissa = step / std::pow(10.0, magnitude);
  const int decimals = std::max(0, int(-magnitude) + (std::abs(mantissa - 2.5) < 1e-6 ? 1 : 0));
  return QString::number(v, 'f', decimals);
}

// The title at body size 1.15, made smaller (down to 0.8) or shortened to fit `width`.
void fittedTitle(Figure& f, QPointF at, const QString& title, double width) {
  double size = 1.15;
  while (size > 0.8 && f.textWidth(title, size, true) > width) size -= 0.05;
  QString text = title;
  while (text.size() > 4 && f.textWidth(text, size, true) > width)
    text = text.left(text.size() - 2) + QChar(0x2026);
  f.text(at, text, size, Figure::Anchor::Left, true, 0, kText);
}

// A vertical viridis gradient filling `bar`, low values at the bottom.
void viridisBar(Figure& f, const QRectF& bar) {
  const int steps = 64;
  const double step = bar.height() / steps;
  for (int i = 0; i < steps; ++i)
    f.rect(QRectF(bar.left(), bar.top() + step * (steps - 1 - i), bar.width(), step + 0.3),
           viridis(double(i) / (steps - 1)));
}

}  // namespace

std::vector<double> axisTicks(double low, double high, int target) {
  if (!(high > low)) return {low};
  const double raw = (high - low) / std::max(1, target);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  std::vector<double> ticks;
  for (double t = std::ceil(low / step) * step; t <= high + step * 1e-9; t += step)
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return ticks;
}

Figure layoutGrid(const GridFigure& g, const FigureStyle& style) {
  Figure probe(1, 1, style);
  double labelWidth = 0;
  for (const QString& l : g.rowLabels) labelWidth = std::max(labelWidth, probe.textWidth(l, 0.9));
  if (labelWidth > 0) labelWidth += 6;
  const double margin = 8;
  const double titleHeight = g.title.isEmpty() ? 0 : lineHeight(style, 1.15) + 2;
  const double headerHeight = g.columnLabels.isEmpty() ? 0 : lineHeight(style, 0.8);
  const double gridWidth = g.columns * g.cellSize + (g.columns - 1) * g.gap;
  const double gridHeight = g.rows * g.cellSize + (g.rows - 1) * g.gap;
  // A wrapped caption fits under the grid (or a column of text, if wider).
  const double captionLimit = std::max(labelWidth + gridWidth, kMinCaptionWidth);
  const QStringList caption = g.caption.isEmpty() ? QStringList()
                              : g.wrapCaption ? wrappedLines(probe, g.caption, 0.85, captionLimit)
                                              : QStringList{g.caption};
  double captionWidth = 0;
  for (const QString& line : caption)
    captionWidth = std::max(captionWidth, probe.textWidth(line, 0.85));
  const double captionLine = lineHeight(style, 0.85);
  const double captionHeight = caption.isEmpty() ? 0 : captionLine * double(caption.size()) + 2;
  const double width = std::max(margin * 2 + labelWidth + gridWidth, captionWidth + 2 * margin);
  const double height = margin * 2 + titleHeight + headerHeight + gridHeight + captionHeight;
  Figure f(width, height, style);
  const double left = margin + labelWidth, top = margin + titleHeight + headerHeight;
  if (!g.title.isEmpty())
    fittedTitle(f, {margin, margin + style.fontSize * 1.15}, g.title, width - 2 * margin);
  for (int c = 0; c < g.columns && c < g.columnLabels.size(); ++c)
    f.text({left + c * (g.cellSize + g.gap) + g.cellSize / 2, top - 3}, g.columnLabels[c], 0.8,
           Figure::Anchor::Centre, false, 0, kAxis);
  for (int r = 0; r < g.rows; ++r) {
    const double y = top + r * (g.cellSize + g.gap);
    if (r < g.rowLabels.size())
      f.text({left - 6, y + g.cellSize / 2 + style.fontSize * 0.3}, g.rowLabels[r], 0.9,
             Figure::Anchor::Right, false, 0, kText);
    for (int c = 0; c < g.columns; ++c) {
      const size_t index = size_t(r) * size_t(g.columns) + size_t(c);
      if (index >= g.cells.size() || g.cells[index].isNull()) continue;
      const QRectF cell(left + c * (g.cellSize + g.gap), y, g.cellSize, g.cellSize);
      f.image(cell, g.cells[index]);
      if (std::find(g.marked.begin(), g.marked.end(), int(index)) != g.marked.end())
        f.rect(cell.adjusted(-1, -1, 1, 1), Qt::transparent, QColor(0xe1, 0x57, 0x59), 1.2);
    }
  }
  for (qsizetype i = 0; i < caption.size(); ++i)
    f.text({margin, height - margin - double(caption.size() - 1 - i) * captionLine}, caption[i],
           0.85, Figure::Anchor::Left, false, 0, kAxis);
  return f;
}

Figure layoutScatter(const ScatterFigure& s, const FigureStyle& style) {
  Figure f(s.width, s.height, style);
  const size_t n = s.xy.size() / 2;
  const bool categorical = !s.categories.empty();
  const bool continuous = !categorical && s.values.size() == n && n > 0;
  Figure probe(1, 1, style);
  double legendWidth = 0;
  if (categorical) {
    for (const QString& name : s.categoryNames)
      legendWidth = std::max(legendWidth, probe.textWidth(name, 0.85));
    legendWidth += 22;
  } else if (continuous) {
    legendWidth = std::max(46.0, probe.textWidth(s.valueLabel, 0.75) + 4);
  }
  const double margin = 8, titleHeight = s.title.isEmpty() ? 0 : lineHeight(style, 1.15);
  const double captionHeight = s.caption.isEmpty() ? 0 : lineHeight(style, 0.85);
  const double axisLeft = 34, axisBottom = 26;
  const QRectF plot(margin + axisLeft, margin + titleHeight,
                    s.width - 2 * margin - axisLeft - legendWidth - 8,
                    s.height - 2 * margin - titleHeight - axisBottom - captionHeight);
  if (!s.title.isEmpty())
    fittedTitle(f, {margin, margin + style.fontSize * 1.15}, s.title, s.width - 2 * margin);
  double minX = INFINITY, maxX = -INFINITY, minY = INFINITY, maxY = -INFINITY;
  for (size_t i = 0; i < n; ++i) {
    minX = std::min(minX, double(s.xy[2 * i])), maxX = std::max(maxX, double(s.xy[2 * i]));
    minY = std::min(minY, double(s.xy[2 * i + 1])), maxY = std::max(maxY, double(s.xy[2 * i + 1]));
  }
  if (n == 0) minX = minY = 0, maxX = maxY = 1;
  const double padX = (maxX - minX) * 0.03 + 1e-9, padY = (maxY - minY) * 0.03 + 1e-9;
  minX -= padX, maxX += padX, minY -= padY, maxY += padY;
  auto toPlot = [&](double x, double y) {
    return QPointF(plot.left() + (x - minX) / (maxX - minX) * plot.width(),
                   plot.bottom() - (y - minY) / (maxY - minY) * plot.height());
  };
  f.rect(plot, Qt::transparent, kAxis, 0.6);
  const std::vector<double> xt = axisTicks(minX, maxX), yt = axisTicks(minY, maxY);
  const double xStep = xt.size() > 1 ? xt[1] - xt[0] : 1, yStep = yt.size() > 1 ? yt[1] - yt[0] : 1;
  for (double t : xt) {
    const QPointF p = toPlot(t, minY);
    f.line(p, p + QPointF(0, 3), kAxis, 0.6);
    f.text(p + QPointF(0, 3 + style.fontSize * 0.8), tickText(t, xStep), 0.75,
           Figure::Anchor::Centre, false, 0, kAxis);
  }
  for (double t : yt) {
    const QPointF p = toPlot(minX, t);
    f.line(p, p - QPointF(3, 0), kAxis, 0.6);
    f.text(p - QPointF(5, -style.fontSize * 0.25), tickText(t, yStep), 0.75, Figure::Anchor::Right,
           false, 0, kAxis);
  }
  f.text({plot.center().x(), plot.bottom() + 22}, s.xLabel, 0.85, Figure::Anchor::Centre, false, 0,
         kText);
  f.text({margin + 6, plot.center().y()}, s.yLabel, 0.85, Figure::Anchor::Centre, false, -90,
         kText);

  // Marks: area shrinks with the count so dense maps stay readable.
  const double radius =
      s.markRadius > 0 ? s.markRadius
                       : std::clamp(30.0 / std::sqrt(double(std::max<size_t>(n, 1))), 0.25, 3.0);
  double low = INFINITY, high = -INFINITY;
  if (continuous) {
    // Colours span the 1st to 99th percentile, so a few outliers do not flatten the rest.
    std::vector<float> finite;
    for (float v : s.values)
      if (std::isfinite(v)) finite.push_back(v);
    if (!finite.empty()) {
      std::sort(finite.begin(), finite.end());
      low = finite[size_t(0.01 * double(finite.size() - 1))];
      high = finite[size_t(0.99 * double(finite.size() - 1))];
    }
  }
  std::vector<QPointF> centres(n);
  std::vector<QColor> colors(n);
  for (size_t i = 0; i < n; ++i) {
    centres[i] = toPlot(s.xy[2 * i], s.xy[2 * i + 1]);
    colors[i] = categorical  ? categoricalColor(s.categories[i])
                : continuous ? viridis((s.values[i] - low) / std::max(high - low, 1e-12))
                             : QColor(0x4e, 0x79, 0xa7);
  }
  f.marks(centres, colors, radius);

  const double legendLeft = plot.right() + 10;
  if (categorical) {
    for (int c = 0; c < s.categoryNames.size(); ++c) {
      const double y = plot.top() + 6 + c * lineHeight(style, 0.85);
      f.marks({QPointF(legendLeft + 4, y - style.fontSize * 0.3)}, {categoricalColor(c)}, 3);
      f.text({legendLeft + 12, y}, s.categoryNames[c], 0.85, Figure::Anchor::Left, false, 0, kText);
    }
  } else if (continuous) {
    const double barHeight = std::min(plot.height() - 20, 140.0);
    viridisBar(f, QRectF(legendLeft, plot.top() + 14, 10, barHeight));
    f.text({legendLeft, plot.top() + 8}, s.valueLabel, 0.75, Figure::Anchor::Left, false, 0, kText);
    f.text({legendLeft, plot.top() + 14 + barHeight + 12}, QStringLiteral("1–99%"), 0.65,
           Figure::Anchor::Left, false, 0, kAxis);
    f.text({legendLeft + 13, plot.top() + 14 + style.fontSize * 0.6}, QString::number(high, 'g', 3),
           0.75, Figure::Anchor::Left, false, 0, kAxis);
    f.text({legendLeft + 13, plot.top() + 14 + barHeight}, QString::number(low, 'g', 3), 0.75,
           Figure::Anchor::Left, false, 0, kAxis);
  }
  if (!s.caption.isEmpty())
    f.text({margin, s.height - margin}, s.caption, 0.85, Figure::Anchor::Left, false, 0, kAxis);
  return f;
}

namespace {

// One log10 colour scale for every unit, from the smallest to the largest KL (floor 1e-4).
struct KlScale {
  double logMin = INFINITY, logMax = -INFINITY;
  explicit KlScale(const LatentStats& stats) {
    for (const LayerStats& l : stats.layers)
      for (const UnitStats& u : l.units) {
        const double v = std::log10(std::max(u.kl, 1e-4));
        logMin = std::min(logMin, v), logMax = std::max(logMax, v);
      }
    if (!(logMax - logMin > 1e-6)) logMax = logMin + 1;
  }
  QColor operator()(double kl) const {
    return viridis((std::log10(std::max(kl, 1e-4)) - logMin) / (logMax - logMin));
  }
};

// Where the heatmap's parts go, in points: one row of unit cells per layer, then one map of
// KL over positions per [C, H, W] layer, the colour bar beside them.
struct KlHeatmapLayout {
  struct Row {
    double top, height, cell;
    int perRow;
  };
  struct Map {
    int layer, channels, h, w;
    double scale, top;
  };
  static constexpr double margin = 8, labelWidth = 150, barWidth = 48;
  double width = 500;  // wider if a caption line needs it
  double line = 0, cellsWidth = 0;
  std::vector<Row> rows;
  std::vector<Map> maps;
  double barTop = 0, barHeight = 0, height = 0;
};

KlHeatmapLayout layOutKlHeatmap(const ModelInfo& info, const LatentStats& stats,
                                const QString& title, const QStringList& captionLines,
                                const FigureStyle& style) {
  KlHeatmapLayout k;
  const double margin = KlHeatmapLayout::margin;
  const Figure probe(1, 1, style);
  for (const QString& l : captionLines)
    k.width = std::max(k.width, probe.textWidth(l, 0.85) + 2 * margin);
  k.cellsWidth = k.width - 2 * margin - KlHeatmapLayout::labelWidth - KlHeatmapLayout::barWidth;
  k.line = lineHeight(style, 0.85);
  const double titleHeight = title.isEmpty() ? 0 : lineHeight(style, 1.15) + 4;
  double y = margin + titleHeight;
  for (const LayerStats& layer : stats.layers) {
    const int n = std::max<int>(1, int(layer.units.size()));
    const double cell = std::clamp(std::floor(k.cellsWidth / n), 6.0, 14.0);
    const int perRow = std::max(1, int(k.cellsWidth / cell));
    const int lines = (n + perRow - 1) / perRow;
    const double height = std::max(3 * k.line, lines * cell);
    k.rows.push_back({y, height, cell, perRow});
    y += height + 8;
  }
  const bool maps = spatialLayerCount(info) <= kMaxKlMapLayers;
  for (size_t l = 0; maps && l < info.layers.size() && l < stats.layers.size(); ++l) {
    const auto& shape = info.layers[l].shape;
    if (shape.size() != 3) continue;
    const int c = int(shape[0]), h = int(shape[1]), w = int(shape[2]);
    const double scale =
        std::clamp(std::floor(std::min(60.0 / std::max(h, w),
                                       (k.cellsWidth + KlHeatmapLayout::barWidth) / c / w - 2)),
                   1.0, 8.0);
    y += k.line;  // the map's heading
    k.maps.push_back({int(l), c, h, w, scale, y});
    y += h * scale + k.line + 8;
  }
  // The colour bar beside the rows, as tall as they are (within limits); its labels below it.
  k.barTop = margin + titleHeight + 10;
  k.barHeight = std::clamp(y - k.barTop - 2.2 * k.line, 40.0, 120.0);
  y = std::max(y, k.barTop + k.barHeight + 2.2 * k.line);
  k.height = y + captionLines.size() * k.line + margin;
  return k;
}

// Per layer: its name, KL and active units beside one cell per unit, by decreasing KL.
void drawKlRows(Figure& f, const ModelInfo& info, const LatentStats& stats,
                const KlHeatmapLayout& k, const KlScale& colour) {
  const double margin = KlHeatmapLayout::margin, line = k.line;
  const double left = margin + KlHeatmapLayout::labelWidth;
  const QColor collapsedRed(0xc0, 0x30, 0x30);
  for (size_t l = 0; l < stats.layers.size(); ++l) {
    const LayerStats& layer = stats.layers[l];
    const KlHeatmapLayout::Row& row = k.rows[l];
    const QString name = l < info.layers.size()
                             ? info.layers[l].name + " " + info.layers[l].shapeText()
                             : QStringLiteral("layer %1").arg(l);
    const QColor text = layer.collapsed ? collapsedRed : kText;
    f.text({margin, row.top + line * 0.8}, name, 0.9, Figure::Anchor::Left, true, 0, text);
    f.text({margin, row.top + line * 1.8}, QStringLiteral("KL %1 nats").arg(layer.kl, 0, 'f', 2),
           0.85, Figure::Anchor::Left, false, 0, text);
    f.text({margin, row.top + line * 2.8},
           layer.collapsed ? QStringLiteral("layer collapsed")
                           : QStringLiteral("%1/%2 active, %3 collapsed")
                                 .arg(layer.activeUnits)
                                 .arg(layer.units.size())
                                 .arg(layer.collapsedUnits),
           0.85, Figure::Anchor::Left, false, 0, text);
    const std::vector<int> order = unitsByKl(layer);
    for (size_t i = 0; i < order.size(); ++i) {
      const int column = int(i) % row.perRow, wrapped = int(i) / row.perRow;
      const QRectF cell(left + column * row.cell, row.top + wrapped * row.cell, row.cell - 0.6,
                        row.cell - 0.6);
      f.rect(cell, colour(layer.units[size_t(order[i])].kl));
      if (stats.unitCollapsed(int(l), order[i]) && row.cell >= 5) {
        const QColor cross(235, 235, 235);
        f.line(cell.topLeft(), cell.bottomRight(), cross, 0.5);
        f.line(cell.topRight(), cell.bottomLeft(), cross, 0.5);
      }
    }
  }
}

// Per [C, H, W] layer: KL over positions, one map per channel, with the channel's total.
void drawKlMaps(Figure& f, const ModelInfo& info, const LatentStats& stats,
                const KlHeatmapLayout& k, const KlScale& colour) {
  const double margin = KlHeatmapLayout::margin, line = k.line;
  const double left = margin + KlHeatmapLayout::labelWidth;
  for (const KlHeatmapLayout::Map& m : k.maps) {
    const LayerStats& layer = stats.layers[size_t(m.layer)];
    f.text({margin, m.top - 3},
           QStringLiteral("%1: KL over positions, per channel (same colour scale)")
               .arg(info.layers[size_t(m.layer)].name),
           0.85, Figure::Anchor::Left, false, 0, kText);
    for (int c = 0; c < m.channels; ++c) {
      const double x0 = left + c * (m.w * m.scale + 8);
      double channelKl = 0;
      for (int r = 0; r < m.h; ++r)
        for (int col = 0; col < m.w; ++col) {
          const double kl =
              layer.units[(size_t(c) * size_t(m.h) + size_t(r)) * size_t(m.w) + size_t(col)].kl;
          channelKl += kl;
          f.rect(QRectF(x0 + col * m.scale, m.top + r * m.scale, m.scale, m.scale), colour(kl));
        }
      f.text({x0, m.top + m.h * m.scale + line * 0.9},
             QStringLiteral("c%1: %2").arg(c).arg(channelKl, 0, 'f', 2), 0.75, Figure::Anchor::Left,
             false, 0, kAxis);
    }
  }
}

// Colour bar, log scale, labelled at its ends.
void drawKlBar(Figure& f, const KlHeatmapLayout& k, const KlScale& scale) {
  const double barLeft = k.width - KlHeatmapLayout::margin - KlHeatmapLayout::barWidth + 22;
  const double barTop = k.barTop, barHeight = k.barHeight, line = k.line;
  viridisBar(f, QRectF(barLeft - 14, barTop, 10, barHeight));
  f.text({barLeft - 9, barTop - 3}, QString::number(std::pow(10, scale.logMax), 'g', 2), 0.75,
         Figure::Anchor::Centre, false, 0, kAxis);
  f.text({barLeft - 9, barTop + barHeight + line * 0.8},
         QString::number(std::pow(10, scale.logMin), 'g', 2), 0.75, Figure::Anchor::Centre, false,
         0, kAxis);
  f.text({barLeft - 9, barTop + barHeight + line * 1.7}, QStringLiteral("nats"), 0.75,
         Figure::Anchor::Centre, false, 0, kAxis);
}

}  // namespace

Figure layoutKlHeatmap(const ModelInfo& info, const LatentStats& stats, const QString& title,
                       const QString& caption, const FigureStyle& style) {
  const QStringList captionLines = caption.split('\n');
  const KlHeatmapLayout k = layOutKlHeatmap(info, stats, title, captionLines, style);
  const KlScale colour(stats);
  const double margin = KlHeatmapLayout::margin;
  Figure f(k.width, k.height, style);
  if (!title.isEmpty())
    fittedTitle(f, {margin, margin + style.fontSize * 1.15}, title, k.width - 2 * margin);
  drawKlRows(f, info, stats, k, colour);
  drawKlMaps(f, info, stats, k, colour);
  drawKlBar(f, k, colour);
  for (int i = 0; i < captionLines.size(); ++i)
    f.text({margin, k.height - margin - (captionLines.size() - 1 - i) * k.line}, captionLines[i],
           0.85, Figure::Anchor::Left, false, 0, kAxis);
  return f;
}

Figure layoutMatrices(const MatrixFigure& m, const FigureStyle& style) {
  constexpr double kGap = 24, kBarWidth = 160, kBarHeight = 8;
  const Figure probe(1, 1, style);
  const int units = int(m.labels.size());
  const bool labelled = units > 0 && units <= MatrixFigure::kMaxLabelledUnits;
  double labelWidth = 0;
  if (labelled)
    for (const QString& l : m.labels) labelWidth = std::max(labelWidth, probe.textWidth(l, 0.7));
  const double margin = 8;
  const double titleHeight = m.title.isEmpty() ? 0 : lineHeight(style, 1.15) + 2;
  const double panelTitle = lineHeight(style, 0.9);
  const double columnLabels = labelled ? labelWidth * 0.87 + 4 : 0;  // rotated by 60 degrees
  const double panels = double(m.panels.size());
  const double panelsWidth = panels * m.panelSize + std::max(0.0, panels - 1) * kGap;
  const double contentWidth = (labelled ? labelWidth + 4 : 0) + panelsWidth;
  const QStringList caption =
      m.caption.isEmpty()
          ? QStringList()
          : wrappedLines(probe, m.caption, 0.85, std::max(contentWidth, kMinCaptionWidth));
  double captionWidth = 0;
  for (const QString& line : caption)
    captionWidth = std::max(captionWidth, probe.textWidth(line, 0.85));
  const double captionLine = lineHeight(style, 0.85);
  const double barHeight = kBarHeight + lineHeight(style, 0.8) + 6;
  // The last column's label, rotated by 60 degrees, reaches half its width to the right.
  const double cell = units > 0 ? m.panelSize / units : 0;
  const double overhang = labelled ? std::max(0.0, 0.5 * labelWidth - cell / 2) : 0;
  const double width = 2 * margin + std::max(contentWidth + overhang, captionWidth);
  const double height = 2 * margin + titleHeight + panelTitle + columnLabels + m.panelSize +
                        barHeight + captionLine * double(caption.size()) + 2;
  Figure f(width, height, style);
  if (!m.title.isEmpty())
    fittedTitle(f, {margin, margin + style.fontSize * 1.15}, m.title, width - 2 * margin);
  const double top = margin + titleHeight + panelTitle + columnLabels;
  const double left = margin + (labelled ? labelWidth + 4 : 0);
  for (size_t p = 0; p < m.panels.size(); ++p) {
    const double x = left + double(p) * (m.panelSize + kGap);
    f.text({x, top - columnLabels - 4}, m.panels[p].title, 0.9, Figure::Anchor::Left, true, 0,
           kText);
    QImage image(units, units, QImage::Format_RGB32);
    for (int a = 0; a < units; ++a)
      for (int b = 0; b < units; ++b)
        image.setPixel(b, a,
                       diverging(m.panels[p].values[size_t(a) * size_t(units) + size_t(b)]).rgb());
    if (units > 0) f.image(QRectF(x, top, m.panelSize, m.panelSize), image);
    if (!labelled) continue;
    for (int b = 0; b < units; ++b)
      f.text({x + (b + 0.5) * cell + 2, top - 3}, m.labels[b], 0.7, Figure::Anchor::Left, false,
             -60, kAxis);
  }
  if (labelled)
    for (int a = 0; a < units; ++a)
      f.text({left - 4, top + (a + 0.5) * cell + style.fontSize * 0.25}, m.labels[a], 0.7,
             Figure::Anchor::Right, false, 0, kAxis);
  const double barTop = top + m.panelSize + 6;
  QImage bar(int(kBarWidth), 1, QImage::Format_RGB32);
  for (int x = 0; x < bar.width(); ++x)
    bar.setPixel(x, 0, diverging(-1.0 + 2.0 * x / (bar.width() - 1)).rgb());
  f.image(QRectF(left, barTop, kBarWidth, kBarHeight), bar);
  const double barText = barTop + kBarHeight + lineHeight(style, 0.8);
  f.text({left, barText}, QStringLiteral("-1"), 0.8, Figure::Anchor::Left, false, 0, kAxis);
  f.text({left + kBarWidth, barText}, QStringLiteral("+1"), 0.8, Figure::Anchor::Right, false, 0,
         kAxis);
  f.text({left + kBarWidth + 8, barTop + kBarHeight},
         QStringLiteral("Pearson r; grey: constant unit"), 0.8, Figure::Anchor::Left, false, 0,
         kAxis);
  for (qsizetype i = 0; i < caption.size(); ++i)
    f.text({margin, height - margin - double(caption.size() - 1 - i) * captionLine}, caption[i],
           0.85, Figure::Anchor::Left, false, 0, kAxis);
  return f;
}

Figure layoutLines(const LineFigure& l, const FigureStyle& style) {
  const Figure probe(1, 1, style);
  const double margin = 8, axisLeft = 40, axisBottom = 30;
  const double titleHeight = l.title.isEmpty() ? 0 : lineHeight(style, 1.15) + 2;
  const double legendLine = lineHeight(style, 0.85), captionLine = lineHeight(style, 0.85);
  const QStringList caption = l.caption.isEmpty()
                                  ? QStringList()
                                  : wrappedLines(probe, l.caption, 0.85, l.width - 2 * margin);
  const double height = 2 * margin + titleHeight + l.plotHeight + axisBottom +
                        legendLine * double(l.series.size()) + 4 +
                        captionLine * double(caption.size());
  Figure f(l.width, height, style);
  if (!l.title.isEmpty())
    fittedTitle(f, {margin, margin + style.fontSize * 1.15}, l.title, l.width - 2 * margin);
  const QRectF plot(margin + axisLeft, margin + titleHeight, l.width - 2 * margin - axisLeft - 6,
                    l.plotHeight);
  size_t n = 0;
  double low = 0, high = -INFINITY;  // the y axis starts at 0 or below
  for (const LineFigure::Series& s : l.series) {
    n = std::max(n, s.values.size());
    for (double v : s.values) low = std::min(low, v), high = std::max(high, v);
  }
  if (!(high > low)) high = low + 1;
  high += (high - low) * 0.04;
  const double xLow = l.firstX, xHigh = l.firstX + double(std::max<size_t>(n, 2) - 1);
  auto toPlot = [&](double x, double y) {
    return QPointF(plot.left() + (x - xLow) / (xHigh - xLow) * plot.width(),
                   plot.bottom() - (y - low) / (high - low) * plot.height());
  };
  f.rect(plot, Qt::transparent, kAxis, 0.6);
  // x counts (ranks): whole-number ticks only.
  const std::vector<double> nice = axisTicks(xLow, xHigh, 8), yt = axisTicks(low, high);
  const double xStep = std::max(1.0, std::ceil(nice.size() > 1 ? nice[1] - nice[0] : 1.0));
  const double yStep = yt.size() > 1 ? yt[1] - yt[0] : 1;
  for (double t = std::ceil(xLow); t <= xHigh + 1e-9; t += xStep) {
    const QPointF p = toPlot(t, low);
    f.line(p, p + QPointF(0, 3), kAxis, 0.6);
    f.text(p + QPointF(0, 3 + style.fontSize * 0.8), QString::number(qint64(t)), 0.75,
           Figure::Anchor::Centre, false, 0, kAxis);
  }
  for (double t : yt) {
    const QPointF p = toPlot(xLow, t);
    f.line(p, p - QPointF(3, 0), kAxis, 0.6);
    f.text(p - QPointF(5, -style.fontSize * 0.25), tickText(t, yStep), 0.75, Figure::Anchor::Right,
           false, 0, kAxis);
  }
  f.text({plot.center().x(), plot.bottom() + 24}, l.xLabel, 0.85, Figure::Anchor::Centre, false, 0,
         kText);
  f.text({margin + 6, plot.center().y()}, l.yLabel, 0.85, Figure::Anchor::Centre, false, -90,
         kText);
  double y = plot.bottom() + axisBottom + legendLine - 2;
  for (const LineFigure::Series& s : l.series) {
    std::vector<QPointF> points;
    for (size_t i = 0; i < s.values.size(); ++i)
      points.push_back(toPlot(l.firstX + double(i), s.values[i]));
    if (points.size() > 1) f.polyline(points, s.color, 1.2);
    f.marks(points, std::vector<QColor>(points.size(), s.color), 1.6);
    f.line({plot.left(), y - style.fontSize * 0.3}, {plot.left() + 16, y - style.fontSize * 0.3},
           s.color, 1.2);
    f.text({plot.left() + 20, y}, s.name, 0.85, Figure::Anchor::Left, false, 0, kText);
    y += legendLine;
  }
  y += 4;
  for (const QString& line : caption) {
    f.text({margin, y}, line, 0.85, Figure::Anchor::Left, false, 0, kAxis);
    y += captionLine;
  }
  return f;
}

}  // namespace strata
