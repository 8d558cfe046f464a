// Strata: an explorer for the latent spaces of generative models.

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <QThreadPool>
#include <QTimer>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>

#include "app/cli.h"
#include "app/exit_watchdog.h"
#include "app/gui_arguments.h"
#include "app/main_window.h"
#include "app/session.h"
#include "app/signal_forwarder.h"
#include "app/user_activity_filter.h"
#include "app/view_names.h"
#include "core/base/thread_pools.h"
#include "core/model/model_vetting.h"
#include "core/model/torch_runtime.h"
#include "widgets/gl_format.h"

namespace {

constexpr int kBadArguments = 2;
// How long a closed window may take to tear down before the process ends anyway
// (app/exit_watchdog.h): a moment for a normal exit, far less than a slow model call.
constexpr std::chrono::milliseconds kExitGrace{2000};

// On stderr for scripted use, and in a box that does not block the event loop.
void reportSession(strata::MainWindow& window, bool opened, const QStringList& problems) {
  if (problems.isEmpty()) return;
  for (const QString& problem : problems)
    std::fprintf(stderr, "strata: session: %s\n", qPrintable(problem));
  const QString text =
      opened ? QObject::tr("Restored what could be restored:\n%1").arg(problems.join('\n'))
             : QObject::tr("The session was not opened: %1").arg(problems[0]);
  auto* box =
      new QMessageBox(QMessageBox::Warning, QObject::tr("Session"), text, QMessageBox::Ok, &window);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication::setOrganizationName(QStringLiteral("Strata"));
  QCoreApplication::setApplicationName(QStringLiteral("Strata"));
  QCoreApplication::setApplicationVersion(QStringLiteral(STRATA_VERSION));
  // New model files are opened by a child `strata validate` first (core/model/model_vetting.h).
  strata::setModelVettingExecutable(strata::currentExecutablePath());
  if (strata::isHeadlessInvocation(argc, argv)) return strata::runHeadless(argc, argv);

  // Both outlive the application: Qt keeps argv, and the watchdog watches its teardown.
  strata::ExitWatchdog watchdog;
  strata::GuiArguments arguments(argc, argv);
  strata::setDefaultSurfaceFormat();
  QApplication app(arguments.argc(), arguments.argv());
  // SIGTERM and SIGINT close the window as File > Quit does (session saved, autosave removed);
  // one that arrives while the window is being built is handled when the event loop starts.
  strata::SignalForwarder forwarder({SIGTERM, SIGINT});
  QObject::connect(&forwarder, &strata::SignalForwarder::received, &app, [] {
    QApplication::closeAllWindows();
    QCoreApplication::quit();
  });
  QCommandLineParser parser;
  parser.addHelpOption();
  parser.addVersionOption();
  const strata::GuiOptions options;
  options.addTo(parser);
  if (!parser.parse(app.arguments())) {
    std::fprintf(stderr, "strata: %s (see strata --help)\n", qPrintable(parser.errorText()));
    return kBadArguments;
  }
  const QString view = parser.value(options.view);
  if (parser.isSet(options.view) && !strata::viewFromName(view)) {
    std::fprintf(stderr, "strata: --view: unknown view \"%s\" (expected %s)\n", qPrintable(view),
                 qPrintable(strata::viewNames().join(", ")));
    return kBadArguments;
  }
  strata::configureTorch({});
  strata::useIdleCoresForEncoding(&app);

  auto owned = std::make_unique<strata::MainWindow>();
  strata::MainWindow& window = *owned;
  if (parser.isSet(options.view)) window.showView(view);
  window.show();
  const QString dataset = parser.positionalArguments().value(0);
  const QString model = parser.value(options.model);
  // Start after the window is on screen so the user sees progress from the first frame.
  const QStringList compared = parser.values(options.compare);
  const QString sessionFile = parser.value(options.session);
  // A leftover autosave means the last run was killed or crashed: offer to bring it back.
  const QString leftover =
      parser.isSet(options.noRestore) ? QString() : strata::Autosaver::leftover();
  const int autosaveMs = qEnvironmentVariableIntValue("STRATA_AUTOSAVE_INTERVAL_MS");
  QTimer::singleShot(
      0, &window, [&window, dataset, model, compared, sessionFile, leftover, autosaveMs] {
        QString restoreFrom = sessionFile;
        if (restoreFrom.isEmpty() && !leftover.isEmpty() &&
            QMessageBox::question(&window, QObject::tr("Restore the previous session?"),
                                  QObject::tr("Strata did not close normally last time. Restore "
                                              "the datasets, models, views and selection it had "
                                              "open?")) == QMessageBox::Yes)
          restoreFrom = leftover;
        // Quit or a signal while the question was open: nothing more to start.
        if (!window.isVisible()) return;
        bool restored = false;
        if (!restoreFrom.isEmpty()) {
          QStringList problems;
          restored = strata::openSession(window, restoreFrom, &problems);
          reportSession(window, restored, problems);
        }
        if (!restored) window.openStartup(dataset, model);
        for (const QString& path : compared) window.addCompareModel(path);
        window.enableAutosave(autosaveMs > 0 ? autosaveMs : 30000);
      });
  const int status = app.exec();
  // The session is saved and the autosave gone. What is left may wait for a model call that
  // cannot be interrupted: the watchdog ends the process if it takes longer than a moment.
  watchdog.arm(status, kExitGrace);
  owned.reset();  // joins the inference worker
  // Jobs run on a pool that outlives the window (core/base/thread_pools.h); cancelled, they end
  // quickly, but one inside a model call would run on while static destructors tear LibTorch
  // down under it. Wait for them here, within the watchdog's grace.
  strata::jobPool().waitForDone();
  return status;
}
