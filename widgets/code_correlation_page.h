#pragma once
// The compare view's Correlations page: one model's correlation matrices of mean codes and of
// sampled codes over the same items, side by side (core/analysis/code_correlations.h), computed
// on a worker when asked; a result for models or data no longer open is dropped.

#include <QJsonObject>
#include <QWidget>

#include <functional>
#include <memory>
#include <vector>

#include "core/analysis/code_correlations.h"
#include "core/analysis/model_metrics.h"
#include "core/data/dataset.h"
#include "core/model/model.h"

class QComboBox;
class QLabel;
class QPushButton;

namespace strata {

class CorrelationMatrix;
class JobRunner;

class CodeCorrelationPage : public QWidget {
  Q_OBJECT

 public:
  // `options` gives the items and seed (the metrics options), read when a computation starts.
  CodeCorrelationPage(std::function<MetricsOptions()> options, QWidget* parent = nullptr);
  void setModels(const std::vector<ModelPtr>& models);
  void setDataset(DatasetPtr dataset);
  void compute();
  JobRunner* jobRunner() const { return jobs_; }
  const CodeCorrelations* result() const { return result_.get(); }
  CorrelationMatrix* meansMatrix() const { return means_; }
  CorrelationMatrix* samplesMatrix() const { return samples_; }
  // The figure of what is shown (docs/recipes.md, "correlations"), without dataset and style;
  // empty until matrices are shown.
  QJsonObject figureRecipe() const { return recipe_; }

 Q_SIGNALS:
  void correlationsShown();
  void figureExportRequested(const QJsonObject& recipe, const QString& suffix);

 private:
  void reset(const QString& message);

  std::function<MetricsOptions()> options_;
  std::vector<ModelPtr> models_;
  DatasetPtr dataset_;
  std::shared_ptr<const CodeCorrelations> result_;
  JobRunner* jobs_ = nullptr;
  QComboBox* model_ = nullptr;
  CorrelationMatrix* means_ = nullptr;
  CorrelationMatrix* samples_ = nullptr;
  QLabel* note_ = nullptr;
  QPushButton* export_ = nullptr;
  QJsonObject recipe_;
};

}  // namespace strata
