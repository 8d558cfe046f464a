#include "widgets/view_subscriptions.h"

#include "core/workspace/workspace.h"
#include "widgets/compare_view.h"
#include "widgets/hierarchy_view.h"
#include "widgets/traverse_view.h"

namespace strata {

void subscribe(TraverseView* view, Workspace* workspace) {
  QObject::connect(workspace, &Workspace::datasetChanged, view,
                   [view, workspace] { view->setDataset(workspace->dataset()); });
  QObject::connect(workspace, &Workspace::modelChanged, view,
                   [view, workspace] { view->setModel(workspace->model()); });
  QObject::connect(workspace, &Workspace::statsChanged, view, [view, workspace] {
    if (workspace->stats()) view->setStats(workspace->stats());
  });
}

void subscribe(HierarchyView* view, Workspace* workspace) {
  QObject::connect(workspace, &Workspace::datasetChanged, view,
                   [view, workspace] { view->setDataset(workspace->dataset()); });
  QObject::connect(workspace, &Workspace::modelChanged, view,
                   [view, workspace] { view->setModel(workspace->model()); });
  QObject::connect(workspace, &Workspace::statsChanged, view, [view, workspace] {
    if (workspace->stats()) view->setStats(workspace->stats(), workspace->statsSource());
  });
}

void subscribe(CompareView* view, Workspace* workspace) {
  QObject::connect(workspace, &Workspace::datasetChanged, view,
                   [view, workspace] { view->setDataset(workspace->dataset()); });
  QObject::connect(
      workspace, &Workspace::comparedModelAdded, view,
      [view](const ModelPtr& model, int position) { view->addModel(model, position); });
  QObject::connect(workspace, &Workspace::comparedModelRemoved, view, [view](int column) {
    if (column < view->modelCount()) view->removeModel(column);
  });
  QObject::connect(workspace, &Workspace::comparedModelsCleared, view, &CompareView::clearModels);
  QObject::connect(view, &CompareView::removeRequested, workspace,
                   [workspace](int column) { workspace->removeComparedModel(column); });
}

}  // namespace strata
