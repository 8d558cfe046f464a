#pragma once
// Notes the user's input (keys, clicks, drags, wheel, hover) for core/base/user_activity, so
// background work that would take the window's core waits while the user is working.

#include <QObject>

namespace strata {

class UserActivityFilter : public QObject {
  Q_OBJECT
 public:
  using QObject::QObject;

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;
};

// Installs the filter on the application and lets encodings take a second lane (both cores)
// while the user is idle, when the machine has two cores or more.
void useIdleCoresForEncoding(QObject* application);

}  // namespace strata
