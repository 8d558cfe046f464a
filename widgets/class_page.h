#pragma once
// The compare view's Classes page, for conditional and semi-supervised models (contract 2,
// strata_meta.condition; core/analysis/class_conditioning.h): the analogy grid (items encoded
// under their label, their z decoded under every class), the accuracy of q(y|x) and of the
// generative classifier with their agreement, and the confusion matrix of q(y|x) on the
// metrics' items. Computed on a worker when asked; a result for models or data no longer open
// is dropped.

#include <QJsonObject>
#include <QWidget>

#include <functional>
#include <memory>
#include <vector>

#include "core/analysis/class_conditioning.h"
#include "core/analysis/model_metrics.h"
#include "core/data/dataset.h"
#include "core/model/model.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace strata {

class ImageGrid;
class JobRunner;

class ClassPage : public QWidget {
  Q_OBJECT

 public:
  // `options` gives the items and seed the classifiers are scored on (the metrics options).
  ClassPage(std::function<MetricsOptions()> options, QWidget* parent = nullptr);
  void setModels(const std::vector<ModelPtr>& models);
  void setDataset(DatasetPtr dataset);
  void compute();
  JobRunner* jobRunner() const { return jobs_; }
  ImageGrid* analogyGrid() const { return grid_; }
  QTableWidget* confusionTable() const { return confusion_; }
  QString summary() const;
  // The analogy figure of what is shown (docs/recipes.md, "analogy"), without dataset and
  // style; empty until a grid is shown.
  QJsonObject figureRecipe() const { return recipe_; }

 Q_SIGNALS:
  void classesShown();
  void figureExportRequested(const QJsonObject& recipe, const QString& suffix);
  void itemChosen(int64_t item);

 private:
  struct Result {
    AnalogyGrid analogy;
    ClassifierEvaluation scores;
    uint64_t seed = 0;
  };
  void reset(const QString& message);
  void show(const ModelPtr& model, const Result& r);
  std::vector<int64_t> chosenItems(QString* problem) const;

  std::function<MetricsOptions()> options_;
  std::vector<ModelPtr> models_;
  DatasetPtr dataset_;
  JobRunner* jobs_ = nullptr;
  QComboBox* model_ = nullptr;
  QLineEdit* items_ = nullptr;
  QPushButton* export_ = nullptr;
  ImageGrid* grid_ = nullptr;
  QTableWidget* confusion_ = nullptr;
  QLabel* scores_ = nullptr;
  std::vector<int64_t> shownItems_;
  QJsonObject recipe_;
};

}  // namespace strata
