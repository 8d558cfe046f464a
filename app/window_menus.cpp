#include "app/window_menus.h"

#include <QAction>
#include <QCoreApplication>
#include <QKeySequence>
#include <QMenuBar>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>

#include "app/export_figure_action.h"
#include "app/main_window.h"
#include "app/open_dataset_action.h"
#include "app/open_model_action.h"
#include "app/reactions.h"
#include "core/workspace/workspace_loader.h"
#include "widgets/class_page.h"
#include "widgets/code_correlation_page.h"
#include "widgets/compare_view.h"
#include "widgets/hierarchy_view.h"
#include "widgets/scatter_view.h"
#include "widgets/selection_panel.h"
#include "widgets/traverse_view.h"
#include "widgets/unit_inspector.h"
#include "widgets/unit_table.h"

namespace strata {
namespace {

QString tr(const char* text) {
  return QCoreApplication::translate("WindowMenus", text);
}

struct FileMenu {
  WindowActions kept;
  QAction* openDataset = nullptr;
  QAction* openModel = nullptr;
};

FileMenu buildFileMenu(MainWindow& window) {
  WorkspaceLoader* loader = window.loader();
  QMenu* file = window.menuBar()->addMenu(tr("&File"));
  auto* openDataset = new OpenDatasetAction(&window);
  QObject::connect(openDataset, &OpenDatasetAction::datasetChosen, loader,
                   &WorkspaceLoader::openDataset);
  auto* openModel = new OpenModelAction(&window);
  QObject::connect(openModel, &OpenModelAction::modelChosen, loader, &WorkspaceLoader::openModel);
  auto* recentModels = new RecentModelsMenu(&window);
  QObject::connect(recentModels, &RecentModelsMenu::modelChosen, loader,
                   &WorkspaceLoader::openModel);
  const auto recipe = [&window](QString* why) { return window.currentRecipe(why); };
  auto* exportFigure = new ExportFigureAction(&window, recipe);
  auto* exportEnable = new ExportFigureReaction(exportFigure, window.workspace(), recipe);
  QObject::connect(window.tabs(), &QTabWidget::currentChanged, exportEnable,
                   &ExportFigureReaction::refresh);
  file->addAction(openDataset);
  file->addAction(openModel);
  file->addMenu(recentModels);
  file->addSeparator();
  file->addAction(exportFigure);
  QAction* exportSelection = file->addAction(tr("Export &Selection…"));
  exportSelection->setStatusTip(tr("Save the indices and labels of the selected items as CSV"));
  new ExportSelectionReaction(exportSelection, window.workspace(), &window);
  QObject::connect(window.selectionPanel(), &SelectionPanel::exportRequested, exportSelection,
                   &QAction::trigger);
  file->addSeparator();
  QAction* save = file->addAction(tr("&Save Session…"));
  save->setShortcut(QKeySequence::Save);
  new SaveSessionReaction(save, &window);
  new OpenSessionReaction(file->addAction(tr("Open S&ession…")), &window);
  file->addSeparator();
  file->addAction(tr("&Quit"), &window, &QWidget::close)->setShortcut(QKeySequence::Quit);
  return {{exportFigure, recentModels}, openDataset, openModel};
}

void buildCompareMenu(MainWindow& window) {
  QMenu* compare = window.menuBar()->addMenu(tr("&Compare"));
  QAction* addModel = compare->addAction(tr("&Add Model…"));
  new AddCompareModelReaction(addModel, window.workspace(), window.loader(), &window);
  QObject::connect(window.compareView(), &CompareView::addModelRequested, addModel,
                   &QAction::trigger);
  QAction* exportMetrics = compare->addAction(tr("&Export Metrics…"));
  new ExportCompareMetricsReaction(exportMetrics, window.compareView());
  QObject::connect(window.compareView(), &CompareView::exportRequested, exportMetrics,
                   &QAction::trigger);
}

// The views' own export buttons take the same path as File > Export Figure.
void connectViewExports(MainWindow& window, ExportFigureAction* exportFigure) {
  auto exportFromView = [&window, exportFigure](const QJsonObject& recipe, const QString& suffix) {
    if (recipe.isEmpty())
      window.statusBar()->showMessage(
          tr("Nothing to export: figures name single units (whole channels not yet)"), 8000);
    else
      exportFigure->exportAsking(window.withDatasetAndStyle(recipe), suffix);
  };
  QObject::connect(window.traverseView(), &TraverseView::figureExportRequested, &window,
                   exportFromView);
  QObject::connect(window.hierarchyView(), &HierarchyView::figureExportRequested, &window,
                   exportFromView);
  QObject::connect(window.compareView()->unitInspector(), &UnitInspector::figureExportRequested,
                   &window, exportFromView);
  QObject::connect(window.compareView()->correlationPage(),
                   &CodeCorrelationPage::figureExportRequested, &window, exportFromView);
  QObject::connect(window.compareView()->unitTable(), &UnitTable::figureExportRequested, &window,
                   exportFromView);
  QObject::connect(window.compareView()->classPage(), &ClassPage::figureExportRequested, &window,
                   exportFromView);
}

}  // namespace

WindowActions buildWindowMenus(MainWindow& window) {
  const FileMenu file = buildFileMenu(window);

  QMenu* view = window.menuBar()->addMenu(tr("&View"));
  QAction* threeD = view->addAction(tr("&3-D"));
  threeD->setShortcut(Qt::Key_3);
  threeD->setToolTip(tr("Show three principal components and allow rotation"));
  new ThreeDReaction(threeD, window.workspace(), window.mapPage());
  QAction* reset =
      view->addAction(tr("&Reset Camera"), window.scatterView(), &ScatterView::resetCamera);
  reset->setShortcut(Qt::Key_R);

  buildCompareMenu(window);
  connectViewExports(window, file.kept.exportFigure);

  QToolBar* tools = window.addToolBar(tr("Main"));
  tools->setObjectName(QStringLiteral("mainToolBar"));
  tools->addAction(file.openDataset);
  tools->addAction(file.openModel);
  tools->addSeparator();
  tools->addAction(threeD);
  tools->addAction(reset);
  return file.kept;
}

}  // namespace strata
