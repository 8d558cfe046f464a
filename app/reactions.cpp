#include "app/reactions.h"

#include <QAction>
#include <QCursor>
#include <QDir>
#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>
#include <QSignalBlocker>
#include <QStatusBar>

#include "app/main_window.h"
#include "app/session.h"
#include "core/analysis/comparison.h"
#include "core/analysis/model_metrics.h"
#include "core/base/errors.h"
#include "core/base/resources.h"
#include "core/data/selection_export.h"
#include "core/workspace/workspace.h"
#include "core/workspace/workspace_loader.h"
#include "widgets/compare_view.h"
#include "widgets/map_page.h"

namespace strata {

SaveSessionReaction::SaveSessionReaction(QAction* action, MainWindow* window)
    : Reaction(action), window_(window) {
  followWorkspace(window->workspace());
}

bool SaveSessionReaction::saveSession(MainWindow& window, const QString& path, QString* error) {
  try {
    Session session = captureSession(window);
    session.clean = true;
    writeSession(path, session);
    return true;
  } catch (const Error& e) {
    *error = QString::fromStdString(e.what());
    return false;
  }
}

void SaveSessionReaction::onTriggered() {
  const QString path = QFileDialog::getSaveFileName(window_, tr("Save session"),
                                                    QStringLiteral("session.strata.json"),
                                                    tr("Strata sessions (*.json)"));
  if (path.isEmpty()) return;
  QString error;
  if (saveSession(*window_, path, &error))
    window_->statusBar()->showMessage(tr("Saved the session to %1").arg(path), 6000);
  else
    QMessageBox::warning(window_, tr("Save session"), error);
}

void SaveSessionReaction::updateEnableState() {
  action()->setEnabled(window_->workspace()->dataset() != nullptr);
}

OpenSessionReaction::OpenSessionReaction(QAction* action, MainWindow* window)
    : Reaction(action), window_(window) {}

void OpenSessionReaction::onTriggered() {
  const QString path = QFileDialog::getOpenFileName(window_, tr("Open session"), QString(),
                                                    tr("Strata sessions (*.json)"));
  if (path.isEmpty()) return;
  QStringList problems;
  const bool opened = openSession(*window_, path, &problems);
  if (!opened)
    QMessageBox::warning(window_, tr("Open session"), problems.value(0));
  else if (!problems.isEmpty())
    QMessageBox::warning(window_, tr("Open session"),
                         tr("Restored what could be restored:\n%1").arg(problems.join('\n')));
}

ExportFigureReaction::ExportFigureReaction(QAction* action, Workspace* workspace,
                                           std::function<QJsonObject(QString* why)> recipe)
    : Reaction(action), recipe_(std::move(recipe)) {
  followWorkspace(workspace);
}

void ExportFigureReaction::updateEnableState() {
  QString why;
  const bool available = !recipe_(&why).isEmpty();
  action()->setEnabled(available);
  action()->setStatusTip(available ? QString() : why);
}

ThreeDReaction::ThreeDReaction(QAction* action, Workspace* workspace, MapPage* map)
    : Reaction(action), workspace_(workspace), map_(map) {
  action->setCheckable(true);
  connect(action, &QAction::toggled, map, &MapPage::setThreeD);
  followWorkspace(workspace);
}

void ThreeDReaction::updateEnableState() {
  const bool available = workspace_->map().dims == 3;
  action()->setEnabled(available);
  if (!available && action()->isChecked()) {
    // The map page has left 3-D already; only the check mark follows.
    const QSignalBlocker block(action());
    action()->setChecked(false);
  }
}

AddCompareModelReaction::AddCompareModelReaction(QAction* action, Workspace* workspace,
                                                 WorkspaceLoader* loader, QWidget* dialogParent)
    : Reaction(action), workspace_(workspace), loader_(loader), dialogParent_(dialogParent) {
  followWorkspace(workspace);
}

void AddCompareModelReaction::onTriggered() {
  QMenu menu(dialogParent_);
  const QDir bundled(resourceDirectory() + QStringLiteral("/models"));
  for (const QFileInfo& file : bundled.entryInfoList({QStringLiteral("*.pt")}, QDir::Files))
    menu.addAction(tr("Bundled: %1").arg(file.completeBaseName()), this,
                   [this, path = file.absoluteFilePath()] { loader_->addComparedModel(path); });
  menu.addSeparator();
  menu.addAction(tr("Model file…"), this, [this] {
    const QString path =
        QFileDialog::getOpenFileName(dialogParent_, tr("Add a model to the comparison"), QString(),
                                     tr("TorchScript models (*.pt)"));
    if (!path.isEmpty()) loader_->addComparedModel(path);
  });
  menu.exec(QCursor::pos());
}

void AddCompareModelReaction::updateEnableState() {
  action()->setEnabled(int(workspace_->comparedModels().size()) < kMaxComparedModels);
}

ExportCompareMetricsReaction::ExportCompareMetricsReaction(QAction* action, CompareView* compare)
    : Reaction(action), compare_(compare) {
  connect(compare, &CompareView::metricsShown, this, [this] { updateEnableState(); });
  updateEnableState();
}

void ExportCompareMetricsReaction::onTriggered() {
  if (compare_->metrics().empty()) return;
  const QString path =
      QFileDialog::getSaveFileName(compare_, tr("Export the metrics table"),
                                   QStringLiteral("metrics.csv"), tr("CSV (*.csv);;JSON (*.json)"));
  if (path.isEmpty()) return;
  try {
    writeMetricsTable(path, compare_->metrics());
  } catch (const Error& e) {
    QMessageBox::warning(compare_, tr("Export failed"), QString::fromStdString(e.what()));
  }
}

void ExportCompareMetricsReaction::updateEnableState() {
  action()->setEnabled(!compare_->metrics().empty());
}

ExportSelectionReaction::ExportSelectionReaction(QAction* action, Workspace* workspace,
                                                 QWidget* dialogParent)
    : Reaction(action), workspace_(workspace), dialogParent_(dialogParent) {
  followWorkspace(workspace);
}

void ExportSelectionReaction::onTriggered() {
  if (workspace_->selection().empty()) return;
  const QString path =
      QFileDialog::getSaveFileName(dialogParent_, tr("Export the selected items"),
                                   QStringLiteral("selection.csv"), tr("CSV (*.csv)"));
  if (path.isEmpty()) return;
  try {
    writeSelectionCsv(path, workspace_->selection(), workspace_->dataset().get());
  } catch (const Error& e) {
    QMessageBox::warning(dialogParent_, tr("Export failed"), QString::fromStdString(e.what()));
  }
}

void ExportSelectionReaction::updateEnableState() {
  action()->setEnabled(!workspace_->selection().empty());
}

}  // namespace strata
