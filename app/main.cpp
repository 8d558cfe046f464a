// Strata: an explorer for the latent spaces of generative models.

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>
#include <QTimer>

#include <cstdio>
#include <cstring>

#include "app/main_window.h"
#include "core/dataset_source.h"
#include "core/torch_runtime.h"
#include "widgets/gl_format.h"

namespace {

void describe(QCommandLineParser& parser) {
  parser.setApplicationDescription(
      QStringLiteral("Strata explores the latent spaces of generative models.\n\n"
                     "With no argument it opens the last dataset (first run: the Fashion-MNIST "
                     "test split)\nand shows a PCA map of it, coloured by class."));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(
      QStringLiteral("dataset"),
      QStringLiteral("fashion-mnist:test, fashion-mnist:train, or an IDX images file."),
      QStringLiteral("[dataset]"));
}

bool wantsTextOnly(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (!std::strcmp(a, "-h") || !std::strcmp(a, "--help") || !std::strcmp(a, "-v") ||
        !std::strcmp(a, "--version") || !std::strcmp(a, "--help-all"))
      return true;
  }
  return false;
}

void setIdentity() {
  QCoreApplication::setOrganizationName(QStringLiteral("Strata"));
  QCoreApplication::setApplicationName(QStringLiteral("Strata"));
  QCoreApplication::setApplicationVersion(QStringLiteral(STRATA_VERSION));
}

}  // namespace

int main(int argc, char** argv) {
  if (wantsTextOnly(argc, argv)) {
    // Help and version need no display.
    QCoreApplication app(argc, argv);
    setIdentity();
    QCoreApplication::setApplicationVersion(
        QStringLiteral("%1 (Qt %2, LibTorch %3)")
            .arg(QStringLiteral(STRATA_VERSION), QString::fromLatin1(qVersion()),
                 strata::torchVersion()));
    QCommandLineParser parser;
    describe(parser);
    parser.process(app);
    return 0;
  }

  strata::setDefaultSurfaceFormat();
  QApplication app(argc, argv);
  setIdentity();
  QCommandLineParser parser;
  describe(parser);
  parser.process(app);
  strata::configureTorch({});

  strata::MainWindow window;
  window.show();
  QString spec = parser.positionalArguments().value(0);
  if (spec.isEmpty())
    spec = QSettings().value("data/last", strata::defaultDatasetSpec()).toString();
  // Start after the window is on screen so the user sees progress from the first frame.
  QTimer::singleShot(0, &window, [&window, spec] { window.openDatasetSpec(spec); });
  return app.exec();
}
