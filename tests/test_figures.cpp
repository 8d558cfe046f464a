// Figures from the command line: recipes reproduce figures (raster grids byte for byte), SVG
// and PDF hold text as text and one mark per point, and every kind of bad input gets a clear
// message and a non-zero exit status.

#include <QCryptographicHash>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>

#include "core/fashion_mnist.h"
#include "core/latent_stats.h"
#include "core/model.h"
#include "core/model_ops.h"
#include "core/resources.h"

namespace {

struct Run {
  int exitCode = -1;
  QString out, err;
};

Run runStrata(const QStringList& arguments, const QString& workingDirectory = {}) {
  QProcess p;
  if (!workingDirectory.isEmpty()) p.setWorkingDirectory(workingDirectory);
  p.start(QStringLiteral(STRATA_EXECUTABLE), arguments);
  if (!p.waitForFinished(600000)) return {};
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
          QString::fromUtf8(p.readAllStandardOutput()),
          QString::fromUtf8(p.readAllStandardError())};
}

QByteArray sha(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

QString model(const QString& name) {
  return strata::bundledModelPath(name);
}

// Element counts and text content of an SVG file; false if it does not parse.
struct SvgSummary {
  bool ok = false;
  QStringList texts;
  int images = 0, pixelatedImages = 0;
  std::vector<int> markGroups;  // circles per <g class="marks">
};

SvgSummary readSvg(const QString& path) {
  SvgSummary s;
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return s;
  QXmlStreamReader xml(&f);
  int depthInMarks = 0;
  while (!xml.atEnd()) {
    xml.readNext();
    if (xml.isStartElement()) {
      if (xml.name() == QLatin1String("text")) s.texts << xml.readElementText();
      if (xml.name() == QLatin1String("image")) {
        ++s.images;
        if (xml.attributes().value("style").contains(QLatin1String("pixelated")))
          ++s.pixelatedImages;
      }
      if (xml.name() == QLatin1String("g") &&
          xml.attributes().value("class") == QLatin1String("marks")) {
        s.markGroups.push_back(0);
        depthInMarks = 1;
      } else if (depthInMarks && xml.name() == QLatin1String("circle")) {
        ++s.markGroups.back();
      }
    }
    if (xml.isEndElement() && xml.name() == QLatin1String("g")) depthInMarks = 0;
  }
  s.ok = !xml.hasError();
  return s;
}

QString pdfText(const QString& path) {
  QProcess p;
  p.start(QStringLiteral("pdftotext"), {path, QStringLiteral("-")});
  p.waitForFinished(60000);
  return QString::fromUtf8(p.readAllStandardOutput());
}

}  // namespace

class TestFigures : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY2(!QStandardPaths::findExecutable("pdftotext").isEmpty(),
             "pdftotext (poppler-utils) is needed to read PDF text");
  }

  // The recipe written beside a figure makes the same figure again.
  void recipesReproduceRasterFiguresExactly_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::newRow("traversal, dSprites") << QStringList{
        "traverse", model("dsprites_tcvae.pt"), "--data",  "dsprites",       "--item", "4000",
        "--units",  "z[0],z[3],z[9]",           "--range", "data-quantiles", "--dpi",  "150"};
    QTest::newRow("traversal from the prior") << QStringList{
        "traverse", model("fashion_vae.pt"), "--prior", "--seed", "3", "--units", "z[1],z[2]"};
    QTest::newRow("hierarchy") << QStringList{
        "hierarchy", model("fashion_lvae.pt"), "--items", "3,9", "--samples", "4", "--seed", "2"};
    QTest::newRow("comparison") << QStringList{"compare", model("fashion_lvae.pt"),
                                               model("fashion_vae.pt"), "--items", "0,5,9"};
  }
  void recipesReproduceRasterFiguresExactly() {
    QFETCH(QStringList, arguments);
    if (arguments.contains("hierarchy") || arguments.contains("compare") ||
        arguments.contains("--prior"))
      if (!strata::fashionMnistAvailable() && !arguments.contains("--prior"))
        QSKIP("dataset-fashion-mnist is not installed");
    QTemporaryDir dir;
    const QString first = dir.filePath("figure.png"), again = dir.filePath("again.png");
    const Run made = runStrata(arguments + QStringList{"-o", first});
    QVERIFY2(made.exitCode == 0, qPrintable(made.err));
    QVERIFY(QFileInfo::exists(first + ".json"));
    const Run rendered = runStrata({"render", first + ".json", "-o", again});
    QVERIFY2(rendered.exitCode == 0, qPrintable(rendered.err));
    QVERIFY(!sha(first).isEmpty());
    QCOMPARE(sha(again), sha(first));
    // The recipe names the model by hash and keeps every parameter.
    QFile f(first + ".json");
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject recipe = QJsonDocument::fromJson(f.readAll()).object();
    QCOMPARE(recipe["strata_recipe"].toInt(), 1);
    QCOMPARE(recipe["models"].toArray().first().toObject()["sha256"].toString().size(), 64);
    QVERIFY(recipe.contains("style") && recipe.contains("seed"));
  }

  // The hierarchy view's temperature and mixing pages export through recipes as well.
  void hierarchyPagesRenderFromRecipes_data() {
    QTest::addColumn<QByteArray>("page");
    QTest::addColumn<QString>("error");
    QTest::newRow("temperature")
        << QByteArray(R"("page": "temperature", "temperatures": [0.2, 1, 1], "seed": 4)")
        << QString();
    QTest::newRow("mixing")
        << QByteArray(R"("page": "mixing", "dataset": "fashion-mnist:test", "pair": [0, 1])")
        << QString();
    QTest::newRow("temperature per layer")
        << QByteArray(R"("page": "temperature", "temperatures": [1, 1])")
        << QString("give one per layer (3)");
    QTest::newRow("kl")
        << QByteArray(R"("page": "kl", "dataset": "fashion-mnist:test", "stats_items": 500)")
        << QString();
    QTest::newRow("kl without items")
        << QByteArray(R"("page": "kl", "dataset": "fashion-mnist:test", "stats_items": 0)")
        << QString("stats_items must be at least 1");
    QTest::newRow("unknown page") << QByteArray(
                                         R"("page": "heatmap", "dataset": "fashion-mnist:test")")
                                  << QString("page must be resampling, temperature, mixing or kl");
  }
  void hierarchyPagesRenderFromRecipes() {
    QFETCH(QByteArray, page);
    QFETCH(QString, error);
    if (page.contains("fashion") && !strata::fashionMnistAvailable())
      QSKIP("dataset-fashion-mnist is not installed");
    QTemporaryDir dir;
    QFile recipe(dir.filePath("page.json"));
    QVERIFY(recipe.open(QIODevice::WriteOnly));
    recipe.write(R"({"strata_recipe": 1, "figure": "hierarchy", "models": [{"path": ")" +
                 model("fashion_lvae.pt").toUtf8() + R"("}], )" + page + "}");
    recipe.close();
    const Run first = runStrata({"render", recipe.fileName(), "-o", dir.filePath("a.png")});
    if (!error.isEmpty()) {
      QCOMPARE(first.exitCode, 1);
      QVERIFY2(first.err.contains(error), qPrintable(first.err));
      return;
    }
    QVERIFY2(first.exitCode == 0, qPrintable(first.err));
    const Run again = runStrata({"render", recipe.fileName(), "-o", dir.filePath("b.png")});
    QVERIFY2(again.exitCode == 0, qPrintable(again.err));
    QVERIFY(!sha(dir.filePath("a.png")).isEmpty());
    QCOMPARE(sha(dir.filePath("b.png")), sha(dir.filePath("a.png")));
  }

  // The KL figure states the numbers the statistics give for the same items.
  void klFigureShowsTheStatistics() {
    if (!strata::fashionMnistAvailable()) QSKIP("dataset-fashion-mnist is not installed");
    QTemporaryDir dir;
    QFile recipe(dir.filePath("kl.json"));
    QVERIFY(recipe.open(QIODevice::WriteOnly));
    recipe.write(
        R"({"strata_recipe": 1, "figure": "hierarchy", "page": "kl", "models": [{"path": ")" +
        model("fashion_lvae.pt").toUtf8() +
        R"("}], "dataset": "fashion-mnist:test", "stats_items": 1000})");
    recipe.close();
    const QString svg = dir.filePath("kl.svg");
    const Run r = runStrata({"render", recipe.fileName(), "-o", svg});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const SvgSummary figure = readSvg(svg);
    QVERIFY(figure.ok);

    const auto lvae = strata::Model::load(model("fashion_lvae.pt"));
    const auto test = strata::loadFashionMnist(strata::Split::Test);
    const strata::LatentStats stats =
        strata::computeLatentStats(*lvae, *test, strata::spreadIndices(test->size(), 1000));
    const auto& layers = lvae->info().layers;
    QCOMPARE(stats.layers.size(), layers.size());
    for (size_t l = 0; l < layers.size(); ++l) {
      const strata::LayerStats& s = stats.layers[l];
      QVERIFY2(figure.texts.contains(layers[l].name + " " + layers[l].shapeText()),
               qPrintable(layers[l].name));
      QVERIFY2(figure.texts.contains(QString("KL %1 nats").arg(s.kl, 0, 'f', 2)),
               qPrintable(figure.texts.join(" | ")));
      if (!s.collapsed)
        QVERIFY(figure.texts.contains(QString("%1/%2 active, %3 collapsed")
                                          .arg(s.activeUnits)
                                          .arg(s.units.size())
                                          .arg(s.collapsedUnits)));
    }
    // z_bottom [4, 7, 7] gets one map per channel, labelled with the channel's KL.
    for (int c = 0; c < 4; ++c) {
      double channelKl = 0;
      for (int k = 0; k < 49; ++k)
        channelKl += stats.layers[2].units[size_t(c) * 49 + size_t(k)].kl;
      QVERIFY(figure.texts.contains(QString("c%1: %2").arg(c).arg(channelKl, 0, 'f', 2)));
    }
  }

  void svgHasTextAsTextAndPixelatedImages() {
    QTemporaryDir dir;
    const QString svg = dir.filePath("t.svg");
    const Run r = runStrata({"traverse", model("dsprites_tcvae.pt"), "--data", "dsprites", "--item",
                             "100", "--units", "z[0],z[3]", "--steps", "7", "--title",
                             "Units & positions", "-o", svg});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const SvgSummary s = readSvg(svg);
    QVERIFY(s.ok);
    QVERIFY(s.texts.contains("Units & positions"));  // escaped in the file, text when parsed
    QVERIFY(s.texts.contains("z[0]") && s.texts.contains("z[3]"));
    QCOMPARE(s.images, 14);
    QCOMPARE(s.pixelatedImages, 14);
  }

  // One mark per point up to the whole dataset (10,000 points here; SVG and PDF stay vector).
  void scatterFiguresHaveOneMarkPerPoint() {
    if (!strata::fashionMnistAvailable()) QSKIP("dataset-fashion-mnist is not installed");
    QTemporaryDir dir;
    const QString svg = dir.filePath("map.svg"), pdf = dir.filePath("map.pdf");
    for (const QString& out : {svg, pdf}) {
      const Run r = runStrata({"project", "--data", "fashion-mnist:test", "--colour", "class",
                               "--title", "Pixels of Fashion-MNIST", "-o", out});
      QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    }
    const SvgSummary s = readSvg(svg);
    QVERIFY(s.ok);
    QVERIFY(!s.markGroups.empty());
    QCOMPARE(s.markGroups.front(), 10000);
    QVERIFY(s.texts.contains("Pixels of Fashion-MNIST"));
    QVERIFY(s.texts.contains("Trouser") && s.texts.contains("Ankle boot"));  // legend
    QVERIFY(s.texts.contains("PC 1"));
    const QString text = pdfText(pdf);
    QVERIFY2(text.contains("Pixels of Fashion-MNIST"), qPrintable(text.left(300)));
    QVERIFY(text.contains("Ankle boot") && text.contains("PC 2"));
  }

  // A map coloured by a latent unit names that unit on its colour bar, as the window does.
  void latentUnitColourNamesTheUnit() {
    if (!strata::fashionMnistAvailable()) QSKIP("dataset-fashion-mnist is not installed");
    QTemporaryDir dir;
    const QString svg = dir.filePath("unit.svg");
    const Run r =
        runStrata({"project", "--model", model("fashion_vae.pt"), "--colour", "unit:3", "-o", svg});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const SvgSummary s = readSvg(svg);
    QVERIFY(s.ok);
    QVERIFY2(s.texts.contains("z[3]"), qPrintable(s.texts.join(' ')));
    QVERIFY(QFile(svg + ".json").open(QIODevice::ReadOnly));
  }

  void pdfGridHasVectorText() {
    QTemporaryDir dir;
    const QString pdf = dir.filePath("g.pdf");
    const Run r = runStrata({"traverse", model("dsprites_tcvae.pt"), "--data", "dsprites",
                             "--units", "z[9]", "-o", pdf});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QFile f(pdf);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY(f.read(5) == "%PDF-");
    const QString text = pdfText(pdf);
    QVERIFY2(text.contains("Traversals of") && text.contains("z[9]"), qPrintable(text));
  }

  void gifAnimatesATraversal() {
    QTemporaryDir dir;
    const QString gif = dir.filePath("t.gif");
    const Run r = runStrata({"traverse", model("dsprites_tcvae.pt"), "--data", "dsprites",
                             "--units", "z[9]", "-o", gif});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QFile f(gif);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.read(6), QByteArray("GIF89a"));
  }

  // Bad arguments exit 2; missing files, broken models and bad recipes exit 1; each says why.
  void badInputGetsAClearMessage_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    const QString broken = QStringLiteral(STRATA_SOURCE_DIR "/tests/data/models/broken/");
    QTest::newRow("no output") << QStringList{"traverse", model("fashion_vae.pt")} << 2
                               << "-o FILE is required";
    QTest::newRow("bad number") << QStringList{"hierarchy", model("fashion_lvae.pt"),
                                               "--dpi",     "many",
                                               "-o",        "x.png"}
                                << 2 << "--dpi must be an integer";
    QTest::newRow("bad method") << QStringList{"project", "--method", "mds", "-o", "x.png"} << 2
                                << "--method must be pca, tsne or umap";
    QTest::newRow("too many models")
        << QStringList{"compare", "a.pt", "b.pt", "c.pt", "d.pt", "e.pt", "-o", "x.png"} << 2
        << "give one to four models";
    QTest::newRow("missing model") << QStringList{"traverse", "nowhere.pt", "-o", "x.png"} << 1
                                   << "model file not found: nowhere.pt";
    QTest::newRow("broken model") << QStringList{"traverse", broken + "missing_method.pt",
                                                 "--prior",  "--units",
                                                 "z[0]",     "-o",
                                                 "x.png"}
                                  << 1 << "invalid model";
    QTest::newRow("unknown unit") << QStringList{"traverse", model("fashion_vae.pt"),
                                                 "--prior",  "--units",
                                                 "z[99]",    "-o",
                                                 "x.png"}
                                  << 1 << "has no unit 'z[99]'";
    QTest::newRow("missing dataset")
        << QStringList{"hierarchy", model("fashion_lvae.pt"), "--data", "missing.npy", "-o",
                       "x.png"}
        << 1 << "missing.npy";
    QTest::newRow("bad format") << QStringList{"traverse", model("fashion_vae.pt"),
                                               "--prior",  "--units",
                                               "z[0]",     "-o",
                                               "x.jpg"}
                                << 1 << "use .png, .svg, .pdf";
    QTest::newRow("unit out of range")
        << QStringList{"project", "--model", model("fashion_vae.pt"), "--colour", "unit:16",
                       "-o",      "x.png"}
        << 1 << "unit must be 0 to 15";
    QTest::newRow("missing recipe")
        << QStringList{"render", "none.json"} << 1 << "none.json: cannot be read";
    QTest::newRow("metrics without model")
        << QStringList{"metrics"} << 2 << "give one to four model files";
    QTest::newRow("unknown option") << QStringList{"project", "--colur", "class", "-o", "x.png"}
                                    << 2 << "Unknown option 'colur'";
    QTest::newRow("missing value") << QStringList{"traverse", model("fashion_vae.pt"), "-o"} << 2
                                   << "Missing value after '-o'";
  }
  void badInputGetsAClearMessage() {
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const Run r = runStrata(arguments, dir.path());
    QCOMPARE(r.exitCode, exitCode);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QVERIFY(!QFileInfo::exists(dir.filePath("x.png")));
  }

  void recipeRefusesAChangedModel() {
    QTemporaryDir dir;
    QVERIFY(QFile::copy(model("fashion_vae.pt"), dir.filePath("m.pt")));
    const Run made = runStrata({"traverse", dir.filePath("m.pt"), "--prior", "--units", "z[0]",
                                "-o", dir.filePath("f.png")});
    QVERIFY2(made.exitCode == 0, qPrintable(made.err));
    QFile m(dir.filePath("m.pt"));
    QVERIFY(m.open(QIODevice::Append));
    m.write("changed");
    m.close();
    const Run r = runStrata({"render", dir.filePath("f.png.json")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("has changed since the recipe was written"), qPrintable(r.err));
    QFile bad(dir.filePath("bad.json"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write(R"({"strata_recipe": 1, "figure": "sculpture"})");
    bad.close();
    const Run unknown = runStrata({"render", dir.filePath("bad.json")});
    QCOMPARE(unknown.exitCode, 1);
    QVERIFY2(unknown.err.contains("unknown figure 'sculpture'"), qPrintable(unknown.err));
  }

  void helpListsTheSubcommands() {
    const Run r = runStrata({"--help"});
    QCOMPARE(r.exitCode, 0);
    for (const char* command :
         {"traverse", "hierarchy", "project", "compare", "render", "metrics", "validate"})
      QVERIFY2(r.out.contains(QLatin1String(command)), command);
  }

  // Each subcommand's help names it (not the executable's path), and an unknown option is a
  // usage error (exit 2) with a pointer to that help.
  void subcommandsHaveTheirOwnUsage() {
    for (const QString command : {"traverse", "hierarchy", "project", "compare", "render",
                                  "metrics", "validate", "write-dsprites"}) {
      const Run help = runStrata({command, "--help"});
      QCOMPARE(help.exitCode, 0);
      QVERIFY2(help.out.startsWith("Usage: strata " + command + " [options]"),
               qPrintable(help.out));
      const Run wrong = runStrata({command, "--no-such-option"});
      QCOMPARE(wrong.exitCode, 2);
      QVERIFY2(wrong.err.contains("strata " + command + ": Unknown option 'no-such-option'"),
               qPrintable(wrong.err));
    }
  }
};

QTEST_GUILESS_MAIN(TestFigures)
#include "test_figures.moc"
