// Strata's processes must not load Qt 5 (LibTorch would drag it in through OpenCV).

#include <QProcess>
#include <QtTest>

#include "core/model/torch_runtime.h"
#include "tests/support/test_support.h"

class TestProcessLibraries : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void thisProcessMapsNoQt5() {
    strata::configureTorch({});  // make sure LibTorch is really loaded and used
    QFile maps("/proc/self/maps");
    QVERIFY(maps.open(QIODevice::ReadOnly));
    const QByteArray text = maps.readAll();
    QVERIFY(text.contains("libtorch"));
    QVERIFY(text.contains("libQt6Core"));
    QVERIFY2(!text.contains("libQt5"), "libQt5 is mapped into the process");
  }

  void executableResolvesNoQt5() {
    QProcess ldd;
    ldd.start("ldd", {STRATA_EXECUTABLE});
    QVERIFY(ldd.waitForFinished(30000));
    const QByteArray out = ldd.readAllStandardOutput();
    QVERIFY(out.contains("libtorch"));
    QVERIFY2(!out.contains("libQt5"), out.constData());
  }

  void versionAndHelpNeedNoDisplay() {
    QProcess strata;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove("DISPLAY");
    strata.setProcessEnvironment(env);
    strata.start(STRATA_EXECUTABLE, {"--version"});
    QVERIFY(strata.waitForFinished(30000));
    QCOMPARE(strata.exitCode(), 0);
    QVERIFY(strata.readAllStandardOutput().contains("Strata"));
    strata.start(STRATA_EXECUTABLE, {"--help"});
    QVERIFY(strata.waitForFinished(30000));
    QCOMPARE(strata.exitCode(), 0);
    QVERIFY(strata.readAllStandardOutput().contains("Usage:"));
  }
};

STRATA_TEST_GUILESS_MAIN(TestProcessLibraries)
#include "test_process_libraries.moc"
