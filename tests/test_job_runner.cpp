// The job runner delivers only the newest result, on the owner's thread, and cancels.

#include <QtTest>

#include <thread>

#include "core/job_runner.h"

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
            offThread |= QThread::currentThread() != qApp->thread();
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

  void failuresCarryTheMessage() {
    JobRunner runner;
    QSignalSpy failed(&runner, &JobRunner::failed);
    runner.start<int>(
        QStringLiteral("bad"),
        [](const JobControl&) -> int { throw DataError("file.idx", "truncated"); }, [](int) {});
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 5000);
    QCOMPARE(failed.at(0).at(2).toString(), QStringLiteral("file.idx: truncated"));
  }
};

QTEST_GUILESS_MAIN(TestJobRunner)
#include "test_job_runner.moc"
