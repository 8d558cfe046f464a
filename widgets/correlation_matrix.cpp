#include "widgets/correlation_matrix.h"

#include <QContextMenuEvent>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/figures/palette.h"

namespace strata {
namespace {

constexpr int kLabelWidth = 124, kHeader = 64, kLegend = 28;

}  // namespace

CorrelationMatrix::CorrelationMatrix(QWidget* parent) : QWidget(parent) {
  setMinimumSize(240, 200);
  clear(tr("Choose two models and press Match units."));
}

void CorrelationMatrix::setMatching(const UnitMatching& matching, const QStringList& rowNames,
                                    const QStringList& columnNames, const QString& rowTitle,
                                    const QString& columnTitle) {
  matching_ = matching;
  rows_ = rowNames;
  columns_ = columnNames;
  rowTitle_ = rowTitle;
  // Matched units first, in pair order, then (if few enough) the unmatched ones.
  constexpr int kAllUnitsUpTo = 64;
  rowOrder_.clear();
  columnOrder_.clear();
  for (auto [a, b] : matching.pairs) rowOrder_.push_back(a), columnOrder_.push_back(b);
  auto addRest = [](std::vector<int>& order, int count) {
    if (count > kAllUnitsUpTo) return;
    for (int u = 0; u < count; ++u)
      if (std::find(order.begin(), order.end(), u) == order.end()) order.push_back(u);
  };
  addRest(rowOrder_, matching.unitsA);
  addRest(columnOrder_, matching.unitsB);
  columnTitle_ = columnTitle;
  message_.clear();
  updateGeometry();
  update();
}

void CorrelationMatrix::setMatrix(const UnitMatching& matrix, const QStringList& names,
                                  const QString& title) {
  matching_ = matrix;
  matching_.pairs.clear();
  rows_ = columns_ = names;
  rowTitle_ = columnTitle_ = title;
  rowOrder_.resize(size_t(matrix.unitsA));
  std::iota(rowOrder_.begin(), rowOrder_.end(), 0);
  columnOrder_.resize(size_t(matrix.unitsB));
  std::iota(columnOrder_.begin(), columnOrder_.end(), 0);
  message_.clear();
  updateGeometry();
  update();
}

void CorrelationMatrix::clear(const QString& message) {
  matching_ = {};
  message_ = message;
  update();
}

QSize CorrelationMatrix::sizeHint() const {
  const int cell = 14;
  return {kLabelWidth + cell * std::max(int(columnOrder_.size()), 8) + 20,
          kHeader + cell * std::max(int(rowOrder_.size()), 8) + kLegend + 10};
}

double CorrelationMatrix::value(int row, int column) const {
  return matching_.at(rowOrder_[size_t(row)], columnOrder_[size_t(column)]);
}

CorrelationMatrix::Geometry CorrelationMatrix::geometry() const {
  Geometry g;
  if (rowOrder_.empty() || columnOrder_.empty()) return g;
  const int w = width() - kLabelWidth - 10, h = height() - kHeader - kLegend - 10;
  g.cell = std::clamp(std::min(w / int(columnOrder_.size()), h / int(rowOrder_.size())), 2, 28);
  g.left = kLabelWidth;
  g.top = kHeader;
  return g;
}

int CorrelationMatrix::pairAt(const QPoint& pos) const {
  const Geometry g = geometry();
  if (g.cell == 0) return -1;
  const int column = (pos.x() - g.left) / g.cell, row = (pos.y() - g.top) / g.cell;
  if (pos.x() < g.left || pos.y() < g.top || row >= int(rowOrder_.size()) ||
      column >= int(columnOrder_.size()))
    return -1;
  // Pairs sit on the diagonal of the display order.
  return row == column && size_t(row) < matching_.pairs.size() ? row : -1;
}

void CorrelationMatrix::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().base());
  if (!message_.isEmpty() || rowOrder_.empty()) {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
                     message_);
    return;
  }
  const Geometry g = geometry();
  QFont small = font();
  small.setPointSizeF(std::max(6.5, std::min(9.0, g.cell * 0.7)));
  painter.setFont(small);
  painter.setPen(palette().color(QPalette::Text));
  painter.drawText(QRect(g.left, 4, width() - g.left, 18), Qt::AlignLeft, columnTitle_);
  painter.save();
  painter.translate(12, g.top + g.cell * int(rowOrder_.size()) / 2.0);
  painter.rotate(-90);
  painter.drawText(QRect(-200, -10, 400, 16), Qt::AlignCenter, rowTitle_);
  painter.restore();
  const bool labelEvery = g.cell >= 9;
  const int shownRows = int(rowOrder_.size()), shownColumns = int(columnOrder_.size());
  for (int a = 0; a < shownRows; ++a) {
    if (labelEvery)
      painter.drawText(QRect(18, g.top + a * g.cell, kLabelWidth - 22, g.cell),
                       Qt::AlignRight | Qt::AlignVCenter, rows_.value(rowOrder_[size_t(a)]));
    for (int b = 0; b < shownColumns; ++b)
      painter.fillRect(g.left + b * g.cell, g.top + a * g.cell, g.cell, g.cell,
                       diverging(value(a, b)));
  }
  if (labelEvery)
    for (int b = 0; b < shownColumns; ++b) {
      painter.save();
      painter.translate(g.left + b * g.cell + g.cell / 2.0 + 4, g.top - 4);
      painter.rotate(-60);
      painter.drawText(0, 0, columns_.value(columnOrder_[size_t(b)]));
      painter.restore();
    }
  painter.setPen(QPen(Qt::black, std::max(1, g.cell / 8)));
  for (int p = 0; p < int(matching_.pairs.size()); ++p)
    painter.drawRect(g.left + p * g.cell, g.top + p * g.cell, g.cell - 1, g.cell - 1);
  // Colour bar.
  const int barTop = g.top + g.cell * shownRows + 10, barWidth = 160;
  for (int x = 0; x < barWidth; ++x)
    painter.fillRect(g.left + x, barTop, 1, 10, diverging(-1.0 + 2.0 * x / (barWidth - 1)));
  painter.setPen(palette().color(QPalette::Text));
  painter.drawText(g.left - 24, barTop + 10, QStringLiteral("-1"));
  const bool partial = shownRows < matching_.unitsA || shownColumns < matching_.unitsB;
  const QString legend = matching_.pairs.empty() ? tr("+1  correlation; grey: constant unit")
                         : partial ? tr("+1  correlation; outlined: matched (matched units only)")
                                   : tr("+1  correlation; outlined: matched");
  painter.drawText(g.left + barWidth + 4, barTop + 10, legend);
}

void CorrelationMatrix::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return;
  const int pair = pairAt(event->position().toPoint());
  if (pair >= 0) Q_EMIT pairClicked(pair);
}

void CorrelationMatrix::contextMenuEvent(QContextMenuEvent* event) {
  const int pair = pairAt(event->pos());
  if (pair < 0) return;
  const auto [row, column] = matching_.pairs[size_t(pair)];
  QMenu menu(this);
  menu.addAction(tr("Traverse the matched pair"), this, [this, pair] { Q_EMIT pairClicked(pair); });
  menu.addAction(tr("Inspect %1 %2…").arg(rowTitle_, rows_.value(row)), this,
                 [this, pair] { Q_EMIT unitInspectRequested(pair, true); });
  menu.addAction(tr("Inspect %1 %2…").arg(columnTitle_, columns_.value(column)), this,
                 [this, pair] { Q_EMIT unitInspectRequested(pair, false); });
  menu.exec(event->globalPos());
}

}  // namespace strata
