// The inference worker drops stale requests and delivers on the owner's thread only.

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
          "slider",
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
        "grid", [] { return 7; }, [&](int v) { other << v; });
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
    QSignalSpy failed(&worker, &InferenceWorker::failed);
    worker.submit<int>(
        "x", []() -> int { throw std::runtime_error("decode: shape mismatch"); }, [](int) {});
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 5000);
    QCOMPARE(failed.at(0).at(1).toString(), QStringLiteral("decode: shape mismatch"));
  }
};

STRATA_TEST_GUILESS_MAIN(TestInferenceWorker)
#include "test_inference_worker.moc"
