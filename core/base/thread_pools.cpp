#include "core/base/thread_pools.h"

#include <QSemaphore>
#include <QThread>
#include <QThreadPool>

#include <algorithm>

namespace strata {

QThreadPool& jobPool() {
  static QThreadPool* pool = [] {
    auto* p = new QThreadPool;  // never destroyed: jobs may still run while statics go away
    p->setObjectName(QStringLiteral("strata-jobs"));
    p->setMaxThreadCount(std::max(2, QThread::idealThreadCount()));
    p->setExpiryTimeout(-1);
    return p;
  }();
  return *pool;
}

QThreadPool& framePool() {
  static QThreadPool* pool = [] {
    auto* p = new QThreadPool;  // never destroyed, as jobPool
    p->setObjectName(QStringLiteral("strata-frames"));
    p->setMaxThreadCount(std::max(1, QThread::idealThreadCount() - 1));
    p->setExpiryTimeout(-1);
    return p;
  }();
  return *pool;
}

int frameParts() {
  return framePool().maxThreadCount() + 1;
}

void runFrameParts(int parts, const std::function<void(int)>& body) {
  parts = std::clamp(parts, 1, frameParts());
  QSemaphore done;
  for (int part = 1; part < parts; ++part)
    framePool().start([&body, &done, part] {
      body(part);
      done.release();
    });
  body(0);
  done.acquire(parts - 1);
}

}  // namespace strata
