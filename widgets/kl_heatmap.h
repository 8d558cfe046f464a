#pragma once
// KL per unit as a heatmap: one row per layer, units ordered by KL, viridis colour on a log
// scale; spatial layers also get a per-channel map of KL over positions. Collapsed units are
// crossed out, collapsed layers flagged. Clicking a cell names the unit. Deep models (more
// layers than kMaxLayerGroups) get an overview first: KL per layer as bars and a line per
// layer group, then compact rows; the widget is as tall as its content, for a scroll area.

#include <QWidget>

#include <memory>

#include "core/model/latent_stats.h"
#include "core/model/model.h"

namespace strata {

class KlHeatmap : public QWidget {
  Q_OBJECT

 public:
  explicit KlHeatmap(QWidget* parent = nullptr);
  void setData(const ModelInfo& info, std::shared_ptr<const LatentStats> stats,
               const QString& source);
  // The (layer, unit) drawn at a widget position; {-1, -1} if none.
  std::pair<int, int> unitAt(const QPoint& pos) const;
  QPoint cellCentre(int layer, int unit) const;
  QSize sizeHint() const override { return {900, 420}; }

 Q_SIGNALS:
  void unitClicked(int layer, int unit);
  // "Inspect" in a cell's context menu (right click): the unit inspector for that unit.
  void unitInspectRequested(int layer, int unit);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void contextMenuEvent(QContextMenuEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  struct Cell {
    QRect rect;
    int layer, unit;
  };
  void layoutCells();
  bool deep() const;
  int overviewHeight() const;
  void paintOverview(QPainter& p, int top);
  void paintSpatialMaps(QPainter& p, int y);

  ModelInfo info_;
  std::shared_ptr<const LatentStats> stats_;
  QString source_;
  std::vector<Cell> cells_;
  std::vector<int> rowTop_;  // per layer: the top of its row
  double logMin_ = -3, logMax_ = 1;
};

}  // namespace strata
