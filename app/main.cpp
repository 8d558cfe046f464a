// Strata: an explorer for the latent spaces of generative models.

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include "app/cli.h"
#include "app/main_window.h"
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
  QTimer::singleShot(0, &window, [&window, dataset, model, compared] {
    window.openStartup(dataset, model);
    for (const QString& path : compared) window.addCompareModel(path);
  });
  return app.exec();
}
