#include "core/base/inference_worker.h"

#include <QDebug>

#include <algorithm>

namespace strata {

InferenceWorker::InferenceWorker(QObject* parent) : QObject(parent) {
  thread_ = std::thread([this] { loop(); });
}

InferenceWorker::~InferenceWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  thread_.join();
}

quint64 InferenceWorker::nextId(RequestChannel channel) {
  std::lock_guard<std::mutex> lock(mutex_);
  return generations_[channel].next();
}

bool InferenceWorker::isCurrent(RequestChannel channel, quint64 id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = generations_.find(channel);
  return it != generations_.end() && it->second.isCurrent(id);
}

quint64 InferenceWorker::droppedCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return dropped_;
}

void InferenceWorker::enqueue(RequestChannel channel, quint64 id, std::function<void()> run) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Whatever the new request made stale is not worth running.
    const auto before = queue_.size();
    queue_.erase(
        std::remove_if(queue_.begin(), queue_.end(),
                       [&](const Task& t) { return !generations_[t.channel].isCurrent(t.id); }),
        queue_.end());
    dropped_ += before - queue_.size();
    queue_.push_back({channel, id, std::move(run)});
  }
  wake_.notify_one();
}

void InferenceWorker::reportFailure(RequestChannel channel, const QString& message,
                                    const ErrorFn& onError) {
  if (onError)
    onError(message);
  else
    qWarning().noquote() << channelName(channel) << "request failed:" << message;
}

void InferenceWorker::loop() {
  for (;;) {
    Task task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task.run();
  }
}

}  // namespace strata
