// Strata: an explorer for the latent spaces of generative models.

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <QTimer>

#include "app/cli.h"
#include "app/main_window.h"
#include "app/session.h"
#include "core/errors.h"
#include "core/torch_runtime.h"
#include "widgets/gl_format.h"

int main(int argc, char** argv) {
  QCoreApplication::setOrganizationName(QStringLiteral("Strata"));
  QCoreApplication::setApplicationName(QStringLiteral("Strata"));
  QCoreApplication::setApplicationVersion(QStringLiteral(STRATA_VERSION));
  if (strata::isHeadlessInvocation(argc, argv)) return strata::runHeadless(argc, argv);

  strata::setDefaultSurfaceFormat();
  QApplication app(argc, argv);
  QCommandLineParser parser;
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption modelOption(QStringList{"m", "model"},
                                       QStringLiteral("Open this model file."),
                                       QStringLiteral("MODEL.pt"));
  parser.addOption(modelOption);
  const QCommandLineOption viewOption(
      QStringList{"view"},
      QStringLiteral("Start on this view: map, reconstructions, traverse, hierarchy or compare."),
      QStringLiteral("VIEW"));
  parser.addOption(viewOption);
  const QCommandLineOption compareOption(
      QStringList{"compare"},
      QStringLiteral("Also add this model to the compare view (repeatable, up to four)."),
      QStringLiteral("MODEL.pt"));
  parser.addOption(compareOption);
  const QCommandLineOption sessionOption(QStringList{"session"},
                                         QStringLiteral("Open this saved session."),
                                         QStringLiteral("FILE.json"));
  parser.addOption(sessionOption);
  const QCommandLineOption noRestoreOption(
      QStringList{"no-restore"},
      QStringLiteral("Do not offer to restore the session of a run that did not end normally."));
  parser.addOption(noRestoreOption);
  parser.addPositionalArgument(QStringLiteral("dataset"), QStringLiteral("Dataset to open."),
                               QStringLiteral("[dataset]"));
  parser.process(app);
  strata::configureTorch({});

  strata::MainWindow window;
  if (parser.isSet(viewOption)) window.showView(parser.value(viewOption));
  window.show();
  const QString dataset = parser.positionalArguments().value(0);
  const QString model = parser.value(modelOption);
  // Start after the window is on screen so the user sees progress from the first frame.
  const QStringList compared = parser.values(compareOption);
  const QString sessionFile = parser.value(sessionOption);
  // A leftover autosave means the last run was killed or crashed: offer to bring it back.
  const QString leftover =
      parser.isSet(noRestoreOption) ? QString() : strata::Autosaver::leftover();
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
        bool restored = false;
        if (!restoreFrom.isEmpty()) {
          try {
            QStringList problems;
            strata::restoreSession(window, strata::readSession(restoreFrom), &problems);
            restored = true;
            if (!problems.isEmpty())
              QMessageBox::warning(
                  &window, QObject::tr("Session"),
                  QObject::tr("Restored what could be restored:\n%1").arg(problems.join('\n')));
          } catch (const strata::Error& e) {
            QMessageBox::warning(&window, QObject::tr("Session"), QString::fromStdString(e.what()));
          }
        }
        if (!restored) window.openStartup(dataset, model);
        for (const QString& path : compared) window.addCompareModel(path);
        window.enableAutosave(autosaveMs > 0 ? autosaveMs : 30000);
      });
  return app.exec();
}
