#pragma once
// The main window: a map of the dataset, reconstructions and prior samples of the open model,
// the item under the pointer, and the model panel.

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMainWindow>

#include <memory>
#include <vector>

#include "core/analysis/projection.h"
#include "core/data/dataset.h"
#include "core/model/encoding.h"
#include "core/model/model.h"

class QAction;
class QProgressBar;
class QTabWidget;
class QToolButton;

namespace strata {

class InferenceWorker;
class ItemPanel;
class JobRunner;
class ModelPanel;
class RecentModelsMenu;
class ReconstructionView;
class MapControls;
class ScatterView;
class SelectionPanel;
class TraverseView;
class HierarchyView;
class CompareView;
class ExportFigureAction;
class Autosaver;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Opens `dataset` (or the remembered one, or Fashion-MNIST test) and `model` (or the
  // remembered one, or the bundled hierarchical VAE).
  void openStartup(const QString& dataset, const QString& model);
  // Opens a dataset (see dataset_source.h) and projects it with PCA on a worker.
  void openDatasetSpec(const QString& spec);
  // Loads and validates a model on a worker; a broken model shows its report and changes nothing.
  void openModel(const QString& path);
  // Brings a view to the front by name ("map", "reconstructions"); false if unknown.
  bool showView(const QString& name);

  ScatterView* scatterView() const { return scatter_; }
  ItemPanel* itemPanel() const { return itemPanel_; }
  SelectionPanel* selectionPanel() const { return selectionPanel_; }
  ModelPanel* modelPanel() const { return modelPanel_; }
  ReconstructionView* reconstructionView() const { return reconstructions_; }
  TraverseView* traverseView() const { return traverse_; }
  MapControls* mapControls() const { return mapControls_; }
  // Draws and decodes the interpolation between two items (as the item panel's path button).
  void requestPath(int64_t from, int64_t to) { showPath(from, to); }
  // Computes the map the controls describe (used by the Project button).
  void requestMap() { projectMap(); }
  HierarchyView* hierarchyView() const { return hierarchy_; }
  CompareView* compareView() const { return compare_; }
  ExportFigureAction* exportFigureAction() const { return exportFigure_; }
  // The recipe of the figure the current view shows; empty (and `why` set) if none.
  QJsonObject currentRecipe(QString* why) const;
  // Loads a model on a worker and adds it as a column of the compare view.
  void addCompareModel(const QString& path, int position = -1);
  // Replaces the compared models with these, in this order.
  void restoreComparison(const QStringList& paths);
  QTabWidget* tabs() const { return tabs_; }
  DatasetPtr dataset() const { return dataset_; }
  QString datasetSpec() const { return datasetSpec_; }
  // Selects these map points as a lasso would.
  void restoreSelection(const std::vector<int>& indices);
  // Starts autosaving (see app/session.h); a normal close then removes the autosave.
  void enableAutosave(int intervalMs);
  ModelPtr model() const { return model_; }

 Q_SIGNALS:
  void projectionShown();
  void modelShown();
  void modelRejected(const QString& report);
  void reconstructionsShown();
  void samplesShown();
  void statsShown();
  void neighboursShown(const std::vector<int>& neighbours);
  void pathShown();
  void compareModelAdded();
  // A dataset could not be opened or a map computed (the window shows `message` too).
  void jobFailed(const QString& title, const QString& message);

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  struct OpenedDataset;
  void buildActions();
  void buildStatusBar();
  void showDataset(const OpenedDataset& opened);
  void projectMap();
  void showMap(const ProjectionResult& map);
  void applyDimensions();
  void applyColours();
  void refreshModelViews();
  void computeStats();
  // A model is open that can encode the open dataset's items.
  bool canEncodeDataset() const;
  void refreshSamples();
  void refreshReconstructions();
  void onPointHovered(int index);
  void onPointClicked(int index);
  void showItem(int64_t index, bool pinned);
  void showNeighbours(int index);
  void showPath(int64_t from, int64_t to);
  void decodeMapPoint(const QPointF& world);
  void chooseCompareModel();
  void exportCompareMetrics();
  void trackJobs(JobRunner* runner);

  DatasetPtr dataset_;
  QString datasetSpec_;
  ModelPtr model_;
  ProjectionResult map_;
  std::shared_ptr<const Encoding> embedding_;  // vectors of an opened embedding file
  std::unique_ptr<EncodingCache> cache_;
  bool pinned_ = false;
  int64_t pathStart_ = -1;

  QTabWidget* tabs_ = nullptr;
  ScatterView* scatter_ = nullptr;
  MapControls* mapControls_ = nullptr;
  ReconstructionView* reconstructions_ = nullptr;
  TraverseView* traverse_ = nullptr;
  HierarchyView* hierarchy_ = nullptr;
  CompareView* compare_ = nullptr;
  bool compareSeeded_ = false;
  ExportFigureAction* exportFigure_ = nullptr;
  Autosaver* autosaver_ = nullptr;
  JobRunner* statsJobs_ = nullptr;
  ItemPanel* itemPanel_ = nullptr;
  SelectionPanel* selectionPanel_ = nullptr;
  ModelPanel* modelPanel_ = nullptr;
  RecentModelsMenu* recentModels_ = nullptr;
  JobRunner* jobs_ = nullptr;
  JobRunner* modelJobs_ = nullptr;
  InferenceWorker* inference_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QList<JobRunner*> runningJobs_;  // oldest first
  QHash<JobRunner*, QString> runningTitles_;
  QToolButton* cancelButton_ = nullptr;
  QAction* threeDAction_ = nullptr;
};

}  // namespace strata
