// The generation guard answers "is this result still wanted?" for every asynchronous request;
// the request channels have one stable name each.

#include <QtTest>

#include <set>
#include <thread>
#include <vector>

#include "core/base/job_tracker.h"
#include "core/base/request_channel.h"
#include "tests/support/test_support.h"

using namespace strata;

class TestJobTracker : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void newerGenerationMakesOlderStale() {
    GenerationGuard guard;
    QCOMPARE(guard.current(), GenerationGuard::Generation(0));
    const auto first = guard.next();
    QVERIFY(guard.isCurrent(first));
    const auto second = guard.next();
    QVERIFY(second != first);
    QVERIFY(!guard.isCurrent(first));
    QVERIFY(guard.isCurrent(second));
    QCOMPARE(guard.current(), second);
    guard.next();  // a cancel: nothing handed out so far is wanted
    QVERIFY(!guard.isCurrent(second));
  }

  void wrappedCallbackRunsOnlyWhileCurrent() {
    GenerationGuard guard;
    guard.next();
    QList<int> seen;
    auto early = guard.whileCurrent([&seen](int v) { seen << v; });
    early(1);  // still the generation it was made in
    guard.next();
    auto late = guard.whileCurrent([&seen](int v) { seen << v; });
    early(2);  // stale: dropped
    late(3);
    QCOMPARE(seen, (QList<int>{1, 3}));
  }

  void generationsAreUniqueAcrossThreads() {
    GenerationGuard guard;
    constexpr int kThreads = 4, kEach = 10000;
    std::vector<std::vector<GenerationGuard::Generation>> taken(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&guard, &taken, t] {
        for (int i = 0; i < kEach; ++i) taken[size_t(t)].push_back(guard.next());
      });
    for (auto& thread : threads) thread.join();
    std::set<GenerationGuard::Generation> all;
    for (const auto& list : taken) all.insert(list.begin(), list.end());
    QCOMPARE(int(all.size()), kThreads * kEach);
    QCOMPARE(guard.current(), GenerationGuard::Generation(kThreads * kEach));
  }

  void channelNamesAreUnique() {
    // Names appear in logs; two channels with one name could not be told apart there.
    const RequestChannel channels[] = {RequestChannel::Samples,
                                       RequestChannel::Reconstructions,
                                       RequestChannel::ItemReconstruction,
                                       RequestChannel::Path,
                                       RequestChannel::DecodeSpot,
                                       RequestChannel::Neighbours,
                                       RequestChannel::Traverse,
                                       RequestChannel::TraverseStart,
                                       RequestChannel::TraverseGrid,
                                       RequestChannel::HierarchyResampling,
                                       RequestChannel::HierarchyTemperature,
                                       RequestChannel::HierarchyMixing};
    QSet<QString> names;
    for (RequestChannel channel : channels) {
      const QString name = channelName(channel);
      QVERIFY(!name.isEmpty() && !name.startsWith(QStringLiteral("channel-")));
      QVERIFY2(!names.contains(name), qPrintable(name));
      names << name;
    }
    QCOMPARE(channelName(RequestChannel::TraverseGrid), QStringLiteral("traverse-grid"));
  }
};

STRATA_TEST_GUILESS_MAIN(TestJobTracker)
#include "test_job_tracker.moc"
