#pragma once
// One background thread that runs model work in submission order. Each request belongs to a
// channel (e.g. "traverse-slider"); a request still waiting when a newer one arrives on its
// channel is dropped unrun, and a finished result is delivered only if no newer request was
// submitted on its channel since. Results arrive on the thread that owns the worker.

#include <QObject>
#include <QPointer>
#include <QString>

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace strata {

class InferenceWorker : public QObject {
  Q_OBJECT

 public:
  explicit InferenceWorker(QObject* parent = nullptr);
  ~InferenceWorker() override;

  template <class R>
  quint64 submit(const QString& channel, std::function<R()> work, std::function<void(R)> onResult) {
    QPointer<InferenceWorker> self(this);
    const quint64 id = nextId(channel);
    enqueue(channel, id, [self, channel, id, work, onResult] {
      std::shared_ptr<R> value;
      QString error;
      try {
        value = std::make_shared<R>(work());
      } catch (const std::exception& e) {
        error = QString::fromUtf8(e.what());
      }
      if (!self) return;
      QMetaObject::invokeMethod(
          self.data(),
          [self, channel, id, value, error, onResult] {
            if (!self || !self->isLatest(channel, id)) return;
            if (value)
              onResult(std::move(*value));
            else
              Q_EMIT self->failed(channel, error);
          },
          Qt::QueuedConnection);
    });
    return id;
  }

  // Requests dropped unrun because a newer one replaced them (for tests and diagnostics).
  quint64 droppedCount() const;

 Q_SIGNALS:
  void failed(const QString& channel, const QString& message);

 private:
  struct Task {
    QString channel;
    quint64 id;
    std::function<void()> run;
  };
  quint64 nextId(const QString& channel);
  bool isLatest(const QString& channel, quint64 id) const;
  void enqueue(const QString& channel, quint64 id, std::function<void()> run);
  void loop();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> queue_;
  std::map<QString, quint64> latest_;
  quint64 counter_ = 0;
  quint64 dropped_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace strata
