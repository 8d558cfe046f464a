#pragma once
// Two to four models side by side on the same dataset: reconstructions of the same inputs,
// prior samples from the same noise, interpolations (linear and spherical) with the prior
// log-density along the path, the metrics table, cross-model unit matching with matched
// units traversed in sync, and the units of one model under every criterion of a unit's use. All
// model work runs on workers.

#include <QWidget>

#include <memory>
#include <vector>

#include "core/analysis/comparison.h"
#include "core/analysis/model_metrics.h"
#include "core/base/job_tracker.h"
#include "core/data/dataset.h"
#include "core/model/model.h"

class QComboBox;
class QDoubleSpinBox;
class QGridLayout;
class QLabel;
class QLayout;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QToolButton;

namespace strata {

class CorrelationMatrix;
class ImageGrid;
class JobRunner;
class LineChart;
class MetricsTable;
class UnitInspector;
class ClassPage;
class CodeCorrelationPage;
class UnitTable;

using ModelPtr = std::shared_ptr<const Model>;

class CompareView : public QWidget {
  Q_OBJECT

 public:
  static constexpr int kMaxModels = kMaxComparedModels;
  explicit CompareView(QWidget* parent = nullptr);
  ~CompareView() override;

  void setDataset(DatasetPtr dataset);
  // Adds a column at `position` (-1: last); at most four, and a model file shown already is
  // not added twice.
  bool addModel(ModelPtr model, int position = -1);
  void removeModel(int column);
  void clearModels();
  int modelCount() const { return int(models_.size()); }
  const std::vector<ModelPtr>& models() const { return models_; }
  QList<JobRunner*> jobRunners() const;

  // Recomputes the image rows (reconstructions, samples, interpolations).
  void refresh();
  void computeMetrics();
  MetricsOptions metricOptions() const;
  void setMetricOptions(const MetricsOptions& options);
  void matchUnits();
  const std::vector<ModelMetrics>& metrics() const { return metrics_; }
  const MatchedUnits* matchedUnits() const { return matched_.get(); }
  MetricsTable* metricsTable() const { return metricsTable_; }
  UnitTable* unitTable() const { return unitTable_; }
  UnitInspector* unitInspector() const { return inspector_; }
  CodeCorrelationPage* correlationPage() const { return correlations_; }
  ClassPage* classPage() const { return classes_; }
  // Opens the unit inspector on a unit of `model` (any open model, compared or not) over the
  // current dataset: with the model's metrics when they have been computed here, else on the
  // items of the current metric options with the profile alone.
  void inspectModelUnit(const ModelPtr& model, int layer, int unit);
  ImageGrid* reconstructionGrid(int column) const;
  ImageGrid* sampleGrid(int column) const;
  ImageGrid* interpolationGrid(int column) const;
  void showPage(const QString& name);
  // The recipe of the reconstructions and samples, without dataset and style; empty if none.
  QJsonObject figureRecipe() const;  // "metrics" or "matching"

 Q_SIGNALS:
  void addModelRequested();
  // A column's close button: the workspace removes the model, and the view follows it.
  void removeRequested(int column);
  void exportRequested();
  void imagesShown();
  void metricsShown();
  void matchingShown();
  void traversalShown();
  void failed(const QString& title, const QString& message);

 private:
  struct Column;
  QLayout* buildControls();
  QWidget* buildImageRows();
  QWidget* buildMetricsPage();
  QWidget* buildMatchingPage();
  QWidget* buildUnitsPage();
  // The metrics table and the units page from metrics_.
  void showMetricsTables();
  // Opens the unit inspector on a unit of the model shown on the units page.
  void inspectUnit(int layer, int unit);
  void connectSettings();
  void rebuildColumns();
  void refreshReconstructions();
  void refreshSamples();
  void refreshInterpolations();
  void showMatchedTraversal(int pair);
  void updateMatchChoices();
  void showKlProfiles();
  QString modelLabel(int column) const;

  DatasetPtr dataset_;
  std::vector<ModelPtr> models_;
  std::vector<std::unique_ptr<Column>> columns_;
  std::vector<ModelMetrics> metrics_;
  std::shared_ptr<const MatchedUnits> matched_;
  ModelPtr matchedA_, matchedB_;  // the models of matched_, wherever their columns are now
  // next() whenever the models or the dataset change: every result computed for the earlier ones
  // (images, metrics, matching, matched traversals) is then dropped instead of shown.
  GenerationGuard shown_;

  QGridLayout* grid_ = nullptr;
  QWidget* gridHost_ = nullptr;
  ImageGrid* inputs_ = nullptr;
  ImageGrid* endpoints_ = nullptr;
  QLabel* sampleNote_ = nullptr;
  QLabel* klNote_ = nullptr;
  QSpinBox* offset_ = nullptr;
  QSpinBox* seed_ = nullptr;
  QDoubleSpinBox* temperature_ = nullptr;
  QSpinBox* from_ = nullptr;
  QSpinBox* to_ = nullptr;
  QTabWidget* bottom_ = nullptr;
  MetricsTable* metricsTable_ = nullptr;
  QLabel* metricsNote_ = nullptr;
  QSpinBox* metricItems_ = nullptr;
  QSpinBox* iwSamples_ = nullptr;
  QSpinBox* iwItems_ = nullptr;
  QComboBox* codes_ = nullptr;
  QComboBox* matchA_ = nullptr;
  QComboBox* matchB_ = nullptr;
  QComboBox* layerA_ = nullptr;
  QComboBox* layerB_ = nullptr;
  CorrelationMatrix* matrix_ = nullptr;
  ImageGrid* matchedTraversal_ = nullptr;
  QLabel* matchNote_ = nullptr;
  QComboBox* unitModel_ = nullptr;
  UnitTable* unitTable_ = nullptr;
  UnitInspector* inspector_ = nullptr;
  CodeCorrelationPage* correlations_ = nullptr;
  ClassPage* classes_ = nullptr;
  QComboBox* class_ = nullptr;  // conditional models' sample class
  QLabel* classLabel_ = nullptr;
  void syncClasses();
  JobRunner* imageJobs_ = nullptr;
  JobRunner* sampleJobs_ = nullptr;
  JobRunner* pathJobs_ = nullptr;
  JobRunner* metricJobs_ = nullptr;
  JobRunner* matchJobs_ = nullptr;
  JobRunner* traversalJobs_ = nullptr;
};

}  // namespace strata
