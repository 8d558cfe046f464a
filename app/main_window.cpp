#include "app/main_window.h"

#include <QCloseEvent>
#include <QDockWidget>
#include <QFileInfo>
#include <QMimeData>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>

#include "app/export_figure_action.h"
#include "app/session.h"
#include "app/view_names.h"
#include "app/window_menus.h"
#include "app/workspace_feedback.h"
#include "core/base/inference_worker.h"
#include "core/base/job_runner.h"
#include "core/base/resources.h"
#include "core/data/dataset_source.h"
#include "core/workspace/workspace.h"
#include "core/workspace/workspace_loader.h"
#include "widgets/class_page.h"
#include "widgets/compare_view.h"
#include "widgets/hierarchy_view.h"
#include "widgets/item_panel.h"
#include "widgets/job_status.h"
#include "widgets/map_page.h"
#include "widgets/model_panel.h"
#include "widgets/reconstruction_view.h"
#include "widgets/scatter_view.h"
#include "widgets/selection_panel.h"
#include "widgets/traverse_view.h"
#include "widgets/unit_inspector.h"
#include "widgets/view_subscriptions.h"

namespace strata {
namespace {

QDockWidget* addDock(QMainWindow* window, const QString& title, const QString& name,
                     QWidget* content, int minimumWidth = 0) {
  auto* dock = new QDockWidget(title, window);
  dock->setObjectName(name);
  dock->setWidget(content);
  if (minimumWidth > 0) dock->setMinimumWidth(minimumWidth);
  window->addDockWidget(Qt::RightDockWidgetArea, dock);
  return dock;
}

}  // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      workspace_(new Workspace(this)),
      loader_(new WorkspaceLoader(workspace_, this)),
      inference_(new InferenceWorker(this)) {
  setWindowTitle(QStringLiteral("Strata"));
  setAcceptDrops(true);
  buildViews();
  buildDocks();
  connectViews();
  jobStatus_ = new JobStatus(statusBar());
  buildMenus();
  connectStatus();
  forwardSignals();
  QSettings settings;
  if (!restoreGeometry(settings.value("window/geometry").toByteArray())) resize(1400, 860);
  restoreState(settings.value("window/state").toByteArray());
  tabs_->setCurrentIndex(settings.value("window/tab", 0).toInt());
}

MainWindow::~MainWindow() = default;

void MainWindow::buildViews() {
  // The order of the tabs is the order of viewNames() (app/view_names.h).
  tabs_ = new QTabWidget(this);
  map_ = new MapPage(workspace_, loader_, inference_, tabs_);
  reconstructions_ = new ReconstructionView(tabs_);
  reconstructions_->attach(workspace_, inference_);
  traverse_ = new TraverseView(inference_, tabs_);
  subscribe(traverse_, workspace_);
  hierarchy_ = new HierarchyView(inference_, tabs_);
  subscribe(hierarchy_, workspace_);
  compare_ = new CompareView(tabs_);
  subscribe(compare_, workspace_);
  tabs_->addTab(map_, tr("Map"));
  tabs_->addTab(reconstructions_, tr("Reconstructions && Samples"));
  tabs_->addTab(traverse_, tr("Traverse"));
  tabs_->addTab(hierarchy_, tr("Hierarchy"));
  tabs_->addTab(compare_, tr("Compare"));
  setCentralWidget(tabs_);
}

void MainWindow::buildDocks() {
  itemPanel_ = new ItemPanel(this);
  itemPanel_->attach(workspace_, inference_);
  modelPanel_ = new ModelPanel(this);
  modelPanel_->attach(workspace_);
  selectionPanel_ = new SelectionPanel(this);
  selectionPanel_->attach(workspace_);
  QDockWidget* item = addDock(this, tr("Item"), QStringLiteral("itemDock"), itemPanel_, 240);
  QDockWidget* model = addDock(this, tr("Model"), QStringLiteral("modelDock"), modelPanel_, 280);
  QDockWidget* selection =
      addDock(this, tr("Selection"), QStringLiteral("selectionDock"), selectionPanel_);
  tabifyDockWidget(item, model);
  tabifyDockWidget(model, selection);
  item->raise();
  connect(workspace_, &Workspace::selectionChanged, selection, [this, selection] {
    if (!workspace_->selection().empty()) selection->raise();
  });
  // A thumbnail clicked in the unit inspector is pinned in the item panel, which offers to
  // traverse from it.
  auto pin = [this, item](int64_t index) {
    workspace_->pinItem(index);
    item->raise();
  };
  connect(compare_->unitInspector(), &UnitInspector::itemChosen, item, pin);
  // So is a row of the analogy grid.
  connect(compare_->classPage(), &ClassPage::itemChosen, item, pin);
}

// Views that lead the user to another view: the window only brings that view to the front.
void MainWindow::connectViews() {
  connect(hierarchy_, &HierarchyView::unitActivated, this, [this](int layer, int unit) {
    showView(QStringLiteral("traverse"));
    traverse_->focusUnit(layer, unit);
  });
  // Every place that names a unit opens the one unit inspector, on the open model.
  auto inspect = [this](int layer, int unit) {
    compare_->inspectModelUnit(workspace_->model(), layer, unit);
  };
  connect(hierarchy_, &HierarchyView::unitInspectRequested, this, inspect);
  // A unit of a model that is no longer open is not shown (nor its codes kept).
  connect(workspace_, &Workspace::modelChanged, compare_->unitInspector(), &UnitInspector::clear);
  connect(traverse_, &TraverseView::unitInspectRequested, this, inspect);
  connect(itemPanel_, &ItemPanel::traverseRequested, this, [this](int64_t index) {
    showView(QStringLiteral("traverse"));
    traverse_->startFromItem(index);
  });
}

void MainWindow::buildMenus() {
  const WindowActions actions = buildWindowMenus(*this);
  exportFigure_ = actions.exportFigure;
  recentModels_ = actions.recentModels;
}

void MainWindow::connectStatus() {
  for (JobRunner* runner : loader_->jobRunners()) jobStatus_->track(runner);
  for (JobRunner* runner : compare_->jobRunners()) jobStatus_->track(runner);
  jobStatus_->track(exportFigure_->jobs());
  connect(loader_, &WorkspaceLoader::jobRunnerAdded, jobStatus_, &JobStatus::track);
  auto* feedback = new WorkspaceFeedback(this, workspace_, loader_, recentModels_, jobStatus_);
  connect(feedback, &WorkspaceFeedback::datasetFailed, this, &MainWindow::jobFailed);
  connect(feedback, &WorkspaceFeedback::modelRejected, this, &MainWindow::modelRejected);
  auto say = [this](const QString& text, int timeoutMs) {
    statusBar()->showMessage(text, timeoutMs);
  };
  connect(map_, &MapPage::statusMessage, this, say);
  connect(itemPanel_, &ItemPanel::statusMessage, this, say);
  connect(traverse_, &TraverseView::statusMessage, this,
          [say](const QString& text) { say(text, 8000); });
  connect(exportFigure_, &ExportFigureAction::message, this,
          [say](const QString& text) { say(text, 8000); });
  connect(compare_, &CompareView::failed, this, [say](const QString& title, const QString& m) {
    say(tr("%1 failed: %2").arg(title, m), 0);
  });
}

// Signals that tests, sessions and benchmarks wait for.
void MainWindow::forwardSignals() {
  connect(workspace_, &Workspace::mapChanged, this, &MainWindow::projectionShown);
  connect(workspace_, &Workspace::modelChanged, this, &MainWindow::modelShown);
  connect(workspace_, &Workspace::statsChanged, this, &MainWindow::statsShown);
  connect(loader_, &WorkspaceLoader::comparedModelLoaded, this, &MainWindow::compareModelAdded);
  connect(reconstructions_, &ReconstructionView::reconstructionsShown, this,
          &MainWindow::reconstructionsShown);
  connect(reconstructions_, &ReconstructionView::samplesShown, this, &MainWindow::samplesShown);
  connect(map_, &MapPage::neighboursShown, this, &MainWindow::neighboursShown);
  connect(map_, &MapPage::pathShown, this, &MainWindow::pathShown);
}

void MainWindow::openStartup(const QString& dataset, const QString& model) {
  QSettings settings;
  const QString spec =
      dataset.isEmpty() ? settings.value("data/last", defaultDatasetSpec()).toString() : dataset;
  QString modelPath = model.isEmpty() ? settings.value("models/last").toString() : model;
  if (modelPath.isEmpty() || !QFileInfo(modelPath).isFile())
    modelPath = bundledModelPath("fashion_lvae.pt");
  loader_->openDataset(spec);
  if (QFileInfo(modelPath).isFile()) loader_->openModel(modelPath);
}

void MainWindow::openDatasetSpec(const QString& spec) {
  loader_->openDataset(spec);
}
void MainWindow::openModel(const QString& path) {
  loader_->openModel(path);
}
void MainWindow::addCompareModel(const QString& path, int position) {
  loader_->addComparedModel(path, position);
}
void MainWindow::restoreComparison(const QStringList& paths) {
  loader_->restoreComparison(paths);
}
void MainWindow::restoreSelection(const std::vector<int>& indices) {
  workspace_->setSelection(indices);
}
void MainWindow::requestPath(int64_t from, int64_t to) {
  map_->showPath(from, to);
}
void MainWindow::requestMap() {
  map_->project();
}
DatasetPtr MainWindow::dataset() const {
  return workspace_->dataset();
}
QString MainWindow::datasetSpec() const {
  return workspace_->datasetSpec();
}
ModelPtr MainWindow::model() const {
  return workspace_->model();
}
ScatterView* MainWindow::scatterView() const {
  return map_->scatter();
}
MapControls* MainWindow::mapControls() const {
  return map_->controls();
}

bool MainWindow::showView(const QString& name) {
  const auto view = viewFromName(name);
  if (!view) return false;
  tabs_->setCurrentIndex(viewTab(*view));
  return true;
}

QString MainWindow::currentViewName() const {
  return viewName(viewOfTab(tabs_->currentIndex()).value_or(View::Map));
}

QJsonObject MainWindow::currentRecipe(QString* why) const {
  QJsonObject recipe;
  switch (viewOfTab(tabs_->currentIndex()).value_or(View::Map)) {
    case View::Map:
      recipe = map_->figureRecipe(why);
      break;
    case View::Reconstructions:
      recipe = reconstructions_->figureRecipe();
      break;
    case View::Traverse:
      recipe = traverse_->figureRecipe();
      break;
    case View::Hierarchy:
      recipe = hierarchy_->figureRecipe();
      break;
    case View::Compare:
      recipe = compare_->figureRecipe();
      break;
  }
  if (recipe.isEmpty()) {
    if (why->isEmpty()) *why = tr("Nothing to export in this view yet");
    return {};
  }
  return withDatasetAndStyle(recipe);
}

QJsonObject MainWindow::withDatasetAndStyle(QJsonObject recipe) const {
  recipe["dataset"] = workspace_->datasetSpec();
  recipe["style"] = QJsonObject{{"font", "DejaVu Sans"}, {"font_size", 9}, {"dpi", 300}};
  return recipe;
}

void MainWindow::enableAutosave(int intervalMs) {
  if (!autosaver_) autosaver_ = new Autosaver(this, intervalMs);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile() && url.toLocalFile().endsWith(".pt"))
      return event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile() && url.toLocalFile().endsWith(".pt")) {
      loader_->openModel(url.toLocalFile());
      event->acceptProposedAction();
      return;
    }
}

void MainWindow::closeEvent(QCloseEvent* event) {
  loader_->cancelAll();
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/state", saveState());
  settings.setValue("window/tab", tabs_->currentIndex());
  if (autosaver_) autosaver_->finish();
  event->accept();
}

}  // namespace strata
