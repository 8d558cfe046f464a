#pragma once
// The status bar's part in the job mechanism: a progress bar and a Cancel button that follow the
// newest running job of every runner it tracks, and disappear only when none is left.

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>

class QProgressBar;
class QStatusBar;
class QToolButton;

namespace strata {

class JobRunner;

class JobStatus : public QObject {
  Q_OBJECT

 public:
  explicit JobStatus(QStatusBar* bar);
  void track(JobRunner* runner);
  bool isIdle() const { return running_.isEmpty(); }

 private:
  QStatusBar* bar_;
  QProgressBar* progress_;
  QToolButton* cancel_;
  QList<JobRunner*> running_;  // oldest first
  QHash<JobRunner*, QString> titles_;
};

}  // namespace strata
