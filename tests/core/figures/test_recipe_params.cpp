// The typed recipe structs and the name tables behind them: for every figure kind a struct
// writes a recipe that reads back to the same struct, recipes as Strata writes them read and
// write back unchanged, a malformed field is refused with its name, and every enum that is
// saved or typed has one name per value that reads back to that value.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QtTest>

#include <functional>
#include <iterator>

#include "core/analysis/projection_names.h"
#include "core/analysis/traversal_names.h"
#include "core/base/errors.h"
#include "core/figures/figure_names.h"
#include "core/figures/recipe_params.h"
#include "core/figures/recipe_schema.h"
#include "tests/support/test_support.h"

using namespace strata;

namespace {

QJsonObject json(const char* text) {
  QJsonParseError error;
  const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(text), &error);
  if (error.error != QJsonParseError::NoError) qFatal("bad test JSON: %s", text);
  return doc.object();
}

QString dataErrorOf(const std::function<void()>& check) {
  try {
    check();
  } catch (const DataError& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

QString compact(const QJsonObject& o) {
  return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

void fillCommon(RecipeCommon& c, int models) {
  c.models.emplace();
  for (int m = 0; m < models; ++m)
    c.models->push_back({QStringLiteral("bundled:model%1.pt").arg(m), QString(64, QChar('a' + m))});
  c.dataset = QStringLiteral("fashion-mnist:test");
  c.seed = 9007199254740992LL;  // 2^53, the largest seed a recipe holds
  c.output = QStringLiteral("figure.pdf");
}

RecipeStyle gridStyle() {
  RecipeStyle s;
  s.font = QStringLiteral("DejaVu Sans");
  s.fontSize = 9.5;
  s.dpi = 300;
  s.title = QStringLiteral("A title");
  s.cellSize = 40;
  return s;
}

// One struct per figure kind with every field set to a value other than its default.
FigureRecipe fullRecipe(FigureKind kind) {
  switch (kind) {
    case FigureKind::Traversal: {
      TraversalRecipe r;
      fillCommon(r, 1);
      r.style = gridStyle();
      r.start = TraversalRecipe::Start{std::nullopt, 12345, 0.75};
      r.units = QStringList{"z_top[2]", "z_bottom[c1, 2, 5]"};
      r.steps = 13;
      r.range = TraversalRecipe::Range{RangeMode::DataQuantiles, 0.5};
      r.propagation = Propagation::KeepLower;
      r.statsItems = 1500;
      r.gifDelayMs = 120;
      return r;
    }
    case FigureKind::Hierarchy: {
      HierarchyRecipe r;
      fillCommon(r, 1);
      r.style = gridStyle();
      r.page = HierarchyPage::Temperature;
      r.items = std::vector<qint64>{0, 7, 1099511627776LL};
      r.samples = 12;
      r.temperatures = std::vector<double>{0, 1.5, 0.1};
      r.count = 20;
      r.pair = std::vector<qint64>{3, 4};
      r.statsItems = 10000;
      r.levels = std::vector<qint64>{0, 12, 60};
      return r;
    }
    case FigureKind::Comparison: {
      ComparisonRecipe r;
      fillCommon(r, 3);
      r.style = gridStyle();
      r.items = std::vector<qint64>{0, 1, 2};
      r.samples = 5;
      r.temperature = 0.25;
      return r;
    }
    case FigureKind::Projection:
      break;
  }
  ProjectionRecipe r;
  fillCommon(r, 1);
  RecipeStyle s;
  s.font = QStringLiteral("DejaVu Serif");
  s.width = 500;
  s.height = 200.5;
  r.style = s;
  r.source = QStringLiteral("z_top");
  r.samples = true;
  r.method = ProjectionMethod::Umap;
  r.perplexity = 45.5;
  r.iterations = 500;
  r.neighbours = 30;
  r.minDist = 0.25;
  r.neighbourGraph = KnnEffort::Standard;
  r.colour = factorColouring(QStringLiteral("pos_x"));
  return r;
}

// A field of each kind and a value the table refuses.
struct BadField {
  const char* key;
  QJsonValue value;
};

QList<BadField> badFields(FigureKind kind) {
  switch (kind) {
    case FigureKind::Traversal:
      return {{"steps", 1}, {"propagation", "lower"}, {"units", QJsonArray{}},
              {"seed", -1}, {"gif_delay_ms", 5.5},    {"range", QJsonObject{{"mode", "sigma"}}}};
    case FigureKind::Hierarchy:
      return {{"page", "heatmap"},
              {"temperatures", QJsonArray{4}},
              {"pair", QJsonArray{1}},
              {"count", "32"}};
    case FigureKind::Comparison:
      return {{"temperature", 6}, {"items", QJsonArray{-1}}, {"samples", true}};
    case FigureKind::Projection:
      break;
  }
  return {{"method", "t-SNE"},   {"colour", "unit:x"},
          {"colour", "factor:"}, {"samples", 1},
          {"min_dist", 2},       {"neighbour_graph", "fast"},
          {"perplexity", "30"},  {"style", QJsonObject{{"dpi", 10}}}};
}

const FigureKind kKinds[] = {FigureKind::Traversal, FigureKind::Hierarchy, FigureKind::Comparison,
                             FigureKind::Projection};

}  // namespace

class TestRecipeParams : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void structsRoundTrip_data() {
    QTest::addColumn<int>("kind");
    for (const FigureKind kind : kKinds)
      QTest::newRow(qPrintable(figureKindName(kind))) << int(kind);
  }
  void structsRoundTrip() {
    QFETCH(int, kind);
    const FigureRecipe recipe = fullRecipe(FigureKind(kind));
    const QJsonObject written = figureRecipeToJson(recipe);
    QCOMPARE(written["figure"].toString(), figureKindName(FigureKind(kind)));
    QCOMPARE(written["strata_recipe"].toInt(), kRecipeVersion);
    // Valid against the table, and read back to the same struct (compared by what it writes).
    QCOMPARE(dataErrorOf([&] { validateRecipe(written, "written.json"); }), QString());
    const FigureRecipe read = figureRecipeFromJson(written, "written.json");
    QCOMPARE(figureKindOf(read), FigureKind(kind));
    QCOMPARE(compact(figureRecipeToJson(read)), compact(written));
    // Through text too, as a file holds it.
    const QJsonObject fromText = QJsonDocument::fromJson(QJsonDocument(written).toJson()).object();
    QCOMPARE(compact(figureRecipeToJson(figureRecipeFromJson(fromText))), compact(written));
  }

  // Fields left out stay out: a recipe that names only its kind writes only that.
  void unsetFieldsAreNotWritten() {
    for (const FigureKind kind : kKinds) {
      const QJsonObject minimal{{"strata_recipe", 1}, {"figure", figureKindName(kind)}};
      QCOMPARE(compact(figureRecipeToJson(figureRecipeFromJson(minimal))), compact(minimal));
    }
    ProjectionRecipe empty;
    QCOMPARE(empty.toJson().size(), 2);
  }

  void malformedFieldsAreRefusedByName_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QJsonValue>("value");
    for (const FigureKind kind : kKinds)
      for (const BadField& bad : badFields(kind))
        QTest::addRow("%s %s %s", qPrintable(figureKindName(kind)), bad.key,
                      qPrintable(QString::fromUtf8(
                          QJsonDocument(QJsonArray{bad.value}).toJson(QJsonDocument::Compact))))
            << int(kind) << QString::fromLatin1(bad.key) << bad.value;
  }
  void malformedFieldsAreRefusedByName() {
    QFETCH(int, kind);
    QFETCH(QString, key);
    QFETCH(QJsonValue, value);
    QJsonObject recipe = figureRecipeToJson(fullRecipe(FigureKind(kind)));
    recipe[key] = value;
    QJsonObject member = value.isObject() ? value.toObject() : QJsonObject();
    const QString name = member.isEmpty() ? key : key + '.' + member.begin().key();
    const QString where = QStringLiteral("bad.json");
    const QString general = dataErrorOf([&] { figureRecipeFromJson(recipe, where); });
    QVERIFY2(general.startsWith("bad.json: field `" + name + "` "), qPrintable(general));
    // The struct of the kind refuses it the same way.
    QString own;
    switch (FigureKind(kind)) {
      case FigureKind::Traversal:
        own = dataErrorOf([&] { TraversalRecipe::fromJson(recipe, where); });
        break;
      case FigureKind::Hierarchy:
        own = dataErrorOf([&] { HierarchyRecipe::fromJson(recipe, where); });
        break;
      case FigureKind::Comparison:
        own = dataErrorOf([&] { ComparisonRecipe::fromJson(recipe, where); });
        break;
      case FigureKind::Projection:
        own = dataErrorOf([&] { ProjectionRecipe::fromJson(recipe, where); });
        break;
    }
    QCOMPARE(own, general);
  }

  // A struct reads recipes of its own kind only.
  void otherKindsAreRefused() {
    const QJsonObject hierarchy = figureRecipeToJson(fullRecipe(FigureKind::Hierarchy));
    QCOMPARE(dataErrorOf([&] { TraversalRecipe::fromJson(hierarchy, "h.json"); }),
             QStringLiteral("h.json: field `figure` must be traversal, got \"hierarchy\""));
    QCOMPARE(dataErrorOf([&] {
               ProjectionRecipe::fromJson(QJsonObject{{"figure", "projection"}});
             }),
             QStringLiteral("recipe: not a Strata figure recipe (no \"strata_recipe\")"));
  }

  // Recipes as the window, the views and the subcommands write them (and the test fixtures)
  // read and write back exactly: the format is unchanged.
  void writtenRecipesReadBackUnchanged_data() {
    QTest::addColumn<QByteArray>("recipe");
    const QByteArray common =
        "\"strata_recipe\": 1, \"models\": [{\"path\": \"bundled:fashion_lvae.pt\", "
        "\"sha256\": \"" +
        QByteArray(64, 'a') +
        "\"}], \"dataset\": \"fashion-mnist:test\", \"output\": \"figure.pdf\", "
        "\"style\": {\"font\": \"DejaVu Sans\", \"font_size\": 9, \"dpi\": 300}, ";
    const char* const rows[][2] = {
        {"traversal from an item",
         R"("figure": "traversal", "start": {"item": 0}, "units": ["z_top[2]", )"
         R"("z_bottom[c1, 2, 5]"], "steps": 9, "range": {"mode": "prior-sigma", "k": 3}, )"
         R"("propagation": "regenerate", "stats_items": 20000, "seed": 0})"},
        {"traversal from the prior",
         R"("figure": "traversal", "start": {"prior_seed": 1000000, "temperature": 1}, )"
         R"("units": ["z[0]"], "steps": 25, "range": {"mode": "data-quantiles", "k": 0.5}, )"
         R"("propagation": "keep", "gif_delay_ms": 80})"},
        {"hierarchy resampling",
         R"("figure": "hierarchy", "items": [0, 7], "samples": 12, "seed": 7})"},
        {"hierarchy temperature",
         R"("figure": "hierarchy", "page": "temperature", "temperatures": [0, 1.5, 3], )"
         R"("count": 32, "seed": 3})"},
        {"hierarchy mixing", R"("figure": "hierarchy", "page": "mixing", "pair": [0, 1]})"},
        {"hierarchy resampling at chosen levels",
         R"("figure": "hierarchy", "items": [0], "levels": [0, 30, 60], "seed": 1})"},
        {"hierarchy kl", R"("figure": "hierarchy", "page": "kl", "stats_items": 10000})"},
        {"comparison",
         R"("figure": "comparison", "items": [0, 1, 2, 3, 4, 5, 6, 7], "samples": 8, )"
         R"("seed": 0, "temperature": 2})"},
        {"projection of latents",
         R"("figure": "projection", "method": "umap", "samples": false, "seed": 0, )"
         R"("perplexity": 200, "neighbours": 2, "min_dist": 0, "source": "all-layers", )"
         R"("neighbour_graph": "thorough", "colour": "unit:3"})"},
        {"projection of pixels",
         R"("figure": "projection", "method": "tsne", "perplexity": 2, "iterations": 10000, )"
         R"("source": "pixels", "colour": "factor:pos_x"})"},
        {"projection without colour", R"("figure": "projection", "method": "pca", "models": []})"},
    };
    for (const auto& row : rows) QTest::newRow(row[0]) << ("{" + common + QByteArray(row[1]));
  }
  void writtenRecipesReadBackUnchanged() {
    QFETCH(QByteArray, recipe);
    const QJsonObject original = json(recipe.constData());
    const QJsonObject written = figureRecipeToJson(figureRecipeFromJson(original, "r.json"));
    QCOMPARE(compact(written), compact(original));
    QCOMPARE(QJsonDocument(written).toJson(), QJsonDocument(original).toJson());
  }

  // The seed corpus of the recipe reader holds the fixtures of every kind: the valid ones read
  // and write back unchanged.
  void corpusRecipesReadBackUnchanged() {
    const QDir corpus(QStringLiteral(STRATA_SOURCE_DIR "/tests/fuzz/corpus/recipe"));
    int valid = 0;
    for (const QString& name : corpus.entryList({"*.json"}, QDir::Files)) {
      QFile file(corpus.filePath(name));
      QVERIFY(file.open(QIODevice::ReadOnly));
      const QJsonObject original = QJsonDocument::fromJson(file.readAll()).object();
      if (!dataErrorOf([&] { validateRecipe(original, name); }).isEmpty()) continue;
      ++valid;
      QCOMPARE(compact(figureRecipeToJson(figureRecipeFromJson(original, name))),
               compact(original));
    }
    QVERIFY(valid >= 6);
  }

  // Every value of every saved enum has one name, the names are distinct, and each reads back
  // to its value; the recipe table offers exactly these names.
  void nameTablesAreComplete() {
    const auto check = [](const auto& table, const QStringList& tableChoices) {
      QSet<QString> seen;
      for (const auto& entry : table) {
        const QString name = toName(table, entry.value);
        QVERIFY(!name.isEmpty());
        QVERIFY2(!seen.contains(name), qPrintable(name));
        seen.insert(name);
        QVERIFY(fromName(table, name) == entry.value);
        QVERIFY(!fromName(table, name.toUpper() + "x"));
      }
      if (!tableChoices.isEmpty()) QCOMPARE(namesList(table), tableChoices);
    };
    check(kProjectionMethodNames, recipeField("projection", "method").choices);
    check(kKnnEffortNames, recipeField("projection", "neighbour_graph").choices);
    check(kRangeModeNames, recipeField("traversal", "range.mode").choices);
    check(kPropagationNames, recipeField("traversal", "propagation").choices);
    check(kHierarchyPageNames, recipeField("hierarchy", "page").choices);
    check(kFigureKindNames, recipeField({}, "figure").choices);
    check(kProjectionSourceNames, {});
    check(kColouringNames, {});
    QCOMPARE(int(std::size(kProjectionMethodNames)), 3);
    QCOMPARE(int(std::size(kRangeModeNames)), 4);
    QCOMPARE(int(std::size(kPropagationNames)), 2);
    QCOMPARE(int(std::size(kHierarchyPageNames)), 4);
    // Leniently: any case and the alias, as hand-edited sessions write them.
    QVERIFY(projectionMethodFromName("t-SNE", NameMatch::Lenient) == ProjectionMethod::Tsne);
    QVERIFY(!projectionMethodFromName("t-SNE"));
    QVERIFY(!projectionMethodFromName("TSNE"));
  }

  void sourcesAndColouringsByName() {
    const QStringList layers{"z_top", "z_bottom"};
    QCOMPARE(projectionSourceName(ProjectionRequest::kPixels), QStringLiteral("pixels"));
    QCOMPARE(projectionSourceName(ProjectionRequest::kAllLayers), QStringLiteral("all-layers"));
    QCOMPARE(projectionSourceName(1, layers), QStringLiteral("z_bottom"));
    QVERIFY(projectionSourceFromName("z_bottom", layers) == 1);
    QVERIFY(projectionSourceFromName("all-layers", layers) == ProjectionRequest::kAllLayers);
    QVERIFY(!projectionSourceFromName("z_middle", layers));
    ProjectionRequest request;
    request.source = 1;
    request.method = ProjectionMethod::Tsne;
    request.seed = 5;
    const QJsonObject map = projectionRecipeOf(request, layers).toJson();
    QCOMPARE(map["source"].toString(), QStringLiteral("z_bottom"));
    QCOMPARE(map["method"].toString(), QStringLiteral("tsne"));
    QCOMPARE(map["seed"].toInteger(), 5);
    QCOMPARE(map["perplexity"].toDouble(), request.tsne.perplexity);
    QVERIFY(!map.contains("iterations") && !map.contains("colour") && !map.contains("models"));
    QVERIFY(!map.contains("neighbour_graph"));  // a t-SNE has no choice of graph
    request.method = ProjectionMethod::Umap;
    request.umap.graphEffort = KnnEffort::Thorough;
    QCOMPARE(projectionRecipeOf(request, layers).toJson()["neighbour_graph"].toString(),
             QStringLiteral("thorough"));

    for (const Colouring& c : {Colouring{Colouring::Class, {}, 0}, Colouring{Colouring::Kl, {}, 0},
                               Colouring{Colouring::Reconstruction, {}, 0},
                               Colouring{Colouring::None, {}, 0}, factorColouring("pos_x"),
                               factorColouring("a:b"), unitColouring(0), unitColouring(9999999)})
      QVERIFY2(colouringFromName(colouringName(c)) == c, qPrintable(colouringName(c)));
    for (const char* bad : {"", "Class", "factor:", "unit:", "unit:-1", "unit:12345678", "unit:1x"})
      QVERIFY2(!colouringFromName(bad), bad);
    QCOMPARE(colouringNamesText(),
             QStringLiteral("class, kl, reconstruction, none, predicted-class, class-entropy, "
                            "factor:NAME or unit:N"));
  }
};

STRATA_TEST_GUILESS_MAIN(TestRecipeParams)
#include "test_recipe_params.moc"
