// The inference worker drops stale requests and delivers on the owner's thread only, each
// result and failure to the request that asked for it.

#include <QtTest>

#include <atomic>
#include <thread>

#include "core/base/inference_worker.h"
#include "tests/support/test_support.h"

using namespace strata;

class TestInferenceWorker : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void dropsStaleRequestsPerChannel() {
    InferenceWorker worker;
    std::atomic<int> ran{0};
    QList<int> delivered, other;
    bool offThread = false;
    // A slow request occupies the worker while the slider moves 20 more times.
    for (int i = 0; i <= 20; ++i) {
      worker.submit<int>(
          RequestChannel::Traverse,
          [i, &ran] {
            ++ran;
            std::this_thread::sleep_for(std::chrono::milliseconds(i == 0 ? 100 : 5));
            return i;
          },
          [&](int v) {
            offThread |= QThread::currentThread() != QCoreApplication::instance()->thread();
            delivered << v;
          });
    }
    worker.submit<int>(
        RequestChannel::TraverseGrid, [] { return 7; }, [&](int v) { other << v; });
    QTRY_COMPARE_WITH_TIMEOUT(delivered.size(), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(other.size(), 1, 5000);
    QTest::qWait(100);
    QCOMPARE(delivered, QList<int>{20});  // only the newest position is shown
    QCOMPARE(other, QList<int>{7});       // other channels are unaffected
    QVERIFY(ran.load() <= 3);             // the queued intermediate positions never ran
    QVERIFY(worker.droppedCount() >= 18);
    QVERIFY(!offThread);
  }

  void reportsFailures() {
    InferenceWorker worker;
    QStringList errors;
    worker.submit<int>(
        RequestChannel::Samples,
        []() -> int { throw std::runtime_error("decode: shape mismatch"); }, [](int) {},
        [&](const QString& message) { errors << message; });
    QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, 5000);
    QCOMPARE(errors.front(), QStringLiteral("decode: shape mismatch"));
  }

  void failureGoesToItsOwnRequesterOnly() {
    InferenceWorker worker;
    QStringList traverseErrors, gridErrors;
    QList<int> gridResults;
    bool offThread = false;
    worker.submit<int>(
        RequestChannel::Traverse, []() -> int { throw std::runtime_error("decode failed"); },
        [](int) {},
        [&](const QString& message) {
          offThread |= QThread::currentThread() != QCoreApplication::instance()->thread();
          traverseErrors << message;
        });
    worker.submit<int>(
        RequestChannel::TraverseGrid, [] { return 3; }, [&](int v) { gridResults << v; },
        [&](const QString& message) { gridErrors << message; });
    QTRY_COMPARE_WITH_TIMEOUT(traverseErrors.size(), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(gridResults.size(), 1, 5000);
    QTest::qWait(50);
    QCOMPARE(traverseErrors, QStringList{QStringLiteral("decode failed")});
    QVERIFY(gridErrors.isEmpty());  // the other channel's requester hears nothing of it
    QCOMPARE(gridResults, QList<int>{3});
    QVERIFY(!offThread);
  }

  void staleFailureIsDropped() {
    InferenceWorker worker;
    std::atomic<bool> started{false}, release{false};
    QStringList errors;
    QList<int> results;
    // The first request fails, but only after a newer one arrived on its channel.
    worker.submit<int>(
        RequestChannel::Path,
        [&]() -> int {
          started = true;
          while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
          throw std::runtime_error("old path failed");
        },
        [&](int v) { results << v; }, [&](const QString& message) { errors << message; });
    QTRY_VERIFY_WITH_TIMEOUT(started.load(), 5000);
    worker.submit<int>(
        RequestChannel::Path, [] { return 2; }, [&](int v) { results << v; },
        [&](const QString& message) { errors << message; });
    release = true;
    QTRY_COMPARE_WITH_TIMEOUT(results.size(), 1, 5000);
    QTest::qWait(100);
    QCOMPARE(results, QList<int>{2});
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join("; ")));
  }

  void staleResultIsDroppedEvenFromWorkThatRan() {
    // A request already running cannot be stopped; what it returns after a newer request is
    // still not shown.
    InferenceWorker worker;
    std::atomic<bool> started{false}, release{false};
    QList<int> results;
    worker.submit<int>(
        RequestChannel::Neighbours,
        [&] {
          started = true;
          while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
          return 1;
        },
        [&](int v) { results << v; });
    QTRY_VERIFY_WITH_TIMEOUT(started.load(), 5000);
    const quint64 newer = worker.submit<int>(
        RequestChannel::Neighbours, [] { return 2; }, [&](int v) { results << v; });
    QVERIFY(worker.isCurrent(RequestChannel::Neighbours, newer));
    release = true;
    QTRY_COMPARE_WITH_TIMEOUT(results.size(), 1, 5000);
    QTest::qWait(100);
    QCOMPARE(results, QList<int>{2});
  }
};

STRATA_TEST_GUILESS_MAIN(TestInferenceWorker)
#include "test_inference_worker.moc"
