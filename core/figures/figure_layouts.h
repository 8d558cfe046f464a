#pragma once
// The figures Strata exports: image grids (traversals, hierarchy resampling, comparisons),
// scatter plots of projections and KL-per-unit heatmaps, laid out in points for every format.

#include <QImage>
#include <QStringList>

#include <vector>

#include "core/figures/figure.h"
#include "core/model/latent_stats.h"
#include "core/model/model.h"

namespace strata {

struct GridFigure {
  QString title, caption;
  int rows = 0, columns = 0;
  std::vector<QImage> cells;  // row-major; a null image leaves its cell empty
  QStringList rowLabels, columnLabels;
  std::vector<int> marked;  // outlined cells (e.g. a traversal's start)
  double cellSize = 40;     // points
  double gap = 2;
  // Wrap the caption at the grid's width (at least a column of text) instead of widening the
  // figure to one line: for captions that hold a paragraph of numbers.
  bool wrapCaption = false;
};
Figure layoutGrid(const GridFigure& grid, const FigureStyle& style);

struct ScatterFigure {
  QString title, caption, xLabel = QStringLiteral("1"), yLabel = QStringLiteral("2");
  std::vector<float> xy;        // [n, 2]
  std::vector<int> categories;  // per point, or empty
  QStringList categoryNames;
  std::vector<float> values;  // per point for a colour bar, or empty
  QString valueLabel;
  double width = 400, height = 320;  // points, including legend
  double markRadius = 0;             // 0: chosen from the point count
};
Figure layoutScatter(const ScatterFigure& scatter, const FigureStyle& style);

// KL per unit as the hierarchy view's KL page shows it: a row per layer (name, KL, active and
// collapsed units), units sorted by KL on a log viridis scale, collapsed units crossed out, a
// map over positions per channel of each spatial layer, and a colour bar.
Figure layoutKlHeatmap(const ModelInfo& info, const LatentStats& stats, const QString& title,
                       const QString& caption, const FigureStyle& style);

// Square correlation matrices side by side over the same units (mean and sampled codes): each
// a pixel-exact image with the diverging palette, unit labels when few enough to read, a
// colour bar and a caption wrapped under the panels.
struct MatrixFigure {
  static constexpr int kMaxLabelledUnits = 24;  // beyond, labels would be under 6 points
  struct Panel {
    QString title;
    std::vector<double> values;  // [units, units], row-major; NaN: no value (grey)
  };
  QString title, caption;
  QStringList labels;  // one per unit, rows top to bottom and columns left to right
  std::vector<Panel> panels;
  double panelSize = 220;  // points
};
Figure layoutMatrices(const MatrixFigure& matrices, const FigureStyle& style);

// Curves over a shared x (firstX, firstX + 1, ...): axes with ticks, one polyline with a dot
// per value for each series, a legend under the plot and a caption wrapped under it.
struct LineFigure {
  struct Series {
    QString name;
    std::vector<double> values;  // finite
    QColor color;
  };
  QString title, caption, xLabel, yLabel;
  std::vector<Series> series;
  double firstX = 1;
  double width = 380, plotHeight = 170;  // points
};
Figure layoutLines(const LineFigure& lines, const FigureStyle& style);

// "Nice" axis ticks covering [low, high].
std::vector<double> axisTicks(double low, double high, int target = 5);

}  // namespace strata
