#include "core/base/thread_pools.h"

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

}  // namespace strata
