// The recipe table: every recipe Strata writes passes it, every wrong type, out-of-range value,
// unknown field and output outside the recipe's folder is refused with the field's name and the
// problem in one sentence; the .npy index lists of `strata metrics --indices` likewise.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QtTest>

#include <cstring>

#include "core/base/errors.h"
#include "core/data/index_list.h"
#include "core/data/npy.h"
#include "core/figures/recipe_schema.h"
#include "tests/support/test_support.h"

namespace {

QJsonObject json(const char* text) {
  QJsonParseError error;
  const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(text), &error);
  if (error.error != QJsonParseError::NoError) qFatal("bad test JSON: %s", text);
  return doc.object();
}

// The DataError message of `check`, or an empty string if it accepts its input.
template <class Check>
QString dataErrorOf(Check check) {
  try {
    check();
  } catch (const strata::DataError& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

QString problemOf(const QJsonObject& recipe) {
  return dataErrorOf([&] { strata::validateRecipe(recipe, QStringLiteral("figure.json")); });
}

QByteArray npy(const QByteArray& header, const QByteArray& data) {
  QByteArray padded = header;
  while ((10 + padded.size() + 1) % 64) padded += ' ';
  padded += '\n';
  QByteArray bytes("\x93NUMPY\x01\x00", 8);
  bytes += char(padded.size() & 0xff);
  bytes += char(padded.size() >> 8);
  return bytes + padded + data;
}

QByteArray int64s(std::initializer_list<int64_t> values) {
  QByteArray data;
  for (int64_t v : values) data.append(reinterpret_cast<const char*>(&v), 8);
  return data;
}

QString indexProblem(const QByteArray& bytes) {
  return dataErrorOf([&] { strata::parseIndexList(bytes, QStringLiteral("items.npy")); });
}

}  // namespace

class TestRecipes : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // Recipes as the window and the subcommands write them stay valid.
  void recipesStrataWritesAreValid_data() {
    QTest::addColumn<QByteArray>("recipe");
    QTest::newRow("traversal from an item") << QByteArray(
        R"({"figure": "traversal", "start": {"item": 0}, "units": ["z_top[2]", )"
        R"("z_bottom[c1, 2, 5]"], "steps": 9, "range": {"mode": "prior-sigma", "k": 3}, )"
        R"("propagation": "regenerate", "stats_items": 20000, "seed": 0})");
    QTest::newRow("traversal from the prior") << QByteArray(
        R"({"figure": "traversal", "start": {"prior_seed": 1000000, "temperature": 1}, )"
        R"("units": ["z[0]"], "steps": 25, "range": {"mode": "data-quantiles", "k": 0.5}, )"
        R"("propagation": "keep", "gif_delay_ms": 80})");
    QTest::newRow("hierarchy resampling")
        << QByteArray(R"({"figure": "hierarchy", "items": [0, 7], "samples": 12, "seed": 7})");
    QTest::newRow("hierarchy temperature") << QByteArray(
        R"({"figure": "hierarchy", "page": "temperature", "temperatures": [0, 1.5, 3], )"
        R"("count": 32, "seed": 3})");
    QTest::newRow("hierarchy mixing")
        << QByteArray(R"({"figure": "hierarchy", "page": "mixing", "pair": [0, 1]})");
    QTest::newRow("hierarchy kl") << QByteArray(
        R"({"figure": "hierarchy", "page": "kl", "stats_items": 10000})");
    QTest::newRow("comparison") << QByteArray(
        R"({"figure": "comparison", "items": [0, 1, 2, 3, 4, 5, 6, 7], "samples": 8, )"
        R"("seed": 0, "temperature": 2})");
    QTest::newRow("projection of latents") << QByteArray(
        R"({"figure": "projection", "method": "umap", "samples": false, "seed": 0, )"
        R"("perplexity": 200, "neighbours": 2, "min_dist": 0, "neighbour_graph": "standard", )"
        R"("source": "all-layers", "colour": "unit:3"})");
    QTest::newRow("unit") << QByteArray(
        R"({"figure": "unit", "unit": "z_bottom[c1, 2, 5]", "metric_items": 10000, "seed": 0, )"
        R"("style": {"cell_size": 36}})");
    QTest::newRow("correlations") << QByteArray(
        R"({"figure": "correlations", "metric_items": 2, "seed": 9007199254740992})");
    QTest::newRow("collapse") << QByteArray(
        R"({"figure": "collapse", "metric_items": 10000, "seed": 3})");
    QTest::newRow("projection of pixels") << QByteArray(
        R"({"figure": "projection", "method": "tsne", "perplexity": 2, "iterations": 10000, )"
        R"("source": "pixels", "colour": "factor:pos_x", "style": {"width": 420, "height": 330}})");
  }
  void recipesStrataWritesAreValid() {
    QFETCH(QByteArray, recipe);
    QJsonObject object = json(recipe.constData());
    QVERIFY(!object.isEmpty());
    // What every figure has: version, a model by hash, the dataset, the style, the output.
    object["strata_recipe"] = 1;
    object["models"] =
        QJsonArray{QJsonObject{{"path", "bundled:fashion_lvae.pt"}, {"sha256", QString(64, 'a')}}};
    object["dataset"] = "fashion-mnist:test";
    object["output"] = "figure.pdf";
    if (!object.contains("style"))
      object["style"] =
          QJsonObject{{"font", "DejaVu Sans"}, {"font_size", 9}, {"dpi", 300}, {"title", "T"}};
    QCOMPARE(problemOf(object), QString());
  }

  // Each bad field gets one sentence: the file, the field and what it must be.
  void badFieldsAreRefusedByName_data() {
    QTest::addColumn<QByteArray>("fields");
    QTest::addColumn<QString>("message");
    QTest::newRow("wrong type") << QByteArray(R"("figure": "traversal", "steps": "9")")
                                << "field `steps` must be an integer from 2 to 64, got \"9\"";
    QTest::newRow("fraction") << QByteArray(R"("figure": "traversal", "steps": 9.5)")
                              << "field `steps` must be an integer from 2 to 64, got 9.5";
    QTest::newRow("huge temperature")
        << QByteArray(R"("figure": "comparison", "temperature": 1e300)")
        << "field `temperature` must be a number from 0 to 5, got 1e+300";
    QTest::newRow("perplexity 0")
        << QByteArray(R"("figure": "projection", "perplexity": 0)")
        << "figure.json: field `perplexity` must be a number from 2 to 200, got 0";
    QTest::newRow("endless t-SNE")
        << QByteArray(R"("figure": "projection", "iterations": 1e9)")
        << "field `iterations` must be an integer from 100 to 10000, got 1000000000";
    QTest::newRow("stats over nothing")
        << QByteArray(R"("figure": "hierarchy", "page": "kl", "stats_items": 0)")
        << "field `stats_items` must be an integer from 1 to 1000000, got 0";
    QTest::newRow("negative item") << QByteArray(R"("figure": "hierarchy", "items": [0, -1])")
                                   << "field `items` must be a list of 1 to 64 integers from 0 to "
                                      "1099511627776, got -1 at index 1";
    QTest::newRow("unknown page")
        << QByteArray(R"("figure": "hierarchy", "page": "heatmap")")
        << "field `page` must be resampling, temperature, mixing or kl, got \"heatmap\"";
    QTest::newRow("flag as number") << QByteArray(R"("figure": "projection", "samples": 3)")
                                    << "field `samples` must be true or false, got 3";
    QTest::newRow("nested") << QByteArray(R"("figure": "projection", "style": {"dpi": 10000})")
                            << "field `style.dpi` must be an integer from 36 to 2400, got 10000";
    QTest::newRow("style not an object") << QByteArray(R"("figure": "projection", "style": 9)")
                                         << "field `style` must be an object, got 9";
    QTest::newRow("bad hash")
        << QByteArray(R"("figure": "traversal", "models": [{"path": "m.pt", "sha256": "x"}])")
        << "field `models[0].sha256` must be 64 lowercase hexadecimal digits, got \"x\"";
    QTest::newRow("two models for one")
        << QByteArray(R"("figure": "traversal", "models": [{"path": "a.pt"}, {"path": "b.pt"}])")
        << "field `models` must be a list of 1 object, got a list of 2 values";
    QTest::newRow("bad range mode")
        << QByteArray(R"("figure": "traversal", "range": {"mode": "wide"})")
        << "field `range.mode` must be prior-sigma, posterior-spread, data-quantiles or "
           "data-minmax, got \"wide\"";
    QTest::newRow("bad colour") << QByteArray(R"("figure": "projection", "colour": "unit:x")")
                                << "field `colour` must be class, kl, reconstruction, none, "
                                   "predicted-class, class-entropy, factor:NAME or unit:N, got "
                                   "\"unit:x\"";
    QTest::newRow("start twice")
        << QByteArray(R"("figure": "traversal", "start": {"item": 3, "prior_seed": 1})")
        << "field `start` must hold either `item` or `prior_seed` and `temperature`, not both";
    QTest::newRow("null") << QByteArray(R"("figure": "traversal", "seed": null)")
                          << "field `seed` must be an integer from 0 to 9007199254740992, got null";
    QTest::newRow("unknown figure")
        << QByteArray(R"("figure": "sculpture")")
        << "field `figure` must be traversal, hierarchy, comparison, projection, unit, "
           "correlations, analogy or collapse, got \"sculpture\"";
    QTest::newRow("no figure") << QByteArray(R"("seed": 1)") << "field `figure` is missing";
  }
  void badFieldsAreRefusedByName() {
    QFETCH(QByteArray, fields);
    QFETCH(QString, message);
    const QString problem = problemOf(json(("{\"strata_recipe\": 1, " + fields + "}").constData()));
    QVERIFY2(problem.contains(message), qPrintable(problem));
    QVERIFY2(problem.startsWith("figure.json: "), qPrintable(problem));
    QVERIFY2(!problem.contains('\n'), qPrintable(problem));
  }

  // 2,000 units is a list far past what a figure holds.
  void longListsAreRefused() {
    QJsonArray units;
    for (int i = 0; i < 2000; ++i) units.append(QStringLiteral("z[%1]").arg(i));
    const QJsonObject recipe{{"strata_recipe", 1}, {"figure", "traversal"}, {"units", units}};
    QCOMPARE(problemOf(recipe),
             QString("figure.json: field `units` must be a list of 1 to 64 texts of 1 to 100 "
                     "characters, got a list of 2000 values"));
  }

  // Unknown fields are refused, not ignored: a typo would otherwise silently fall back to a
  // default, and "cache" once named a folder to write into.
  void unknownFieldsAreRefused_data() {
    QTest::addColumn<QByteArray>("fields");
    QTest::addColumn<QString>("message");
    QTest::newRow("cache") << QByteArray(R"("figure": "projection", "cache": "/tmp/elsewhere")")
                           << "field `cache` is not a recipe field";
    QTest::newRow("typo") << QByteArray(R"("figure": "traversal", "step": 9)")
                          << "field `step` is not a recipe field";
    QTest::newRow("another figure's") << QByteArray(R"("figure": "traversal", "perplexity": 30)")
                                      << "field `perplexity` is not a field of traversal recipes";
    QTest::newRow("nested") << QByteArray(R"("figure": "traversal", "style": {"colour": "red"})")
                            << "field `style.colour` is not a recipe field";
    QTest::newRow("in a model")
        << QByteArray(R"("figure": "traversal", "models": [{"path": "m.pt", "cache": "x"}])")
        << "field `models[0].cache` is not a recipe field";
  }
  void unknownFieldsAreRefused() {
    QFETCH(QByteArray, fields);
    QFETCH(QString, message);
    const QString problem = problemOf(json(("{\"strata_recipe\": 1, " + fields + "}").constData()));
    QVERIFY2(problem.contains(message), qPrintable(problem));
  }

  // A shared recipe may only name a plain file beside it.
  void outputsAreFileNamesWithoutFolders_data() {
    QTest::addColumn<QString>("output");
    QTest::addColumn<bool>("valid");
    QTest::newRow("plain") << "figure.png" << true;
    QTest::newRow("upper case") << "Figure 2.PDF" << true;
    QTest::newRow("parent") << "../figure.png" << false;
    QTest::newRow("absolute") << "/tmp/figure.png" << false;
    QTest::newRow("sub-folder") << "out/figure.png" << false;
    QTest::newRow("backslash") << "..\\figure.png" << false;
    QTest::newRow("dot-dot") << ".." << false;
    QTest::newRow("no format") << "figure" << false;
    QTest::newRow("other format") << "figure.jpg" << false;
    QTest::newRow("line break") << "a\nb.png" << false;
    QTest::newRow("empty") << "" << false;
  }
  void outputsAreFileNamesWithoutFolders() {
    QFETCH(QString, output);
    QFETCH(bool, valid);
    const QJsonObject recipe{{"strata_recipe", 1}, {"figure", "traversal"}, {"output", output}};
    const QString problem = problemOf(recipe);
    QVERIFY2(problem.isEmpty() == valid, qPrintable(problem));
    if (!valid)
      QVERIFY2(problem.contains("field `output` must be a file name"), qPrintable(problem));
  }

  void versionsAreChecked() {
    QVERIFY(problemOf(json(R"({"figure": "traversal"})")).contains("not a Strata figure recipe"));
    QVERIFY(problemOf(json(R"({"strata_recipe": 2, "figure": "traversal"})"))
                .contains("written by a newer Strata (recipe version 2)"));
    QVERIFY(problemOf(json(R"({"strata_recipe": "1", "figure": "traversal"})"))
                .contains("field `strata_recipe` must be the integer 1, got \"1\""));
  }

  // One entry per saved name and figure, so the command line and recipes cannot disagree.
  void theTableHasOneEntryPerFieldAndFigure() {
    const QStringList figures = strata::recipeFigures();
    QSet<QString> seen;
    for (const strata::RecipeField& f : strata::recipeFields()) {
      for (const QString& figure : figures) {
        if (!f.figures.isEmpty() && !f.figures.contains(figure)) continue;
        const QString id = figure + ' ' + f.key;
        QVERIFY2(!seen.contains(id), qPrintable("twice: " + id));
        seen.insert(id);
        QCOMPARE(&strata::recipeField(figure, f.key), &f);
      }
      for (const QString& figure : f.figures)
        QVERIFY2(figures.contains(figure), qPrintable(figure));
      QVERIFY(!strata::describeField(f).isEmpty());
      // Members belong to an object field of the same figures.
      const qsizetype dot = f.key.lastIndexOf('.');
      if (dot > 0) {
        const QString parent = f.key.left(dot);
        for (const QString& figure : f.figures.isEmpty() ? figures : f.figures) {
          const strata::RecipeField& p = strata::recipeField(figure, parent);
          QVERIFY(p.kind == strata::FieldKind::Object || p.kind == strata::FieldKind::ObjectList);
        }
      }
    }
    QVERIFY_THROWS_EXCEPTION(std::logic_error, strata::recipeField("traversal", "perplexity"));
  }

  void plainFileNames() {
    QVERIFY(strata::isPlainFileName("a.png"));
    QVERIFY(strata::isPlainFileName(".hidden.svg"));
    QVERIFY(!strata::isPlainFileName("a/b.png"));
    QVERIFY(!strata::isPlainFileName("."));
    QVERIFY(!strata::isPlainFileName(QString(256, 'a')));
  }

  void indexListsAreReadStrictly() {
    const QByteArray header1d = "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }";
    QCOMPARE(strata::parseIndexList(npy(header1d, int64s({4, 0, 9})), "items.npy"),
             (std::vector<int64_t>{4, 0, 9}));
    QByteArray whole;
    for (double v : {1.0, 2.0}) whole.append(reinterpret_cast<const char*>(&v), 8);
    QCOMPARE(strata::parseIndexList(
                 npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", whole), "x"),
             (std::vector<int64_t>{1, 2}));

    QVERIFY(indexProblem(npy(header1d, int64s({4, -1, 9}))).contains("index 1 is -1"));
    QVERIFY(indexProblem(
                npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1, 2), }", int64s({1, 2})))
                .contains("must be a one-dimensional array of item indices, not an array of "
                          "shape (1, 2)"));
    QVERIFY(indexProblem(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (0,), }", {}))
                .contains("holds no item indices"));
    QByteArray fraction;
    const double half = 2.5;
    fraction.append(reinterpret_cast<const char*>(&half), 8);
    QVERIFY(indexProblem(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", fraction))
                .contains("index 0 is 2.5"));
    // Numbers past 64 bits in the header are refused in words, not "stoll".
    const QString huge = indexProblem(
        npy("{'descr': '<i8', 'fortran_order': False, 'shape': (99999999999999999999999,), }", {}));
    QVERIFY2(huge.startsWith("items.npy: ") && !huge.contains("stoll"), qPrintable(huge));
    const QString overflow = indexProblem(
        npy("{'descr': '<i8', 'fortran_order': False, 'shape': (4611686018427387904,), }", {}));
    QVERIFY2(overflow.startsWith("items.npy: "), qPrintable(overflow));
    QVERIFY(indexProblem("not a numpy file").startsWith("items.npy: "));
  }
};

STRATA_TEST_GUILESS_MAIN(TestRecipes)
#include "test_recipes.moc"
