#pragma once
// Lives on the GUI (main) thread. Runs core computations on Strata's job pool
// (core/base/thread_pools.h, never Qt's global pool) and hands results back on the owner's thread.
// Each start() gets an id, a generation of the runner's GenerationGuard (core/base/job_tracker.h):
// a newer start() or cancel() makes older results stale, and stale results and failures are dropped
// instead of delivered, also those of work that ignores its cancel token (a model load cannot be
// interrupted).

#include <QCoreApplication>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QtConcurrent/QtConcurrentRun>

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <optional>

#include "core/base/errors.h"
#include "core/base/job.h"
#include "core/base/job_tracker.h"
#include "core/base/thread_pools.h"

namespace strata {

class JobRunner : public QObject {
  Q_OBJECT

 public:
  explicit JobRunner(QObject* parent = nullptr) : QObject(parent) {}
  ~JobRunner() override { cancelToken_.cancel(); }

  using ErrorFn = std::function<void(const QString& message)>;

  // Runs work(JobControl) -> R on a worker. onResult(R) runs on this object's thread, and
  // only if this job is still the newest one. A failure of the newest job is emitted as failed()
  // (for a status bar) and, when given, also handed to this start's onError.
  template <class R>
  quint64 start(const QString& title, std::function<R(const JobControl&)> work,
                std::function<void(R)> onResult, ErrorFn onError = {}) {
    cancelToken_.cancel();
    cancelToken_ = CancelToken();
    const quint64 id = generations_.next();
    runningId_ = id;
    runningTitle_ = title;
    JobControl control;
    control.cancel = cancelToken_;
    QPointer<JobRunner> self(this);
    // Everything the worker hands back is posted to the application object, which outlives
    // every runner, and checks on the GUI thread whether this runner still exists: a runner
    // destroyed while its job runs (a closed window, a finished test) is never touched.
    control.progress = [self, id](double fraction) {
      QMetaObject::invokeMethod(
          QCoreApplication::instance(),
          [self, id, fraction] {
            if (self && self->generations_.isCurrent(id)) Q_EMIT self->progressed(id, fraction);
          },
          Qt::QueuedConnection);
    };
    Q_EMIT started(id, title);
    // The future is not kept: the outcome comes back through the posted call below.
    static_cast<void>(
        QtConcurrent::run(&jobPool(), [work, control, self, id, title, onResult, onError] {
          auto outcome = std::make_shared<Outcome<R>>();
          try {
            outcome->value.emplace(work(control));
          } catch (const Cancelled&) {
            outcome->cancelled = true;
          } catch (const std::exception& e) {
            outcome->error = QString::fromStdString(e.what());
          } catch (...) {
            outcome->error = QStringLiteral("unknown error");
          }
          QMetaObject::invokeMethod(
              QCoreApplication::instance(),
              [self, id, title, onResult, onError, outcome] {
                if (self) self->deliver(id, title, onResult, onError, std::move(*outcome));
              },
              Qt::QueuedConnection);
        }));
    return id;
  }

  // Stops the running job: reports it finished and cancelled at once, and drops its result or
  // failure if the work still delivers one.
  void cancel() {
    cancelToken_.cancel();
    if (runningId_ == 0) return;
    const quint64 id = runningId_;
    runningId_ = 0;
    generations_.next();  // whatever the cancelled work returns is now stale
    Q_EMIT finished(id);
    Q_EMIT cancelledJob(id, runningTitle_);
  }
  bool isRunning() const { return runningId_ != 0; }
  quint64 currentId() const { return generations_.current(); }

 Q_SIGNALS:
  void started(quint64 id, const QString& title);
  void progressed(quint64 id, double fraction);
  void finished(quint64 id);
  void failed(quint64 id, const QString& title, const QString& message);
  void cancelledJob(quint64 id, const QString& title);

 private:
  template <class R>
  struct Outcome {
    std::optional<R> value;
    QString error;
    bool cancelled = false;
  };

  template <class R>
  void deliver(quint64 id, const QString& title, const std::function<void(R)>& onResult,
               const ErrorFn& onError, Outcome<R> outcome) {
    if (!generations_.isCurrent(id)) return;  // superseded or cancelled
    runningId_ = 0;
    Q_EMIT finished(id);
    if (outcome.cancelled) {
      Q_EMIT cancelledJob(id, title);
    } else if (outcome.value) {
      onResult(std::move(*outcome.value));
    } else {
      if (onError) onError(outcome.error);
      Q_EMIT failed(id, title, outcome.error);
    }
  }

  CancelToken cancelToken_;
  GenerationGuard generations_;
  quint64 runningId_ = 0;  // the job whose outcome is awaited, 0 when none
  QString runningTitle_;
};

}  // namespace strata
