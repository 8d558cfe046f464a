#pragma once
// The correlation of two models' units as a diverging heatmap (blue -1, white 0, red +1).
// Rows and columns are ordered by the matching (best pair first), so matched pairs run down
// the diagonal, outlined; when a side has more than 64 units only matched units are shown.
// Clicking a matched cell selects that pair.

#include <QStringList>
#include <QWidget>

#include "core/numeric/unit_matching.h"

namespace strata {

class CorrelationMatrix : public QWidget {
  Q_OBJECT

 public:
  explicit CorrelationMatrix(QWidget* parent = nullptr);
  void setMatching(const UnitMatching& matching, const QStringList& rowNames,
                   const QStringList& columnNames, const QString& rowTitle,
                   const QString& columnTitle);
  // One set of units against itself, every unit in the given order, no pairs.
  void setMatrix(const UnitMatching& matrix, const QStringList& names, const QString& title);
  void clear(const QString& message);
  int pairAt(const QPoint& pos) const;  // index into matching.pairs, or -1
  QSize sizeHint() const override;

 Q_SIGNALS:
  void pairClicked(int pair);
  // "Inspect" in a matched cell's context menu: the row's unit (model A) or the column's (B).
  void unitInspectRequested(int pair, bool rowUnit);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void contextMenuEvent(QContextMenuEvent* event) override;

 private:
  struct Geometry {
    int cell = 0, left = 0, top = 0;
  };
  Geometry geometry() const;
  double value(int row, int column) const;  // in display order
  UnitMatching matching_;
  QStringList rows_, columns_;               // all unit names
  std::vector<int> rowOrder_, columnOrder_;  // units shown, in display order
  QString rowTitle_, columnTitle_, message_;
};

}  // namespace strata
