#include "app/cli.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>

#include <cstring>

#include "core/model.h"
#include "core/torch_runtime.h"

namespace strata {
namespace {

const char* const kTextOnlyOptions[] = {"-h", "--help", "-v", "--version", "--help-all"};

QString describe() {
  return QStringLiteral(
      "Strata explores the latent spaces of generative models.\n\n"
      "With no argument it opens the last dataset and model (first run: the Fashion-MNIST test\n"
      "split with the bundled hierarchical VAE).\n\n"
      "Subcommands (no window):\n"
      "  validate MODEL.pt...   check model files against the Strata model contract;\n"
      "                         prints every violation, exits 1 if any file is invalid");
}

int validate(const QStringList& paths) {
  QTextStream out(stdout);
  QTextStream err(stderr);
  if (paths.isEmpty()) {
    err << "strata validate: no model file given\nusage: strata validate MODEL.pt...\n";
    return 2;
  }
  configureTorch({});
  int failures = 0;
  for (const QString& path : paths) {
    const ValidationReport report = Model::validate(path);
    (report.ok() ? out : err) << report.text();
    failures += report.ok() ? 0 : 1;
  }
  out.flush();
  return failures ? 1 : 0;
}

}  // namespace

bool isHeadlessInvocation(int argc, char** argv) {
  if (argc >= 2 && !std::strcmp(argv[1], "validate")) return true;
  for (int i = 1; i < argc; ++i)
    for (const char* option : kTextOnlyOptions)
      if (!std::strcmp(argv[i], option)) return true;
  return false;
}

int runHeadless(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  QCoreApplication::setApplicationVersion(
      QStringLiteral("%1 (Qt %2, LibTorch %3)")
          .arg(QCoreApplication::applicationVersion(), QString::fromLatin1(qVersion()),
               torchVersion()));
  QStringList args = app.arguments();
  if (args.size() >= 2 && args[1] == "validate") {
    args.removeAt(1);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Check model files against the Strata model contract."));
    parser.addHelpOption();
    parser.addPositionalArgument("models", "TorchScript model files", "MODEL.pt...");
    parser.process(args);
    return validate(parser.positionalArguments());
  }
  QCommandLineParser parser;
  parser.setApplicationDescription(describe());
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addOption(QCommandLineOption(QStringList{"m", "model"}, QStringLiteral("Open this model file."),
                                      QStringLiteral("MODEL.pt")));
  parser.addOption(QCommandLineOption(QStringList{"view"},
                                      QStringLiteral("Start on this view: map, reconstructions, traverse or hierarchy."),
                                      QStringLiteral("VIEW")));
  parser.addPositionalArgument(QStringLiteral("dataset"),
                               QStringLiteral("fashion-mnist:test, fashion-mnist:train, dsprites, "
                                              "an IDX/.npz file or an image folder."),
                               QStringLiteral("[dataset]"));
  parser.process(app);  // prints help or version and exits
  return 0;
}

}  // namespace strata
