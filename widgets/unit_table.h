#pragma once
// The units of one model's metrics table side by side under the criteria papers use to call a
// unit used (docs/metrics.md): ARD-VAE relevance with its share and running share, and its two
// factors (prior variance, Jacobian weight); mean KL with the collapsed mark; the variance of
// the posterior means with the active mark; Bonheme & Grzes's class. Sorted by relevance, the
// units within the 99 % shaded; every column sorts on a click. Where Dang et al.'s linear theory
// applies (a one-layer model declaring its Gaussian decoder's standard deviation), a chart sets
// the KL it predicts per unit beside the KL the model shows.

#include <QJsonObject>
#include <QWidget>

#include "core/analysis/model_metrics.h"

class QLabel;
class QPushButton;
class QTableWidget;

namespace strata {

class LineChart;

class UnitTable : public QWidget {
  Q_OBJECT

 public:
  enum Column {
    Rank,
    Unit,
    Relevance,
    Share,
    Cumulative,
    PriorVariance,
    JacobianWeight,
    Kl,
    MeanVariance,
    Class,
    ColumnCount
  };

  explicit UnitTable(QWidget* parent = nullptr);
  // Shows the units of `metrics` (its chosen codes); an empty table clears the view. With the
  // path of the model the table was computed for, the collapse chart can be exported.
  void setMetrics(const ModelMetrics& metrics, const QString& modelPath = {});
  QTableWidget* table() const { return table_; }
  QString summary() const;
  LineChart* collapseChart() const { return collapseChart_; }
  // The collapse figure's recipe (empty when the chart is hidden or has no model file).
  QJsonObject figureRecipe() const { return recipe_; }

 Q_SIGNALS:
  // A double-click on a unit's row: its layer and flat index within the layer.
  void unitActivated(int layer, int unit);
  void figureExportRequested(const QJsonObject& recipe, const QString& suffix);

 private:
  void showCollapsePrediction(const ModelMetrics& metrics, std::vector<double> observedKl,
                              const QString& modelPath);

  QLabel* summary_ = nullptr;
  QWidget* collapseBox_ = nullptr;
  LineChart* collapseChart_ = nullptr;
  QPushButton* export_ = nullptr;
  QJsonObject recipe_;
  QTableWidget* table_ = nullptr;
};

}  // namespace strata
