#pragma once
// The main window assembles Strata: the workspace (what is open) and its loader, the tabs and
// docks that subscribe to it, the menus with their reactions, and the status bar. It pushes
// nothing into views: each view follows the workspace and makes its own requests.

#include <QJsonObject>
#include <QMainWindow>

#include <vector>

#include "core/data/dataset.h"
#include "core/model/model.h"

class QTabWidget;

namespace strata {

class Autosaver;
class CompareView;
class ExportFigureAction;
class HierarchyView;
class InferenceWorker;
class ItemPanel;
class MapControls;
class MapPage;
class ModelPanel;
class RecentModelsMenu;
class ReconstructionView;
class ScatterView;
class SelectionPanel;
class TraverseView;
class Workspace;
class WorkspaceLoader;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  Workspace* workspace() const { return workspace_; }
  WorkspaceLoader* loader() const { return loader_; }

  // Opens `dataset` (or the remembered one, or Fashion-MNIST test) and `model` (or the
  // remembered one, or the bundled hierarchical VAE).
  void openStartup(const QString& dataset, const QString& model);
  void openDatasetSpec(const QString& spec);
  void openModel(const QString& path);
  // Brings a view to the front by name ("map", "reconstructions"); false if unknown.
  bool showView(const QString& name);
  QString currentViewName() const;
  // The recipe of the figure the current view shows; empty (and `why` set) if none.
  QJsonObject currentRecipe(QString* why) const;
  // A view's recipe with the open dataset and the default style, as figures are exported.
  QJsonObject withDatasetAndStyle(QJsonObject recipe) const;
  void addCompareModel(const QString& path, int position = -1);
  void restoreComparison(const QStringList& paths);
  void restoreSelection(const std::vector<int>& indices);
  void requestPath(int64_t from, int64_t to);
  void requestMap();
  // Starts autosaving (see app/session.h); a normal close then removes the autosave.
  void enableAutosave(int intervalMs);

  // Shortcuts into the workspace and the views, for sessions, tests and benchmarks.
  DatasetPtr dataset() const;
  QString datasetSpec() const;
  ModelPtr model() const;
  QTabWidget* tabs() const { return tabs_; }
  MapPage* mapPage() const { return map_; }
  ScatterView* scatterView() const;
  MapControls* mapControls() const;
  ItemPanel* itemPanel() const { return itemPanel_; }
  SelectionPanel* selectionPanel() const { return selectionPanel_; }
  ModelPanel* modelPanel() const { return modelPanel_; }
  ReconstructionView* reconstructionView() const { return reconstructions_; }
  TraverseView* traverseView() const { return traverse_; }
  HierarchyView* hierarchyView() const { return hierarchy_; }
  CompareView* compareView() const { return compare_; }
  ExportFigureAction* exportFigureAction() const { return exportFigure_; }

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
  void buildViews();
  void buildDocks();
  void buildMenus();
  void connectViews();
  void connectStatus();
  void forwardSignals();

  Workspace* workspace_;
  WorkspaceLoader* loader_;
  InferenceWorker* inference_;
  QTabWidget* tabs_ = nullptr;
  MapPage* map_ = nullptr;
  ReconstructionView* reconstructions_ = nullptr;
  TraverseView* traverse_ = nullptr;
  HierarchyView* hierarchy_ = nullptr;
  CompareView* compare_ = nullptr;
  ItemPanel* itemPanel_ = nullptr;
  SelectionPanel* selectionPanel_ = nullptr;
  ModelPanel* modelPanel_ = nullptr;
  RecentModelsMenu* recentModels_ = nullptr;
  ExportFigureAction* exportFigure_ = nullptr;
  class JobStatus* jobStatus_ = nullptr;
  Autosaver* autosaver_ = nullptr;
};

}  // namespace strata
