// The executable from the outside, on the test's display: --session in both spellings, a bad
// --view, a session file that cannot be read, SIGTERM and SIGINT (the session is saved and no
// autosave is left for the next start to take for a crash), and quitting while a model call
// runs (the process ends within moments instead of waiting for the call).

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <signal.h>

#include "tests/support/test_support.h"
#include "tests/support/tiny_data.h"

using namespace strata;

namespace {

// A Strata process with its own settings and data folders, autosaving every 200 ms.
class App {
 public:
  App() {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* var : {"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"})
      env.insert(var, home_.filePath(var));
    env.insert("STRATA_AUTOSAVE_INTERVAL_MS", "200");
    process_.setProcessEnvironment(env);
    // Whatever the test runner ignores, the app must see these signals as a user sends them.
    process_.setChildProcessModifier([] {
      ::signal(SIGTERM, SIG_DFL);
      ::signal(SIGINT, SIG_DFL);
    });
  }
  ~App() {
    if (process_.state() != QProcess::NotRunning) {
      process_.kill();
      process_.waitForFinished(10000);
    }
  }

  bool start(const QStringList& arguments) {
    process_.start(STRATA_EXECUTABLE, arguments);
    return process_.waitForStarted(30000);
  }
  bool send(int signalNumber) { return ::kill(pid_t(process_.processId()), signalNumber) == 0; }
  bool waitForExit(int ms) { return process_.waitForFinished(ms); }
  int exitCode() const { return process_.exitCode(); }
  bool exitedNormally() const {
    return process_.exitStatus() == QProcess::NormalExit && process_.exitCode() == 0;
  }
  QString errors() { return stderr_ += QString::fromLocal8Bit(process_.readAllStandardError()); }
  QString state() {
    return QStringLiteral("exit status %1, code %2, stderr:\n%3")
        .arg(process_.exitStatus())
        .arg(process_.exitCode())
        .arg(errors());
  }

  // A file in the app's data folder (autosave, its lock, the last session).
  QString dataFile(const QString& name) const {
    return QDir(home_.filePath("XDG_DATA_HOME")).filePath("Strata/Strata/" + name);
  }
  QJsonObject json(const QString& name) const {
    QFile f(dataFile(name));
    return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()).object()
                                       : QJsonObject();
  }
  QString path(const QString& name) const { return home_.filePath(name); }

  QString smallDataset() const { return test::writeTinyDataset(home_.path()); }

 private:
  QTemporaryDir home_;
  QProcess process_;
  QString stderr_;
};

}  // namespace

class TestAppLifecycle : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // Qt's GUI start-up takes `--session ID` for X11 session management; ours must win.
  void sessionOptionInBothSpellings_data() {
    QTest::addColumn<bool>("separate");
    QTest::newRow("--session FILE") << true;
    QTest::newRow("--session=FILE") << false;
  }
  void sessionOptionInBothSpellings() {
    QFETCH(bool, separate);
    App app;
    const QString dataset = app.smallDataset();
    const QString session = app.path("s.json");
    QVERIFY(test::writeJsonFile(session, {{"strata_session", 1},
                                          {"dataset", dataset},
                                          {"model", test::tinyModelPath("valid_tiny.pt")},
                                          {"view", "traverse"}}));
    const QStringList form =
        separate ? QStringList{"--session", session} : QStringList{"--session=" + session};
    QVERIFY(app.start(form + QStringList{"--no-restore"}));
    QTRY_VERIFY2_WITH_TIMEOUT(app.json("autosave.session.json")["dataset"] == dataset &&
                                  !app.json("autosave.session.json")["model"].toString().isEmpty(),
                              qPrintable(app.errors()), 60000);
    QCOMPARE(app.json("autosave.session.json")["view"].toString(), QStringLiteral("traverse"));
    QVERIFY(app.send(SIGTERM));
    QVERIFY(app.waitForExit(30000));
    QVERIFY2(app.exitedNormally(), qPrintable(app.state()));
  }

  void unknownViewIsABadArgument() {
    App app;
    QVERIFY(app.start({"--view", "bar"}));
    QVERIFY(app.waitForExit(30000));
    QCOMPARE(app.exitCode(), 2);
    QVERIFY2(app.errors().contains("unknown view \"bar\"") && app.errors().contains("traverse"),
             qPrintable(app.errors()));
  }

  // An endless file is refused with one line on stderr (and a box that does not block); the
  // start goes on with the dataset and model given.
  void unreadableSessionFileIsReported() {
    App app;
    const QString dataset = app.smallDataset();
    QVERIFY(app.start({dataset, "--model", test::tinyModelPath("valid_tiny.pt"), "--session",
                       "/dev/zero", "--no-restore"}));
    QTRY_VERIFY2_WITH_TIMEOUT(app.json("autosave.session.json")["dataset"] == dataset,
                              qPrintable(app.errors()), 60000);
    const QStringList lines = app.errors().split('\n').filter("/dev/zero");
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines[0].startsWith("strata: session: /dev/zero: is not a regular file"),
             qPrintable(lines[0]));
    QVERIFY(app.send(SIGTERM));
    QVERIFY(app.waitForExit(30000));
    QVERIFY2(app.exitedNormally(), qPrintable(app.state()));
  }

  // A logout (SIGTERM) or Ctrl+C (SIGINT) is a normal close, not a crash.
  void signalEndsTheRunCleanly_data() {
    QTest::addColumn<int>("signalNumber");
    QTest::newRow("SIGTERM") << int(SIGTERM);
    QTest::newRow("SIGINT") << int(SIGINT);
  }
  void signalEndsTheRunCleanly() {
    QFETCH(int, signalNumber);
    App app;
    const QString dataset = app.smallDataset();
    QVERIFY(app.start({dataset, "--model", test::tinyModelPath("valid_tiny.pt"), "--no-restore"}));
    QTRY_VERIFY2_WITH_TIMEOUT(!app.json("autosave.session.json")["model"].toString().isEmpty() &&
                                  QFileInfo::exists(app.dataFile("autosave.session.json.lock")),
                              qPrintable(app.errors()), 60000);
    QVERIFY(app.send(signalNumber));
    QVERIFY(app.waitForExit(30000));
    QVERIFY2(app.exitedNormally(), qPrintable(app.state()));
    const QJsonObject last = app.json("last.session.json");
    QCOMPARE(last["clean"].toBool(), true);
    QCOMPARE(last["dataset"].toString(), dataset);
    QCOMPARE(last["model"].toString(), test::tinyModelPath("valid_tiny.pt"));
    // Nothing left that the next start would take for a crash and ask about.
    QVERIFY(!QFileInfo::exists(app.dataFile("autosave.session.json")));
    QVERIFY(!QFileInfo::exists(app.dataFile("autosave.session.json.lock")));
  }

  // The model's decode spins for tens of seconds and cannot be interrupted: quitting while it
  // runs (here, validating the model on open) still ends the process within moments, after
  // the session is saved and the autosave removed.
  void quittingDuringASlowModelCallIsPrompt() {
    App app;
    const QString dataset = app.smallDataset();
    QVERIFY(app.start({dataset, "--model", test::tinyModelPath("slow_decode.pt"), "--no-restore"}));
    QTRY_VERIFY2_WITH_TIMEOUT(app.json("autosave.session.json")["dataset"] == dataset,
                              qPrintable(app.errors()), 60000);
    QTest::qWait(500);  // the model's validation is well into its first decode by now
    QElapsedTimer timer;
    timer.start();
    QVERIFY(app.send(SIGTERM));
    QVERIFY(app.waitForExit(30000));
    const qint64 ms = timer.elapsed();
    QVERIFY2(app.exitedNormally(), qPrintable(app.state()));
    QVERIFY2(ms < 8000, qPrintable(QString::number(ms)));
    QVERIFY2(app.errors().contains("still running; exiting without waiting"),
             qPrintable(app.errors()));
    QCOMPARE(app.json("last.session.json")["dataset"].toString(), dataset);
    QVERIFY(!QFileInfo::exists(app.dataFile("autosave.session.json")));
    QVERIFY(!QFileInfo::exists(app.dataFile("autosave.session.json.lock")));
  }
};

STRATA_TEST_GUILESS_MAIN(TestAppLifecycle)
#include "test_app_lifecycle.moc"
