#include "widgets/metrics_table.h"

#include <QHeaderView>

#include <cmath>

namespace strata {

MetricsTable::MetricsTable(QWidget* parent) : QTableWidget(parent) {
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  setSelectionMode(QAbstractItemView::ContiguousSelection);
  setAlternatingRowColors(true);
  verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
  horizontalHeader()->setStretchLastSection(true);
}

QString MetricsTable::formatValue(const MetricRow& r) {
  if (!std::isfinite(r.value)) return QStringLiteral("–");
  const int decimals = std::abs(r.value) >= 10 ? 2 : 3;
  if (std::isfinite(r.outOf))
    return QStringLiteral("%1 of %2").arg(qint64(r.value)).arg(qint64(r.outOf));
  if (r.value == std::floor(r.value) && !std::isfinite(r.low) && std::abs(r.value) < 1e6)
    return QString::number(qint64(r.value));
  QString text = QString::number(r.value, 'f', decimals);
  if (std::isfinite(r.low))
    text += QStringLiteral("  [%1, %2]")
                .arg(QString::number(r.low, 'f', decimals), QString::number(r.high, 'f', decimals));
  return text;
}

int MetricsTable::bestColumn(const QString& key) const {
  if (models_.size() < 2) return -1;
  int best = -1, count = 0;
  double bestValue = 0;
  for (size_t m = 0; m < models_.size(); ++m) {
    const MetricRow* r = models_[m].find(key);
    if (!r || !std::isfinite(r->value)) return -1;
    ++count;
    if (best < 0 || (r->higherIsBetter ? r->value > bestValue : r->value < bestValue))
      best = int(m), bestValue = r->value;
  }
  int atBest = 0;  // a tie for the best value has no winner
  for (const ModelMetrics& m : models_) atBest += m.find(key)->value == bestValue;
  if (atBest > 1) return -1;
  // Counts and raw KL are facts, not scores: nothing to win.
  if (key.startsWith("active") || key.startsWith("kl") || key.startsWith("collapsed") ||
      key == "inactive-layers" || key == "log_px" || key.startsWith("units/") ||
      key.startsWith("relevance/"))
    return -1;
  return count == int(models_.size()) ? best : -1;
}

void MetricsTable::setMetrics(const std::vector<ModelMetrics>& models) {
  models_ = models;
  QStringList keys, names;
  QHash<QString, QString> parameters;
  for (const ModelMetrics& m : models)
    for (const MetricRow& r : m.rows) {
      if (!keys.contains(r.key)) keys << r.key, names << r.name;
      if (!parameters.contains(r.key)) parameters[r.key] = r.parameters;
    }
  clear();
  setRowCount(int(keys.size()));
  setColumnCount(int(models.size()) + 1);
  QStringList headers;
  for (const ModelMetrics& m : models) headers << m.modelName;
  headers << tr("Parameters");
  setHorizontalHeaderLabels(headers);
  setVerticalHeaderLabels(names);
  for (int row = 0; row < keys.size(); ++row) {
    const int best = bestColumn(keys[row]);
    for (size_t m = 0; m < models.size(); ++m) {
      const MetricRow* r = models[m].find(keys[row]);
      auto* item = new QTableWidgetItem(r ? formatValue(*r) : tr("n/a"));
      item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      if (r) item->setToolTip(r->parameters);
      if (!r) item->setToolTip(tr("not defined for this model or data"));
      if (int(m) == best) {
        QFont bold = font();
        bold.setBold(true);
        item->setFont(bold);
        item->setBackground(QColor(214, 236, 214));
      }
      setItem(row, int(m), item);
    }
    auto* p = new QTableWidgetItem(parameters.value(keys[row]));
    p->setForeground(palette().color(QPalette::PlaceholderText));
    setItem(row, int(models.size()), p);
  }
  resizeColumnsToContents();
  horizontalHeader()->setStretchLastSection(true);
}

}  // namespace strata
