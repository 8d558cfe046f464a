#include "app/user_activity_filter.h"

#include <QEvent>
#include <QThread>

#include "core/base/user_activity.h"
#include "core/model/encoding.h"

namespace strata {

bool UserActivityFilter::eventFilter(QObject* watched, QEvent* event) {
  switch (event->type()) {
    case QEvent::KeyPress:
    case QEvent::MouseButtonPress:
    case QEvent::MouseButtonRelease:
    case QEvent::MouseMove:
    case QEvent::Wheel:
    case QEvent::TouchBegin:
    case QEvent::TouchUpdate:
      noteUserActivity();
      break;
    default:
      break;
  }
  return QObject::eventFilter(watched, event);
}

void useIdleCoresForEncoding(QObject* application) {
  application->installEventFilter(new UserActivityFilter(application));
  if (QThread::idealThreadCount() >= 2) setDefaultEncodingLanes({2, [] { return userIsIdle(); }});
}

}  // namespace strata
