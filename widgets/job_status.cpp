#include "widgets/job_status.h"

#include <QProgressBar>
#include <QStatusBar>
#include <QToolButton>

#include "core/base/job_runner.h"

namespace strata {

JobStatus::JobStatus(QStatusBar* bar)
    : QObject(bar), bar_(bar), progress_(new QProgressBar(bar)), cancel_(new QToolButton(bar)) {
  progress_->setRange(0, 1000);
  progress_->setMaximumWidth(220);
  progress_->setTextVisible(false);
  progress_->hide();
  cancel_->setText(tr("Cancel"));
  cancel_->hide();
  bar_->addPermanentWidget(progress_);
  bar_->addPermanentWidget(cancel_);
}

void JobStatus::track(JobRunner* runner) {
  connect(cancel_, &QToolButton::clicked, runner, &JobRunner::cancel);
  connect(runner, &JobRunner::started, this, [this, runner](quint64, const QString& title) {
    running_.removeAll(runner);
    running_.append(runner);
    titles_[runner] = title;
    bar_->showMessage(title + QStringLiteral("…"));
    progress_->setValue(0);
    progress_->show();
    cancel_->show();
  });
  connect(runner, &JobRunner::progressed, this, [this, runner](quint64, double f) {
    if (!running_.isEmpty() && running_.last() == runner) progress_->setValue(int(f * 1000));
  });
  connect(runner, &JobRunner::finished, this, [this, runner](quint64) {
    running_.removeAll(runner);
    if (running_.isEmpty()) {
      progress_->hide();
      cancel_->hide();
      bar_->clearMessage();  // results set their own messages after this
    } else {
      bar_->showMessage(titles_.value(running_.last()) + QStringLiteral("…"));
    }
  });
  connect(runner, &JobRunner::cancelledJob, this, [this](quint64, const QString& title) {
    bar_->showMessage(tr("%1: cancelled").arg(title), 5000);
  });
  // A runner deleted after its job (a compare load) leaves nothing behind.
  connect(runner, &QObject::destroyed, this, [this, runner] {
    running_.removeAll(runner);
    titles_.remove(runner);
  });
}

}  // namespace strata
