#pragma once
// What the user is told about the workspace: a status-bar line for each new dataset, model and
// set of latent statistics, a message or dialog for each failure (a rejected model file lists
// every problem found), and the last dataset and model remembered for the next start.

#include <QObject>
#include <QString>

class QMainWindow;

namespace strata {

class JobStatus;
class RecentModelsMenu;
class Workspace;
class WorkspaceLoader;

class WorkspaceFeedback : public QObject {
  Q_OBJECT

 public:
  WorkspaceFeedback(QMainWindow* window, Workspace* workspace, WorkspaceLoader* loader,
                    RecentModelsMenu* recentModels, const JobStatus* jobs);

 Q_SIGNALS:
  void datasetFailed(const QString& title, const QString& message);
  void modelRejected(const QString& report);

 private:
  void say(const QString& text, int timeoutMs = 0);
  void connectFailures(WorkspaceLoader* loader);
  void describeStats();

  QMainWindow* window_;
  Workspace* workspace_;
  RecentModelsMenu* recentModels_;
  const JobStatus* jobs_;
};

}  // namespace strata
