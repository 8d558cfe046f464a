#include "app/workspace_feedback.h"

#include <QFileInfo>
#include <QMainWindow>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>

#include "app/open_model_action.h"
#include "core/workspace/workspace.h"
#include "core/workspace/workspace_loader.h"
#include "widgets/job_status.h"

namespace strata {
namespace {

void showContractProblems(QWidget* parent, const QString& title, const QString& text,
                          const QString& report) {
  QMessageBox box(QMessageBox::Warning, title, text, QMessageBox::Ok, parent);
  box.setDetailedText(report);
  box.exec();
}

}  // namespace

WorkspaceFeedback::WorkspaceFeedback(QMainWindow* window, Workspace* workspace,
                                     WorkspaceLoader* loader, RecentModelsMenu* recentModels,
                                     const JobStatus* jobs)
    : QObject(window),
      window_(window),
      workspace_(workspace),
      recentModels_(recentModels),
      jobs_(jobs) {
  connectFailures(loader);
  connect(workspace, &Workspace::datasetChanged, this, [this] {
    QSettings().setValue("data/last", workspace_->datasetSpec());
    window_->setWindowTitle(tr("Strata — %1").arg(workspace_->dataset()->name()));
  });
  connect(workspace, &Workspace::modelChanged, this, [this] {
    const ModelInfo& info = workspace_->model()->info();
    recentModels_->remember(info.path);
    QSettings().setValue("models/last", QFileInfo(info.path).absoluteFilePath());
    if (jobs_->isIdle()) say(tr("Opened model %1").arg(info.name), 5000);
  });
  connect(workspace, &Workspace::statsChanged, this, &WorkspaceFeedback::describeStats);
}

void WorkspaceFeedback::say(const QString& text, int timeoutMs) {
  window_->statusBar()->showMessage(text, timeoutMs);
}

void WorkspaceFeedback::connectFailures(WorkspaceLoader* loader) {
  connect(
      loader, &WorkspaceLoader::statsFailed, this,
      [this](const QString& title, const QString& m) { say(tr("%1 failed: %2").arg(title, m)); });
  connect(loader, &WorkspaceLoader::datasetFailed, this,
          [this](const QString& title, const QString& message) {
            say(tr("%1 failed").arg(title));
            Q_EMIT datasetFailed(title, message);
            QMessageBox::warning(window_, title, message);
          });
  connect(loader, &WorkspaceLoader::modelRejected, this,
          [this](const QString& title, const QString& report) {
            say(tr("The model was not opened"), 8000);
            Q_EMIT modelRejected(report);
            showContractProblems(window_, title,
                                 tr("This file does not follow the Strata model contract. "
                                    "Nothing was changed.\n\nSee Details for every problem found."),
                                 report);
          });
  connect(loader, &WorkspaceLoader::comparedModelRejected, this,
          [this](const QString& title, const QString& report) {
            showContractProblems(window_, title,
                                 tr("This file cannot be compared: it does not follow the Strata "
                                    "model contract."),
                                 report);
          });
  connect(loader, &WorkspaceLoader::comparedModelLoaded, this, [this](const QString& why) {
    if (!why.isEmpty()) say(why, 6000);
  });
}

void WorkspaceFeedback::describeStats() {
  if (!workspace_->stats()) return;
  int active = 0, collapsed = 0, units = 0;
  for (const LayerStats& l : workspace_->stats()->layers)
    active += l.activeUnits, collapsed += l.collapsedUnits, units += int(l.units.size());
  say(tr("Latent statistics over %1: %2 units, %3 active (variance of the posterior mean > %5), "
         "%4 collapsed (KL < %6 nats)")
          .arg(workspace_->statsSource())
          .arg(units)
          .arg(active)
          .arg(collapsed)
          .arg(LatentStats::kActiveThreshold)
          .arg(LatentStats::kCollapsedUnitKl),
      15000);
}

}  // namespace strata
