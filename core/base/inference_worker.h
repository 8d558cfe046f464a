#pragma once
// One background thread that runs model work in submission order. Each request belongs to a
// channel (core/base/request_channel.h); a newer request on a channel makes the older ones stale
// (core/base/job_tracker.h): a stale request still waiting is dropped unrun, and a stale result or
// failure is dropped instead of delivered. Results and failures arrive on the thread that owns the
// worker, each to the callbacks of its own request.

#include <QObject>
#include <QPointer>
#include <QString>

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "core/base/job_tracker.h"
#include "core/base/request_channel.h"

namespace strata {

class InferenceWorker : public QObject {
  Q_OBJECT

 public:
  using ErrorFn = std::function<void(const QString& message)>;

  explicit InferenceWorker(QObject* parent = nullptr);
  ~InferenceWorker() override;

  // Runs work() on the worker thread. If this request is still the newest of its channel when it
  // ends, onResult(R) or onError(message) runs on this object's thread. Without onError a failure
  // is logged with the channel's name.
  template <class R>
  quint64 submit(RequestChannel channel, std::function<R()> work, std::function<void(R)> onResult,
                 ErrorFn onError = {}) {
    QPointer<InferenceWorker> self(this);
    const quint64 id = nextId(channel);
    enqueue(channel, id,
            [self, channel, id, work = std::move(work), onResult = std::move(onResult),
             onError = std::move(onError)] {
              std::shared_ptr<R> value;
              QString error;
              try {
                value = std::make_shared<R>(work());
              } catch (const std::exception& e) {
                error = QString::fromUtf8(e.what());
              } catch (...) {
                error = QStringLiteral("unknown error");
              }
              if (!self) return;
              QMetaObject::invokeMethod(
                  self.data(),
                  [self, channel, id, value, error, onResult, onError] {
                    if (!self || !self->isCurrent(channel, id)) return;
                    if (value)
                      onResult(std::move(*value));
                    else
                      self->reportFailure(channel, error, onError);
                  },
                  Qt::QueuedConnection);
            });
    return id;
  }

  // Whether `id` is still the newest request of `channel`.
  bool isCurrent(RequestChannel channel, quint64 id) const;
  // Requests dropped unrun because a newer one replaced them (for tests and diagnostics).
  quint64 droppedCount() const;

 private:
  struct Task {
    RequestChannel channel{};
    quint64 id = 0;
    std::function<void()> run;
  };
  quint64 nextId(RequestChannel channel);
  void enqueue(RequestChannel channel, quint64 id, std::function<void()> run);
  void reportFailure(RequestChannel channel, const QString& message, const ErrorFn& onError);
  void loop();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> queue_;
  std::map<RequestChannel, GenerationGuard> generations_;
  quint64 dropped_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace strata
