#pragma once
// Metric tables of several models side by side: one column per model, the best value of
// each row in bold, 95% intervals in brackets, the parameters of each metric in the last
// column and in tooltips.

#include <QTableWidget>

#include <vector>

#include "core/analysis/model_metrics.h"

namespace strata {

class MetricsTable : public QTableWidget {
  Q_OBJECT

 public:
  explicit MetricsTable(QWidget* parent = nullptr);
  void setMetrics(const std::vector<ModelMetrics>& models);
  // The column of the best model in the row of `key`, or -1 (ties or one model).
  int bestColumn(const QString& key) const;
  static QString formatValue(const MetricRow& row);

 private:
  std::vector<ModelMetrics> models_;
};

}  // namespace strata
