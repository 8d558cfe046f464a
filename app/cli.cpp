#include "app/cli.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QGuiApplication>
#include <QTextStream>
#include <QThread>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <numeric>
#include <random>

#include "app/cli_support.h"
#include "app/command_cache.h"
#include "app/command_encode.h"
#include "app/command_figures.h"
#include "app/command_metrics.h"
#include "app/gui_arguments.h"
#include "core/analysis/projection_names.h"
#include "core/base/errors.h"
#include "core/data/dsprites.h"
#include "core/model/encoding.h"
#include "core/model/model.h"
#include "core/model/torch_runtime.h"

namespace strata {
namespace {

using cli::CommandError;
using cli::kOk;
using cli::kUsage;
using cli::parseArguments;
using cli::runCommand;

const char* const kTextOnlyOptions[] = {"-h", "--help", "-v", "--version", "--help-all"};
const char* const kSubcommands[] = {
    "validate", "write-dsprites", "metrics",      "render",  "traverse", "hierarchy", "project",
    "compare",  "unit",           "correlations", "analogy", "collapse", "cache",     "encode"};

QString describe() {
  return QString(
      "Strata explores the latent spaces of generative models.\n\n"
      "With no argument it opens the last dataset and model (first run: the Fashion-MNIST test\n"
      "split with the bundled hierarchical VAE).\n\n"
      "Subcommands (no window):\n"
      "  validate MODEL.pt...   check model files against the Strata model contract;\n"
      "                         prints every violation, exits 1 if any file is invalid\n"
      "  write-dsprites OUT.npz [--count N] [--seed S]\n"
      "                         write dSprites (all 737,280 combinations, or N drawn with\n"
      "                         seed S) as imgs / latents_classes / latents_values\n"
      "  metrics MODEL.pt... [--data SPEC] [--csv F] [--json F]\n"
      "                         metrics table of one to four models (ELBO, IW bound, KL,\n"
      "                         active units, passive/mixed/active units and total\n"
      "                         correlation of mean and sampled codes; with factors MIG,\n"
      "                         SAP, DCI, FactorVAE in disentanglement_lib's convention,\n"
      "                         beta-VAE, and Strata's earlier variants)\n"
      "  traverse MODEL.pt -o FIG.{png,svg,pdf,gif} [--units LIST | --top K] [--item N]\n"
      "                         traversal grid or animation\n"
      "  hierarchy MODEL.pt -o FIG [--items LIST] [--samples N]\n"
      "                         layer-wise resampling grid of a hierarchical model\n"
      "  project -o FIG [--model MODEL.pt] [--method " +
      projectionMethodNames().join('|') +
      "] [--colour BY]\n"
      "                         scatter plot of a projection, one mark per point\n"
      "  compare MODEL.pt... -o FIG [--items LIST]\n"
      "                         reconstructions and prior samples of models side by side\n"
      "  unit MODEL.pt --unit LABEL -o FIG [--data SPEC] [--items N]\n"
      "                         one latent unit as the unit inspector shows it: the items\n"
      "                         where it is highest, lowest and at its quantiles, and a\n"
      "                         decoder traversal over its data range\n"
      "  correlations MODEL.pt -o FIG [--data SPEC] [--items N]\n"
      "                         correlation matrices of mean and sampled codes side by side\n"
      "  analogy MODEL.pt -o FIG [--data SPEC] [--items LIST]\n"
      "                         a conditional model's items decoded under every class\n"
      "  collapse MODEL.pt -o FIG [--data SPEC] [--items N]\n"
      "                         KL per unit beside Dang et al.'s linear-theory prediction\n"
      "  render RECIPE.json [-o FIG]\n"
      "                         make a figure again from the recipe written beside it\n"
      "  encode MODEL.pt -o OUT.npy [--data SPEC] [--source all-layers|LAYER] [--samples]\n"
      "                         write a dataset's latent codes as float32 [N, D]\n"
      "  cache [--clear]        show (or empty) the cache of encodings and metric tables\n\n"
      "Figures: --font, --font-size, --dpi, --title, --seed. Every figure gets a recipe\n"
      "(FIG.json) that 'strata render' turns back into the same figure.\n"
      "Every subcommand takes --help. Progress goes to stderr. Exit status: 0 success,\n"
      "1 failure (missing or unreadable file, invalid model, bad data), 2 bad arguments.");
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

int writeDSprites(const QStringList& args) {
  return runCommand("write-dsprites", [&] {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Write the generated dSprites data set as .npz."));
    parser.addHelpOption();
    parser.addPositionalArgument("out", "output .npz file", "OUT.npz");
    const QCommandLineOption count("count",
                                   "number of items drawn without replacement (default: all)", "N");
    const QCommandLineOption seed("seed", "seed of the draw (default 0)", "S", "0");
    parser.addOption(count);
    parser.addOption(seed);
    if (!parseArguments(parser, args, "write-dsprites")) return int(kOk);
    if (parser.positionalArguments().size() != 1)
      throw CommandError(kUsage, "give one output file: strata write-dsprites OUT.npz");
    const QString out = parser.positionalArguments().front();
    const qint64 n = parser.isSet(count) ? cli::integerOption("count", parser.value(count), 1,
                                                              DSpritesDataset::kCount)
                                         : DSpritesDataset::kCount;
    const qint64 drawSeed = cli::integerOption("seed", parser.value(seed), 0, 1LL << 62);
    cli::checkOutputFolder(out);
    std::vector<int64_t> indices;
    if (n < DSpritesDataset::kCount) {
      // Partial Fisher-Yates over all indices: a draw without replacement, reproducible by seed.
      std::vector<int64_t> all(static_cast<size_t>(DSpritesDataset::kCount));
      std::iota(all.begin(), all.end(), 0);
      std::mt19937_64 rng{uint64_t(drawSeed)};
      for (int64_t i = 0; i < n; ++i) {
        std::uniform_int_distribution<int64_t> pick(i, DSpritesDataset::kCount - 1);
        std::swap(all[size_t(i)], all[size_t(pick(rng))]);
      }
      indices.assign(all.begin(), all.begin() + n);
      std::sort(indices.begin(), indices.end());
    }
    writeDSpritesNpz(out, DSpritesDataset(indices));
    QTextStream(stdout) << "wrote " << n << " dSprites items to " << out << "\n";
    return int(kOk);
  });
}

}  // namespace

bool isHeadlessInvocation(int argc, char** argv) {
  if (argc >= 2)
    for (const char* command : kSubcommands)
      if (!std::strcmp(argv[1], command)) return true;
  for (int i = 1; i < argc; ++i)
    for (const char* option : kTextOnlyOptions)
      if (!std::strcmp(argv[i], option)) return true;
  return false;
}

int runHeadless(int argc, char** argv) {
  // Figures draw text, which needs a GUI application; headless, on the offscreen platform.
  const bool drawsFigures =
      argc >= 2 && QStringList{"render", "traverse",     "hierarchy", "project", "compare",
                               "unit",   "correlations", "analogy",   "collapse"}
                       .contains(QString::fromLocal8Bit(argv[1]));
  if (drawsFigures && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
    qputenv("QT_QPA_PLATFORM", "offscreen");
  std::unique_ptr<QCoreApplication> application =
      drawsFigures ? std::make_unique<QGuiApplication>(argc, argv)
                   : std::make_unique<QCoreApplication>(argc, argv);
  QCoreApplication& app = *application;
  // Nobody is at a window: an encoding takes both cores when there are two.
  if (QThread::idealThreadCount() >= 2) setDefaultEncodingLanes({2, {}});
  QCoreApplication::setApplicationVersion(QStringLiteral("%1 (Qt %2, LibTorch %3)")
                                              .arg(QCoreApplication::applicationVersion(),
                                                   QString::fromLatin1(qVersion()),
                                                   torchVersion()));
  QStringList args = app.arguments();
  if (args.size() >= 2 && args[1] == "validate") {
    args.removeAt(1);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Check model files against the Strata model contract."));
    parser.addHelpOption();
    parser.addPositionalArgument("models", "TorchScript model files", "MODEL.pt...");
    return runCommand("validate", [&] {
      if (!parseArguments(parser, args, "validate")) return int(kOk);
      return validate(parser.positionalArguments());
    });
  }
  const std::map<QString, int (*)(const QStringList&)> figureCommands{
      {"render", cli::renderCommand},
      {"traverse", cli::traverseCommand},
      {"hierarchy", cli::hierarchyCommand},
      {"project", cli::projectCommand},
      {"compare", cli::compareCommand},
      {"unit", cli::unitCommand},
      {"correlations", cli::correlationsCommand},
      {"analogy", cli::analogyCommand},
      {"collapse", cli::collapseCommand}};
  if (args.size() >= 2 && figureCommands.count(args[1])) {
    const auto command = figureCommands.at(args[1]);
    args.removeAt(1);
    return command(args);
  }
  if (args.size() >= 2 && args[1] == "cache") {
    args.removeAt(1);
    return cli::cacheCommand(args);
  }
  if (args.size() >= 2 && args[1] == "encode") {
    args.removeAt(1);
    return cli::encodeCommand(args);
  }
  if (args.size() >= 2 && args[1] == "metrics") {
    args.removeAt(1);
    return cli::metricsCommand(args);
  }
  if (args.size() >= 2 && args[1] == "write-dsprites") {
    args.removeAt(1);
    return writeDSprites(args);
  }
  QCommandLineParser parser;
  parser.setApplicationDescription(describe());
  parser.addHelpOption();
  parser.addVersionOption();
  const GuiOptions window;  // printed by --help; the window's own parser uses the same
  window.addTo(parser);
  parser.process(app);  // prints help or version and exits
  return 0;
}

}  // namespace strata
