// Not a test on its own: test_test_support runs its functions one at a time and checks that
// the shared test main fails each one that raises a Qt warning, and only those.

#include <QtTest>

#include <thread>

#include "tests/support/test_support.h"

class WarningProbe : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void quiet() {}
  void warningOnTestThread() { qWarning("probe: a warning on the test thread"); }
  void criticalOnTestThread() { qCritical("probe: a critical message"); }
  void warningOnWorkerThread() {
    std::thread([] { qWarning("probe: a warning on a worker"); }).join();
  }
  void expectedWarning() {
    QTest::ignoreMessage(QtWarningMsg, "probe: expected");
    qWarning("probe: expected");
  }
  void allowedWarning() {
    qWarning("QStandardPaths: XDG_RUNTIME_DIR not set, defaulting to '/tmp/runtime-probe'");
  }
};

STRATA_TEST_GUILESS_MAIN(WarningProbe)
#include "warning_probe.moc"
