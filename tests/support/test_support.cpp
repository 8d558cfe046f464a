#include "tests/support/test_support.h"

#include "core/base/thread_pools.h"

#include <QCoreApplication>
#include <QSet>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <utility>

namespace strata::test {
namespace {

// Beginnings of messages that say nothing about Strata, each with where it comes from and why
// it is harmless. Keep this short: a message that points at our code is fixed, not listed.
const QStringList& allowedPrefixes() {
  static const QStringList prefixes = {
      // QStandardPaths, when the environment (root under xvfb-run, CI containers) has no
      // XDG_RUNTIME_DIR: Qt then makes a private folder in /tmp, which is all a test needs.
      QStringLiteral("QStandardPaths: XDG_RUNTIME_DIR not set"),
  };
  return prefixes;
}

bool allowed(const QString& message) {
  for (const QString& prefix : allowedPrefixes())
    if (message.startsWith(prefix)) return true;
  return false;
}

// How long the jobs left by the last test function may take to finish before exit.
constexpr int kJobDrainMs = 120000;

// Failures reported per test function (and data row); later warnings are still logged.
constexpr int kFailuresPerFunction = 10;

struct State {
  std::recursive_mutex mutex;  // one message at a time, even from worker threads
  QtMessageHandler testlib = nullptr;
  // Warnings already handed to QTest::failOnWarning in the current test function and row.
  std::pair<const char*, const char*> patternsFor = {nullptr, nullptr};
  QSet<QString> patterns;
  // Messages from worker threads or between test functions, reported when the run ends.
  QStringList lateMessages;
};

State& state() {
  static State s;
  return s;
}

bool onTestThread() {
  const QCoreApplication* app = QCoreApplication::instance();
  return app && QThread::currentThread() == app->thread();
}

void failOnWarnings(QtMsgType type, const QMessageLogContext& context, const QString& message) {
  State& s = state();
  const std::lock_guard<std::recursive_mutex> lock(s.mutex);
  const bool fault = (type == QtWarningMsg || type == QtCriticalMsg) && !allowed(message);
  const char* function = QTest::currentTestFunction();
  if (!fault) return s.testlib(type, context, message);
  if (onTestThread() && function) {
    if (type == QtWarningMsg) {
      // Qt's own mechanism, so that QTest::ignoreMessage() still excuses an expected warning.
      const std::pair<const char*, const char*> now = {function, QTest::currentDataTag()};
      if (now != s.patternsFor) s.patterns.clear(), s.patternsFor = now;
      if (!s.patterns.contains(message) && s.patterns.size() < kFailuresPerFunction) {
        s.patterns.insert(message);
        QTest::failOnWarning(message.toUtf8().constData());
      }
      return s.testlib(type, context, message);
    }
    s.testlib(type, context, message);
    QTest::qFail(qPrintable(QStringLiteral("Received a critical message: ") + message),
                 context.file, context.line);
    return;
  }
  s.testlib(type, context, message);
  s.lateMessages << QStringLiteral("%1() %2: %3")
                        .arg(QString::fromLatin1(function ? function : "(no test function)"),
                             onTestThread() ? QStringLiteral("between test functions")
                                            : QStringLiteral("on a worker thread"),
                             message);
}

}  // namespace

bool dataRequired() {
  const QByteArray ci = qgetenv("CI").toLower();
  return !ci.isEmpty() && ci != "0" && ci != "false";
}

int runTests(QObject* test, int argc, char** argv) {
  QTest::qInit(test, argc, argv);
  // qInit installed Qt Test's handler; ours goes in front of it until qCleanup restores the
  // one from before.
  state().testlib = qInstallMessageHandler(failOnWarnings);
  int failures = QTest::qRun();
  // A view destroyed at the end of a test function cancels its jobs but does not wait for
  // them; one still inside a model call would otherwise run on while exit() tears LibTorch's
  // statics down under it (a double free, and Qt Test's crash handler then hangs). A job that
  // outlives the wait is a test that left work running: a failure, named, not a hang.
  if (!strata::jobPool().waitForDone(kJobDrainMs)) {
    std::printf("FAIL!  : %s: a job was still running %d s after the last test function\n",
                test->metaObject()->className(), kJobDrainMs / 1000);
    ++failures;
  }
  {
    const std::lock_guard<std::recursive_mutex> lock(state().mutex);
    for (const QString& message : state().lateMessages)
      std::printf("FAIL!  : %s::%s\n", test->metaObject()->className(), qPrintable(message));
    failures += int(state().lateMessages.size());
  }
  std::fflush(stdout);
  QTest::qCleanup();
  return std::min(failures, 127);  // as qRun: never wraps to 0
}

}  // namespace strata::test
