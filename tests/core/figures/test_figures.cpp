// Figures from the command line: recipes reproduce figures (raster grids byte for byte), SVG
// and PDF hold text as text and one mark per point, and every kind of bad input gets a clear
// message and a non-zero exit status.

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>

#include <sys/stat.h>

#include "core/base/resources.h"
#include "core/data/fashion_mnist.h"
#include "core/data/npy.h"
#include "core/model/latent_stats.h"
#include "core/model/model.h"
#include "core/model/model_ops.h"
#include "tests/support/test_support.h"

namespace {

struct Run {
  int exitCode = -1;
  QString out, err;
};

Run runStrata(const QStringList& arguments, const QString& workingDirectory = {},
              int timeoutMs = 600000) {
  QProcess p;
  if (!workingDirectory.isEmpty()) p.setWorkingDirectory(workingDirectory);
  // Figures start a GUI application, which warns on stderr without a runtime folder; the
  // tests read stderr for the one line a refusal prints.
  static const QTemporaryDir runtime;
  QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
  if (!environment.contains("XDG_RUNTIME_DIR"))
    environment.insert("XDG_RUNTIME_DIR", runtime.path());
  p.setProcessEnvironment(environment);
  p.start(QStringLiteral(STRATA_EXECUTABLE), arguments);
  if (!p.waitForFinished(timeoutMs)) {
    p.kill();
    p.waitForFinished();
    return {};
  }
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
          QString::fromUtf8(p.readAllStandardOutput()),
          QString::fromUtf8(p.readAllStandardError())};
}

// Renders the KL page of `modelPath` over `statsItems` test items to `svg` through a recipe
// in `dir`, in a second process.
Run renderKlFigure(const QTemporaryDir& dir, const QString& modelPath, int statsItems,
                   const QString& svg) {
  QFile recipe(dir.filePath("kl.json"));
  if (!recipe.open(QIODevice::WriteOnly)) return {};
  recipe.write(
      R"({"strata_recipe": 1, "figure": "hierarchy", "page": "kl", "models": [{"path": ")" +
      modelPath.toUtf8() + R"("}], "dataset": "fashion-mnist:test", "stats_items": )" +
      QByteArray::number(statsItems) + "}");
  recipe.close();
  return runStrata({"render", recipe.fileName(), "-o", svg});
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

void writeFile(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size()) qFatal("cannot write");
}

// A small generated image set: `n` 28 x 28 grey images, as a .npy the --data option reads.
QString smallImageSet(const QString& folder, int64_t n) {
  std::vector<uint8_t> pixels(size_t(n) * 28 * 28);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = uint8_t((i * 37 + i / 784 * 11) % 256);
  const std::vector<uint8_t> bytes = strata::serializeNpy(strata::makeNpy(pixels, {n, 28, 28}));
  const QString path = QDir(folder).filePath("images.npy");
  writeFile(path, QByteArray(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size())));
  return path;
}

// A traversal from a prior sample of the flat Fashion-MNIST model: no dataset needed.
QJsonObject priorTraversal() {
  return {{"strata_recipe", 1},
          {"figure", "traversal"},
          {"models", QJsonArray{QJsonObject{{"path", model("fashion_vae.pt")}}}},
          {"start", QJsonObject{{"prior_seed", 1}, {"temperature", 1}}},
          {"units", QJsonArray{"z[0]"}},
          {"steps", 3}};
}

QString writeRecipe(const QString& path, const QJsonObject& recipe) {
  writeFile(path, QJsonDocument(recipe).toJson());
  return path;
}

// Files in `folder` (names), to show a refused command wrote nothing.
QStringList filesIn(const QString& folder) {
  return QDir(folder).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDir::Name);
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
    QTest::newRow("unit, dSprites") << QStringList{"unit",    model("dsprites_tcvae.pt"),
                                                   "--data",  "dsprites",
                                                   "--unit",  "z[3]",
                                                   "--items", "400",
                                                   "--seed",  "5",
                                                   "--dpi",   "100"};
    QTest::newRow("correlations, dSprites") << QStringList{
        "correlations", model("dsprites_tcvae.pt"), "--data", "dsprites", "--items", "300", "--dpi",
        "100"};
    QTest::newRow("analogy, M2") << QStringList{
        "analogy", model("fashion_m2.pt"), "--items", "0,3,8", "--dpi", "100"};
    QTest::newRow("collapse, conditional VAE")
        << QStringList{"collapse", model("fashion_cvae.pt"), "--items", "1000", "--dpi", "100"};
    QTest::newRow("comparison, samples of a class") << QStringList{
        "compare", model("fashion_m2.pt"), model("fashion_vae.pt"), "--items", "0,1", "--class",
        "Sandal"};
    QTest::newRow("map coloured by q(y|x)")
        << QStringList{"project", "--model", model("fashion_m2.pt"), "--colour", "predicted-class"};
    QTest::newRow("traversal under a chosen class") << QStringList{
        "traverse", model("fashion_m2.pt"), "--item", "3", "--class", "Bag", "--units",
        "z[0],z[1]"};
  }
  void recipesReproduceRasterFiguresExactly() {
    QFETCH(QStringList, arguments);
    if (arguments.contains("hierarchy") || arguments.contains("compare") ||
        arguments.contains("--prior") || arguments.contains(model("fashion_m2.pt")) ||
        arguments.contains(model("fashion_cvae.pt")))
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
    QTest::newRow("resampling at chosen levels")
        << QByteArray(R"("dataset": "fashion-mnist:test", "items": [2], "levels": [1, 3])")
        << QString();
    QTest::newRow("mixing at chosen levels")
        << QByteArray(R"("page": "mixing", "dataset": "fashion-mnist:test", "pair": [0, 1], )"
                      R"("levels": [2])")
        << QString();
    QTest::newRow("levels beyond the model")
        << QByteArray(R"("dataset": "fashion-mnist:test", "items": [2], "levels": [1, 4])")
        << QString("field `levels` names 4 layers kept, but");
    QTest::newRow("levels out of order")
        << QByteArray(R"("dataset": "fashion-mnist:test", "items": [2], "levels": [2, 1])")
        << QString("field `levels` must rise: 1 follows 2");
    QTest::newRow("kl without items")
        << QByteArray(R"("page": "kl", "dataset": "fashion-mnist:test", "stats_items": 0)")
        << QString("field `stats_items` must be an integer from 1 to 1000000, got 0");
    QTest::newRow("unknown page") << QByteArray(
                                         R"("page": "heatmap", "dataset": "fashion-mnist:test")")
                                  << QString(
                                         "field `page` must be resampling, temperature, mixing "
                                         "or kl, got \"heatmap\"");
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

  // A deep model's KL figure keeps a row per layer but leaves out the per-position maps (36
  // spatial layers of them would run to pages), and says so.
  void deepKlFigureSaysWhatItLeavesOut() {
    if (!strata::fashionMnistAvailable()) QSKIP("dataset-fashion-mnist is not installed");
    QTemporaryDir dir;
    const QString svg = dir.filePath("kl.svg");
    const Run r = renderKlFigure(dir, STRATA_SOURCE_DIR "/tests/data/models/deep60.pt", 200, svg);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const SvgSummary figure = readSvg(svg);
    QVERIFY(figure.ok);
    const QString text = figure.texts.join(" ");
    QVERIFY2(
        text.contains("Per-position maps are drawn for up to 8 spatial layers; this model has 48."),
        qPrintable(text.right(400)));
    QVERIFY(!text.contains("KL over positions"));
    QVERIFY(text.contains("z4_11 [1, 14, 14]"));
  }

  // The KL figure states the numbers the statistics give for the same items.
  void klFigureShowsTheStatistics() {
    if (!strata::fashionMnistAvailable()) QSKIP("dataset-fashion-mnist is not installed");
    QTemporaryDir dir;
    const QString svg = dir.filePath("kl.svg");
    const Run r = renderKlFigure(dir, model("fashion_lvae.pt"), 1000, svg);
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
    QTest::newRow("collapse figure without decoder_std")
        << QStringList{"collapse", model("fashion_m2.pt"), "--items", "50", "-o", "x.png"} << 1
        << "no linear-theory prediction: the model declares no Gaussian decoder standard "
           "deviation (strata_meta.objective.decoder_std";
    QTest::newRow("analogy of an unconditional model")
        << QStringList{"analogy", model("fashion_vae.pt"), "-o", "x.png"} << 1
        << "an analogy figure needs a conditional model (strata_meta.condition)";
    QTest::newRow("unknown class") << QStringList{"traverse", model("fashion_m2.pt"),
                                                  "--prior",  "--class",
                                                  "Hat",      "--units",
                                                  "z[0]",     "-o",
                                                  "x.png"}
                                   << 1 << "field `start.class`: model Fashion-MNIST M2";
    QTest::newRow("comparison, unknown class")
        << QStringList{"compare", model("fashion_m2.pt"), "--class", "Hat", "-o", "x.png"} << 1
        << "field `class`: no model of the figure has a class 'Hat'";
    QTest::newRow("class of an unconditional model")
        << QStringList{"traverse", model("fashion_vae.pt"),
                       "--prior",  "--class",
                       "Bag",      "--units",
                       "z[0]",     "-o",
                       "x.png"}
        << 1 << "takes no class (strata_meta.condition)";
    QTest::newRow("unit figure, unknown unit") << QStringList{"unit",    model("dsprites_tcvae.pt"),
                                                              "--data",  "dsprites",
                                                              "--unit",  "z[10]",
                                                              "--items", "50",
                                                              "-o",      "x.png"}
                                               << 1 << "field `unit`: model";
    QTest::newRow("unit figure, no unit")
        << QStringList{"unit", model("dsprites_tcvae.pt"), "-o", "x.png"} << 2
        << "--unit LABEL is required";
    QTest::newRow("unit figure, one item") << QStringList{"unit",    model("dsprites_tcvae.pt"),
                                                          "--data",  "dsprites",
                                                          "--unit",  "z[0]",
                                                          "--items", "1",
                                                          "-o",      "x.png"}
                                           << 2 << "--items must be an integer from 2";
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
        << QStringList{"render", "none.json"} << 1 << "none.json: no such file";
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
    QVERIFY2(unknown.err.contains(
                 "field `figure` must be traversal, hierarchy, comparison, "
                 "projection, unit, correlations, analogy or collapse, got \"sculpture\""),
             qPrintable(unknown.err));
  }

  // Recipes are checked field by field with the command line's limits; a bad one is refused
  // in one sentence naming the field, and nothing is written (no figure, no recipe beside it).
  void badRecipeFieldsAreRefusedByName_data() {
    QTest::addColumn<QString>("key");
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("message");
    QTest::newRow("wrong type") << "steps" << QJsonValue("9")
                                << "field `steps` must be an integer from 2 to 64, got \"9\"";
    QTest::newRow("out of range") << "steps" << QJsonValue(0)
                                  << "field `steps` must be an integer from 2 to 64, got 0";
    QTest::newRow("huge temperature")
        << "start" << QJsonValue(QJsonObject{{"prior_seed", 1}, {"temperature", 1e300}})
        << "field `start.temperature` must be a number from 0 to 5, got 1e+300";
    QJsonArray units;
    for (int i = 0; i < 2000; ++i) units.append(QStringLiteral("z[%1]").arg(i % 16));
    QTest::newRow("2,000 units") << "units" << QJsonValue(units)
                                 << "field `units` must be a list of 1 to 64 texts";
    QTest::newRow("typo") << "step" << QJsonValue(9) << "field `step` is not a recipe field";
    QTest::newRow("cache") << "cache" << QJsonValue("elsewhere")
                           << "field `cache` is not a recipe field";
    QTest::newRow("parent folder") << "output" << QJsonValue("../escape.png")
                                   << "field `output` must be a file name ending in .png";
    QTest::newRow("absolute") << "output" << QJsonValue(QDir::tempPath() + "/escape.png")
                              << "field `output` must be a file name ending in .png";
  }
  void badRecipeFieldsAreRefusedByName() {
    QFETCH(QString, key);
    QFETCH(QJsonValue, value);
    QFETCH(QString, message);
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkdir("recipes"));
    const QString folder = dir.filePath("recipes");
    QJsonObject recipe = priorTraversal();
    recipe[key] = value;
    const QString path = writeRecipe(QDir(folder).filePath("figure.json"), recipe);
    const QStringList before = filesIn(dir.path());
    // With -o and without: the recipe is refused before anything is written anywhere.
    for (const QStringList& arguments :
         {QStringList{"render", path, "-o", QDir(folder).filePath("out.png")},
          QStringList{"render", path}}) {
      const Run r = runStrata(arguments, folder);
      QCOMPARE(r.exitCode, 1);
      QVERIFY2(r.err.startsWith("strata render: " + path + ": " + message), qPrintable(r.err));
      QCOMPARE(r.err.count('\n'), 1);
      QCOMPARE(filesIn(folder), QStringList{"figure.json"});
      QCOMPARE(filesIn(dir.path()), before);
    }
    QVERIFY(!QFileInfo::exists(QDir::tempPath() + "/escape.png"));
  }

  // Without -o the figure goes beside the recipe under its plain output name, and the recipe
  // written beside it holds only valid values: it renders again, to the same bytes.
  void renderWritesBesideTheRecipe() {
    QTemporaryDir dir;
    QJsonObject recipe = priorTraversal();
    recipe["output"] = "figure.png";
    const QString path = writeRecipe(dir.filePath("shared.json"), recipe);
    const Run r = runStrata({"render", path}, QDir::tempPath());
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QCOMPARE(filesIn(dir.path()), (QStringList{"figure.png", "figure.png.json", "shared.json"}));
    const QByteArray first = sha(dir.filePath("figure.png"));
    const Run again = runStrata({"render", dir.filePath("figure.png.json")});
    QVERIFY2(again.exitCode == 0, qPrintable(again.err));
    QCOMPARE(sha(dir.filePath("figure.png")), first);
  }

  // A UMAP's recipe names its neighbour graph. One written before the choice existed has no such
  // field and was made with the thorough graph, which is what it still gets, in another process.
  void umapRecipesKeepTheirNeighbourGraph() {
    if (!strata::fashionMnistAvailable()) QSKIP("dataset-fashion-mnist is not installed");
    QTemporaryDir dir;
    const QString standard = dir.filePath("standard.png"), thorough = dir.filePath("thorough.png");
    // One title for both, so only the layouts can tell the figures apart.
    const QStringList map{
        "project", "--data", "fashion-mnist:test", "--method", "umap", "--seed", "1", "--dpi", "60",
        "--title", "UMAP"};
    Run r = runStrata(map + QStringList{"-o", standard});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    r = runStrata(map + QStringList{"--neighbour-graph", "thorough", "-o", thorough});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const auto recipeOf = [](const QString& figure) {
      QFile f(figure + ".json");
      return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()).object()
                                         : QJsonObject();
    };
    QCOMPARE(recipeOf(standard)["neighbour_graph"].toString(), QStringLiteral("standard"));
    QJsonObject before = recipeOf(thorough);
    QCOMPARE(before["neighbour_graph"].toString(), QStringLiteral("thorough"));
    before.remove("neighbour_graph");
    const QString old = dir.filePath("old.png");
    r = runStrata({"render", writeRecipe(dir.filePath("old.json"), before), "-o", old});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY(!sha(old).isEmpty());
    QCOMPARE(sha(old), sha(thorough));
    QVERIFY(sha(old) != sha(standard));
    // The recipe written beside it now names the graph it got.
    QCOMPARE(recipeOf(old)["neighbour_graph"].toString(), QStringLiteral("thorough"));
  }

  // The neighbour graph is UMAP's: a recipe that names one for another method is refused.
  void neighbourGraphIsUmapsOnly() {
    if (!strata::fashionMnistAvailable()) QSKIP("dataset-fashion-mnist is not installed");
    QTemporaryDir dir;
    const QString path =
        writeRecipe(dir.filePath("pca.json"), QJsonObject{{"strata_recipe", 1},
                                                          {"figure", "projection"},
                                                          {"dataset", "fashion-mnist:test"},
                                                          {"method", "pca"},
                                                          {"neighbour_graph", "standard"}});
    const Run r = runStrata({"render", path, "-o", dir.filePath("pca.png")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("field `neighbour_graph`: only a UMAP has a neighbour graph"),
             qPrintable(r.err));
    QCOMPARE(filesIn(dir.path()), QStringList{"pca.json"});
  }

  // The command line takes what a recipe may hold, no more: the same table, the same limits.
  void optionsUseTheRecipeLimits_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    QTest::newRow("perplexity") << QStringList{"project", "--method", "tsne", "--perplexity", "0"}
                                << "--perplexity must be a number from 2 to 200, not '0'";
    QTest::newRow("iterations") << QStringList{"project", "--iterations", "1e9"}
                                << "--iterations must be an integer from 100 to 10000";
    QTest::newRow("steps") << QStringList{"traverse", model("fashion_vae.pt"), "--steps", "65"}
                           << "--steps must be an integer from 2 to 64, not '65'";
    QTest::newRow("range") << QStringList{"traverse", model("fashion_vae.pt"), "--range", "wide"}
                           << "--range must be prior-sigma, posterior-spread, data-quantiles or "
                              "data-minmax, not 'wide'";
    QTest::newRow("top") << QStringList{"traverse", model("fashion_vae.pt"), "--top", "2000"}
                         << "--top must be an integer from 1 to 64, not '2000'";
    QTest::newRow("items") << QStringList{"hierarchy", model("fashion_lvae.pt"), "--items", "1,x"}
                           << "--items must be a list of 1 to 64 integers from 0 to "
                              "1099511627776, not '1,x'";
    QTest::newRow("temperature") << QStringList{"compare", model("fashion_vae.pt"), "--temperature",
                                                "1e300"}
                                 << "--temperature must be a number from 0 to 5, not '1e300'";
    QTest::newRow("neighbour graph")
        << QStringList{"project", "--method", "umap", "--neighbour-graph", "fast"}
        << "--neighbour-graph must be standard or thorough, not 'fast'";
    QTest::newRow("neighbour graph of a PCA")
        << QStringList{"project", "--neighbour-graph", "standard"}
        << "--neighbour-graph applies to UMAP only";
    QTest::newRow("neighbour graph of a t-SNE")
        << QStringList{"project", "--method", "tsne", "--neighbour-graph", "thorough"}
        << "--neighbour-graph applies to UMAP only";
    QTest::newRow("colour") << QStringList{"project", "--colour", "unit:x"}
                            << "--colour must be class, kl, reconstruction, none, "
                               "predicted-class, class-entropy, factor:NAME or unit:N, not "
                               "'unit:x'";
    QStringList many;
    for (int i = 0; i < 65; ++i) many << QString::number(i);
    QTest::newRow("many items") << QStringList{"compare", model("fashion_vae.pt"), "--items",
                                               many.join(',')}
                                << "--items must be a list of 1 to 64 integers";
  }
  void optionsUseTheRecipeLimits() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const Run r = runStrata(arguments + QStringList{"-o", "x.png"}, dir.path());
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QVERIFY(filesIn(dir.path()).isEmpty());
  }

  // Every output goes into a folder that exists, whatever the format; none is created.
  void outputsNeedAnExistingFolder_data() {
    QTest::addColumn<QStringList>("arguments");
    const QString prior = model("fashion_vae.pt");
    for (const char* format : {"png", "svg", "pdf", "gif"})
      QTest::newRow(format) << QStringList{"traverse",
                                           prior,
                                           "--prior",
                                           "--units",
                                           "z[0]",
                                           "-o",
                                           QStringLiteral("missing/f.%1").arg(format)};
    QTest::newRow("metrics csv") << QStringList{"metrics", prior, "--csv", "missing/t.csv"};
    QTest::newRow("metrics json") << QStringList{"metrics", prior, "--json", "missing/t.json"};
    QTest::newRow("metrics plan") << QStringList{"metrics", prior, "--plan", "missing/p.npz"};
    QTest::newRow("write-dsprites")
        << QStringList{"write-dsprites", "missing/d.npz", "--count", "10"};
  }
  void outputsNeedAnExistingFolder() {
    QFETCH(QStringList, arguments);
    QTemporaryDir dir;
    const Run r = runStrata(arguments, dir.path(), 60000);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("output folder " + dir.filePath("missing") + " does not exist"),
             qPrintable(r.err));
    QVERIFY(filesIn(dir.path()).isEmpty());
  }

  // The same rule for render -o; the recipe's own output is a plain name beside it.
  void renderNeedsAnExistingFolder() {
    QTemporaryDir dir;
    const QString path = writeRecipe(dir.filePath("r.json"), priorTraversal());
    const Run r = runStrata({"render", path, "-o", dir.filePath("missing/f.svg")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("does not exist"), qPrintable(r.err));
    QCOMPARE(filesIn(dir.path()), QStringList{"r.json"});
  }

  // Files that never end (devices) or block (FIFOs) are refused before reading, in one line
  // and with exit status 1, wherever the command line takes a file to read.
  void endlessInputsAreRefused_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("input");
    const QString flat = model("fashion_vae.pt");
    for (const char* kind : {"device", "fifo"}) {
      const QString input = QLatin1String(kind) == QLatin1String("device") ? "/dev/zero" : "FIFO";
      QTest::addRow("render, %s", kind) << QStringList{"render", input} << input;
      QTest::addRow("metrics --indices, %s", kind)
          << QStringList{"metrics", flat, "--indices", input} << input;
      QTest::addRow("metrics --data, %s", kind)
          << QStringList{"metrics", flat, "--data", input} << input;
      QTest::addRow("project --data, %s", kind)
          << QStringList{"project", "--data", input, "-o", "x.png"} << input;
    }
  }
  void endlessInputsAreRefused() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, input);
    QTemporaryDir dir;
    if (input == QLatin1String("FIFO")) {
      const QString fifo = dir.filePath("fifo");
      QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
      arguments.replaceInStrings(QRegularExpression("^FIFO$"), fifo);
      input = fifo;
    }
    const Run r = runStrata(arguments, dir.path(), 60000);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(input + ": is not a regular file"), qPrintable(r.err));
    QCOMPARE(r.err.count('\n'), 1);
    QVERIFY(!r.err.contains("bad_alloc"));
  }

  // Index files get sentences, not "stoll" or "std::bad_alloc".
  void indexFilesAreCheckedWithSentences_data() {
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QString>("message");
    auto int64s = [](std::initializer_list<int64_t> values) {
      QByteArray data;
      for (int64_t v : values) data.append(reinterpret_cast<const char*>(&v), 8);
      return data;
    };
    QTest::newRow("two-dimensional")
        << QByteArray("{'descr': '<i8', 'fortran_order': False, 'shape': (1, 2), }")
        << int64s({0, 1}) << "must be a one-dimensional array of item indices";
    QTest::newRow("negative") << QByteArray(
                                     "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }")
                              << int64s({0, -5}) << "index 1 is -5";
    QTest::newRow("outside the dataset")
        << QByteArray("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }")
        << int64s({1000000000}) << "item 1000000000 is outside the dataset (10 items)";
    QTest::newRow("shape beyond 64 bits")
        << QByteArray(
               "{'descr': '<i8', 'fortran_order': False, 'shape': (99999999999999999999999,), }")
        << QByteArray() << "items.npy: ";
    QTest::newRow("not numpy") << QByteArray() << QByteArray("hello") << "items.npy: ";
  }
  void indexFilesAreCheckedWithSentences() {
    QFETCH(QByteArray, header);
    QFETCH(QByteArray, data);
    QFETCH(QString, message);
    QTemporaryDir dir;
    QByteArray bytes = data;
    if (!header.isEmpty()) {
      QByteArray padded = header;
      while ((10 + padded.size() + 1) % 64) padded += ' ';
      padded += '\n';
      bytes = QByteArray("\x93NUMPY\x01\x00", 8) + char(padded.size() & 0xff) +
              char(padded.size() >> 8) + padded + data;
    }
    writeFile(dir.filePath("items.npy"), bytes);
    const Run r = runStrata({"metrics", model("fashion_vae.pt"), "--indices", "items.npy", "--data",
                             smallImageSet(dir.path(), 10)},
                            dir.path(), 60000);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QCOMPARE(r.err.count('\n'), 1);
    for (const char* leak : {"stoll", "stoi", "bad_alloc", "invalid_argument"})
      QVERIFY2(!r.err.contains(QLatin1String(leak)), qPrintable(r.err));
  }

  // A full disk (or /dev/full) is an error, not "wrote ... items".
  void writeDSpritesReportsFailedWrites() {
    const Run full = runStrata({"write-dsprites", "/dev/full", "--count", "10"}, {}, 60000);
    QCOMPARE(full.exitCode, 1);
    QVERIFY2(full.err.contains("/dev/full: "), qPrintable(full.err));
    QVERIFY(!full.out.contains("wrote"));
    QTemporaryDir dir;
    const Run ok = runStrata({"write-dsprites", dir.filePath("d.npz"), "--count", "10"}, {}, 60000);
    QVERIFY2(ok.exitCode == 0, qPrintable(ok.err));
    QCOMPARE(strata::readNpz(dir.filePath("d.npz")).at("imgs").shape,
             (std::vector<int64_t>{10, 64, 64}));
  }

  // Captions fill every placeholder and use every argument (Qt warns otherwise).
  void hierarchyFigureHasNoArgumentMismatch() {
    QTemporaryDir dir;
    const Run r =
        runStrata({"hierarchy", model("fashion_lvae.pt"), "--data", smallImageSet(dir.path(), 4),
                   "--items", "0,3", "--samples", "2", "-o", dir.filePath("h.svg")},
                  {}, 120000);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(!r.err.contains("QString::arg"), qPrintable(r.err));
    const SvgSummary s = readSvg(dir.filePath("h.svg"));
    QVERIFY(s.ok);
    QVERIFY2(s.texts.contains("Top layers kept at the posterior mean, the rest drawn from the "
                              "conditional prior (seed 0)."),
             qPrintable(s.texts.join(" | ")));
  }

  void helpListsTheSubcommands() {
    const Run r = runStrata({"--help"});
    QCOMPARE(r.exitCode, 0);
    for (const char* command : {"traverse", "hierarchy", "project", "compare", "unit",
                                "correlations", "analogy", "render", "metrics", "validate"})
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

STRATA_TEST_GUILESS_MAIN(TestFigures)
#include "test_figures.moc"
