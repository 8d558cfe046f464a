// The job runner delivers only the newest result, on the owner's thread, and cancels.

#include <QScopeGuard>
#include <QtTest>

#include <atomic>
#include <thread>

#include "core/base/job_runner.h"
#include "tests/support/test_support.h"

using namespace strata;

class TestJobRunner : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void deliversOnOwnerThreadAndDropsStale() {
    JobRunner runner;
    QList<int> delivered;
    bool offThread = false;
    for (int i = 0; i < 5; ++i) {
      runner.start<int>(
          QStringLiteral("job"),
          [i](const JobControl& job) {
            std::this_thread::sleep_for(std::chrono::milliseconds(40 - 5 * i));
            job.report(1.0);
            return i;
          },
          [&](int value) {
            offThread |= QThread::currentThread() != QCoreApplication::instance()->thread();
            delivered << value;
          });
    }
    QTRY_COMPARE_WITH_TIMEOUT(delivered.size(), 1, 5000);
    QTest::qWait(200);  // late results of older jobs must not arrive
    QCOMPARE(delivered, QList<int>{4});
    QVERIFY(!offThread);
  }

  void cancelStopsAndReports() {
    JobRunner runner;
    QSignalSpy cancelled(&runner, &JobRunner::cancelledJob);
    bool delivered = false;
    runner.start<int>(
        QStringLiteral("long"),
        [](const JobControl& job) {
          for (int i = 0; i < 1000; ++i) {
            job.cancel.throwIfCancelled();
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
          }
          return 1;
        },
        [&](int) { delivered = true; });
    QTest::qWait(20);
    runner.cancel();
    QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, 5000);
    QVERIFY(!delivered);
  }

  void cancelDropsTheResultOfWorkThatIgnoresIt() {
    // A model load cannot look at its token: cancelling must still drop what it returns.
    JobRunner runner;
    QSignalSpy cancelled(&runner, &JobRunner::cancelledJob);
    QSignalSpy finished(&runner, &JobRunner::finished);
    QSignalSpy failed(&runner, &JobRunner::failed);
    std::atomic<bool> workDone{false};
    bool delivered = false;
    runner.start<int>(
        QStringLiteral("stubborn"),
        [&workDone](const JobControl&) {
          std::this_thread::sleep_for(std::chrono::milliseconds(150));
          workDone = true;
          return 7;
        },
        [&](int) { delivered = true; });
    QVERIFY(runner.isRunning());
    runner.cancel();
    QCOMPARE(cancelled.count(), 1);  // reported at once, not when the work ends
    QCOMPARE(finished.count(), 1);
    QVERIFY(!runner.isRunning());
    QTRY_VERIFY_WITH_TIMEOUT(workDone.load(), 5000);
    QTest::qWait(100);
    QVERIFY(!delivered);
    QCOMPARE(failed.count(), 0);
    QCOMPARE(finished.count(), 1);

    // The same for a failure that arrives after the cancel.
    runner.start<int>(
        QStringLiteral("failing late"),
        [](const JobControl&) -> int {
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
          throw DataError("late.npy", "truncated");
        },
        [](int) {});
    runner.cancel();
    QTest::qWait(300);
    QCOMPARE(failed.count(), 0);
    QCOMPARE(cancelled.count(), 2);
  }

  void jobsRunOnStrataPoolNotQtGlobalPool() {
    // Qt's raster painter waits on the global pool while drawing; a job there freezes paints.
    JobRunner runner;
    QThreadPool* seen = nullptr;
    runner.start<int>(
        QStringLiteral("where"), [](const JobControl&) { return 0; }, [](int) {});
    std::atomic<bool> inside{false};
    std::atomic<bool> release{false};
    // The job reads these locals: it must end before they go, also when a check fails.
    const auto releaseBlocker = qScopeGuard([&] {
      release = true;
      jobPool().waitForDone();
    });
    JobRunner blocker;
    blocker.start<int>(
        QStringLiteral("hold"),
        [&](const JobControl&) {
          inside = true;
          while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
          return 0;
        },
        [](int) {});
    QTRY_VERIFY_WITH_TIMEOUT(inside.load(), 5000);
    seen = &jobPool();
    QVERIFY(seen != QThreadPool::globalInstance());
    QVERIFY(jobPool().activeThreadCount() >= 1);
    QCOMPARE(QThreadPool::globalInstance()->activeThreadCount(), 0);
    QVERIFY(jobPool().maxThreadCount() >= 2);
  }

  void failuresCarryTheMessage() {
    JobRunner runner;
    QSignalSpy failed(&runner, &JobRunner::failed);
    runner.start<int>(
        QStringLiteral("bad"),
        [](const JobControl&) -> int { throw DataError("file.idx", "truncated"); }, [](int) {});
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 5000);
    QCOMPARE(failed.at(0).at(2).toString(), QStringLiteral("file.idx: truncated"));
  }

  void failureAlsoGoesToThatStartsOnError() {
    JobRunner runner;
    QSignalSpy failed(&runner, &JobRunner::failed);
    QStringList errors;
    runner.start<int>(
        QStringLiteral("bad"),
        [](const JobControl&) -> int { throw DataError("file.idx", "truncated"); }, [](int) {},
        [&](const QString& message) { errors << message; });
    QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, 5000);
    QCOMPARE(errors.front(), QStringLiteral("file.idx: truncated"));
    QCOMPARE(failed.count(), 1);  // still there for a status bar
  }

  void staleFailuresNeverReachOnError() {
    // Superseded by a newer start, and cancelled: neither late failure is handed out, also
    // from work that ignores its token.
    JobRunner runner;
    QStringList errors;
    QList<int> results;
    auto failLate = [](const JobControl&) -> int {
      std::this_thread::sleep_for(std::chrono::milliseconds(80));
      throw DataError("old.npy", "truncated");
    };
    runner.start<int>(
        QStringLiteral("old"), failLate, [&](int v) { results << v; },
        [&](const QString& message) { errors << message; });
    runner.start<int>(
        QStringLiteral("new"),
        [](const JobControl&) {
          std::this_thread::sleep_for(std::chrono::milliseconds(150));
          return 2;
        },
        [&](int v) { results << v; }, [&](const QString& message) { errors << message; });
    QTRY_COMPARE_WITH_TIMEOUT(results.size(), 1, 5000);
    QCOMPARE(results, QList<int>{2});
    runner.start<int>(
        QStringLiteral("cancelled"), failLate, [&](int v) { results << v; },
        [&](const QString& message) { errors << message; });
    runner.cancel();
    QTest::qWait(300);
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join("; ")));
    QCOMPARE(results, QList<int>{2});
  }

  void cancelMakesIdsStale() {
    JobRunner runner;
    const quint64 id = runner.start<int>(
        QStringLiteral("x"),
        [](const JobControl&) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          return 0;
        },
        [](int) {});
    QCOMPARE(runner.currentId(), id);
    runner.cancel();
    QVERIFY(runner.currentId() != id);
  }
};

STRATA_TEST_GUILESS_MAIN(TestJobRunner)
#include "test_job_runner.moc"
