// The shared test main: a Qt warning or critical message fails the test that raised it (on
// the test's thread or a worker), expected and allowed messages do not, and a missing data set
// fails under CI.

#include <QProcess>
#include <QtTest>

#include "tests/support/test_support.h"

class TestTestSupport : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void warningsFailTheTest_data() {
    QTest::addColumn<QString>("function");
    QTest::addColumn<bool>("fails");
    QTest::addColumn<QString>("reported");
    QTest::newRow("quiet") << "quiet" << false << "PASS   : WarningProbe::quiet()";
    QTest::newRow("warning") << "warningOnTestThread" << true
                             << "FAIL!  : WarningProbe::warningOnTestThread() Received a warning "
                                "that resulted in a failure:\nprobe: a warning on the test thread";
    QTest::newRow("critical") << "criticalOnTestThread" << true
                              << "FAIL!  : WarningProbe::criticalOnTestThread() Received a "
                                 "critical message: probe: a critical message";
    QTest::newRow("worker thread")
        << "warningOnWorkerThread" << true
        << "FAIL!  : WarningProbe::warningOnWorkerThread() on a worker thread: probe: a warning "
           "on a worker";
    QTest::newRow("expected") << "expectedWarning" << false
                              << "PASS   : WarningProbe::expectedWarning()";
    QTest::newRow("allowed") << "allowedWarning" << false
                             << "PASS   : WarningProbe::allowedWarning()";
  }
  void warningsFailTheTest() {
    QFETCH(QString, function);
    QFETCH(bool, fails);
    QFETCH(QString, reported);
    QProcess probe;
    probe.start(STRATA_WARNING_PROBE, {function});
    QVERIFY(probe.waitForFinished(30000));
    const QString output = QString::fromUtf8(probe.readAllStandardOutput());
    QCOMPARE(probe.exitStatus(), QProcess::NormalExit);
    QVERIFY2((probe.exitCode() != 0) == fails, qPrintable(output));
    QVERIFY2(output.contains(reported), qPrintable(output));
  }

  void missingDataFailsUnderCi() {
    const QByteArray saved = qgetenv("CI");
    qunsetenv("CI");
    QVERIFY(!strata::test::dataRequired());
    qputenv("CI", "false");
    QVERIFY(!strata::test::dataRequired());
    qputenv("CI", "true");
    QVERIFY(strata::test::dataRequired());
    if (saved.isNull())
      qunsetenv("CI");
    else
      qputenv("CI", saved);
  }
};

STRATA_TEST_GUILESS_MAIN(TestTestSupport)
#include "test_test_support.moc"
