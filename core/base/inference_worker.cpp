#include "core/base/inference_worker.h"

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

quint64 InferenceWorker::nextId(const QString& channel) {
  std::lock_guard<std::mutex> lock(mutex_);
  const quint64 id = ++counter_;
  latest_[channel] = id;
  return id;
}

bool InferenceWorker::isLatest(const QString& channel, quint64 id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = latest_.find(channel);
  return it != latest_.end() && it->second == id;
}

quint64 InferenceWorker::droppedCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return dropped_;
}

void InferenceWorker::enqueue(const QString& channel, quint64 id, std::function<void()> run) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto before = queue_.size();
    queue_.erase(std::remove_if(queue_.begin(), queue_.end(),
                                [&](const Task& t) { return t.channel == channel; }),
                 queue_.end());
    dropped_ += before - queue_.size();
    queue_.push_back({channel, id, std::move(run)});
  }
  wake_.notify_one();
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
